"""The files the ingest package writes (declared with the core's artifact mechanism)."""

from __future__ import annotations

import pyarrow as pa

from heritage_weaver.artifacts import Artifact, file, table

# Where in its export a row came from: the file and the line (JSON lines) or row (CSV).
SOURCE = ("source_file", "source_position")
SOURCE_TYPES = {"source_position": pa.int64()}

RECORDS = table(
    "records/records.parquet",
    "ingest",
    "one row per accepted record; after the declared columns, one string column per extra field that "
    "`[[collections]] fields` maps (null where the collection does not map it or the record has no value)",
    (
        "record_id",
        "collection",
        "name",
        "description",
        "images",
        "category",
        "taxonomy",
        *SOURCE,
        "source_id",
    ),
    ("collections", "ingest"),
    types={"images": pa.list_(pa.string()), **SOURCE_TYPES},
)
REJECTS = table(
    "records/rejects.parquet",
    "ingest",
    "one row per rejected (or de-duplicated) input row",
    ("collection", *SOURCE, "record_id", "field", "reason", "action"),
    ("collections", "ingest"),
    types=SOURCE_TYPES,
)
DROPPED = table(
    "records/dropped.parquet",
    "ingest",
    "one row per value an accepted record does not keep",
    ("collection", *SOURCE, "record_id", "field", "value", "reason"),
    ("collections", "ingest"),
    types=SOURCE_TYPES,
)
FETCH_CACHE = file(
    "images/cache/{prefix}/{sha256}.{ext}", "fetch-images", "downloaded images, content-addressed", sections=("fetch",)
)
FETCH_JOURNAL = file(
    "images/fetch-journal.jsonl",
    "fetch-images",
    "the outcome of each URL as it is fetched "
    "(folded into the fetched table at the end of a run; what a killed run resumes from)",
    sections=("fetch",),
)
FETCHED = table(
    "images/fetched.parquet",
    "fetch-images",
    "one row per image URL and what fetching it gave",
    (
        "location",
        "status",
        "path",
        "sha256",
        "content_type",
        "bytes",
        "width",
        "height",
        "attempts",
        "error",
        "requested",
    ),
    ("fetch",),
    types={name: pa.int64() for name in ("bytes", "width", "height", "attempts")},
)

# Every file above, once, in declaration order (a test checks that none is left out).
ARTIFACTS: tuple[Artifact, ...] = (
    RECORDS,
    REJECTS,
    DROPPED,
    FETCH_CACHE,
    FETCH_JOURNAL,
    FETCHED,
)
