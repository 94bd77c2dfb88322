"""Collection exports → uniform records, with every rejected row accounted for."""

from ingest.run import IngestResult, ingest_collections

__all__ = ["IngestResult", "ingest_collections"]
