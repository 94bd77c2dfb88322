"""`hw predict`: catalogue fields one collection lacks, predicted from the record embeddings with late fusion."""
