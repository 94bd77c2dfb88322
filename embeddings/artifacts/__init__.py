"""The files the embeddings package writes (declared with the core's artifact mechanism)."""

from __future__ import annotations

from heritage_weaver.artifacts import Artifact, file, table

UNIT_COLUMNS = ("unit_id", "record_id", "collection", "modality", "kind", "text", "image")
UNITS = table(
    "embeddings/{model}/units.parquet",
    "embed",
    "every unit of a model's vector store",
    UNIT_COLUMNS,
    ("embedding",),
    modality=("image", "text"),
    kind=("image", "name", "sentence", "segment"),
)
SHARD_VECTORS = file(
    "embeddings/{model}/shards/{number}.npy", "embed", "L2-normalised vectors of one shard", sections=("embedding",)
)
SHARD_ROWS = table(
    "embeddings/{model}/shards/{number}.parquet",
    "embed",
    "the unit of each shard row (commit mark)",
    ("unit_id", "record_id", "collection", "modality", "text", "image"),
    ("embedding",),
)
EMBED_FAILURES = table(
    "embeddings/{model}/failures.parquet",
    "embed",
    "units that could not be embedded",
    (*UNIT_COLUMNS, "reason"),
    ("embedding",),
)
INDEX = file(
    "indexes/{model}/{modality}-{collection}.faiss",
    "index",
    "a FAISS index of one model, modality and collection",
    sections=("embedding",),
)
INDEX_ROWS = table(
    "indexes/{model}/{modality}-{collection}.parquet",
    "index",
    "each index row's unit and record",
    ("unit_id", "record_id", "collection", "modality", "kind", "image"),
    ("embedding",),
)

# Every file above, once, in declaration order (a test checks that none is left out).
ARTIFACTS: tuple[Artifact, ...] = (
    UNITS,
    SHARD_VECTORS,
    SHARD_ROWS,
    EMBED_FAILURES,
    INDEX,
    INDEX_ROWS,
)
