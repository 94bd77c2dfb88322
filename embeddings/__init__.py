"""Embeddings: text and image units, the resumable embedding runner, vector store, FAISS indexes, search."""
