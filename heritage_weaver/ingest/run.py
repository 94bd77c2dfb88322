"""Runs every configured collection through its adapter and writes records and rejects."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from heritage_weaver.artifacts import RECORDS, REJECTS
from heritage_weaver.config import CollectionConfig
from heritage_weaver.ingest.adapters import READERS
from heritage_weaver.ingest.rows import Problem, SourceRow, check_row
from heritage_weaver.workspace import Workspace

RECORD_SCHEMA = pa.schema([
    ("record_id", pa.string()), ("collection", pa.string()), ("name", pa.string()),
    ("description", pa.string()), ("images", pa.list_(pa.string())), ("category", pa.string()),
    ("taxonomy", pa.string()), ("source_file", pa.string()), ("source_position", pa.int64()),
])
REJECT_SCHEMA = pa.schema([
    ("collection", pa.string()), ("source_file", pa.string()), ("source_position", pa.int64()),
    ("record_id", pa.string()), ("field", pa.string()), ("reason", pa.string()), ("action", pa.string()),
])


@dataclass
class CollectionCounts:
    collection: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    values_dropped: int = 0
    images: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class IngestResult:
    counts: list[CollectionCounts]
    records: pa.Table
    rejects: pa.Table


class _Collector:
    def __init__(self) -> None:
        self.records: dict[str, list] = {name: [] for name in RECORD_SCHEMA.names}
        self.rejects: dict[str, list] = {name: [] for name in REJECT_SCHEMA.names}
        self.first_seen: dict[str, str] = {}

    def reject(self, collection: CollectionConfig, row: SourceRow, problem: Problem, counts: CollectionCounts) -> None:
        for name, value in zip(REJECT_SCHEMA.names, (collection.name, str(collection.path), row.position,
                                                      row.record_id, problem.field, problem.reason, problem.action)):
            self.rejects[name].append(value)
        key = problem.reason.split(":")[0].split(" (")[0]
        counts.reasons[key] = counts.reasons.get(key, 0) + 1

    def add(self, collection: CollectionConfig, row: SourceRow, counts: CollectionCounts) -> None:
        counts.rows += 1
        check_row(row)
        if not row.rejected and row.record_id in self.first_seen:
            row.problems.append(Problem("record_id", f"duplicate record_id (first kept at {self.first_seen[row.record_id]})"))
        for problem in row.problems:
            self.reject(collection, row, problem, counts)
        if row.rejected:
            counts.rejected += 1
            return
        counts.values_dropped += len(row.problems)
        counts.accepted += 1
        counts.images += len(row.image_refs)
        self.first_seen[row.record_id] = f"{collection.path.name}:{row.position}"
        for name, value in zip(RECORD_SCHEMA.names, (row.record_id, collection.name, row.name, row.description,
                                                      row.image_refs, row.category, row.taxonomy,
                                                      str(collection.path), row.position)):
            self.records[name].append(value)


def ingest_collections(workspace: Workspace) -> IngestResult:
    """Read every collection of the study; write the records and rejects tables."""
    collector = _Collector()
    counts = []
    for collection in workspace.config.collections:
        collection_counts = CollectionCounts(collection.name)
        for row in READERS[collection.format](collection):
            collector.add(collection, row, collection_counts)
        counts.append(collection_counts)
    records = pa.Table.from_pydict(collector.records, schema=RECORD_SCHEMA)
    rejects = pa.Table.from_pydict(collector.rejects, schema=REJECT_SCHEMA)
    sources = [c.path for c in workspace.config.collections]
    summary = {c.collection: {"rows": c.rows, "accepted": c.accepted, "rejected": c.rejected} for c in counts}
    RECORDS.write(workspace, records, inputs=sources, counts=summary)
    REJECTS.write(workspace, rejects, inputs=sources)
    return IngestResult(counts, records, rejects)
