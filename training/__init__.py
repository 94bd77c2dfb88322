"""Continued pre-training of SigLIP on the collections: pairs, record-level split, sigmoid loss, checkpoints."""
