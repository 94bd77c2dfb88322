"""The artifacts `hw serve` reads, with the columns it relies on (to move to the core's registry)."""

from __future__ import annotations

RECORDS = "records/records.parquet"
RECORD_COLUMNS = ("record_id", "collection", "name", "description", "images", "category", "taxonomy")
INDEXES = "indexes"  # indexes/<model>/<modality>-<collection>.faiss, written by `hw index`
VERIFIED_LINKS = "publishing/links.parquet"  # written by `hw export-links`
LINK_COLUMNS = ("pair_id", "record_a", "collection_a", "record_b", "collection_b", "label", "relation",
                "decision", "agreement", "n_annotators")
