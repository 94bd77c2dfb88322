"""Runs every configured collection through its format's reader and writes records, rejects and dropped values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from heritage_weaver.config import CollectionConfig
from heritage_weaver.config_sections import IngestConfig
from heritage_weaver.text_safety import visible
from heritage_weaver.workspace import Workspace
from ingest.artifacts import DROPPED, RECORDS, REJECTS
from ingest.cleaning import clean_row
from museum_formats import FORMATS
from museum_formats.rows import RECORD_REJECTED, DroppedRow, Problem, SourceRow, check_row

RECORD_SCHEMA = RECORDS.schema()
REJECT_SCHEMA = REJECTS.schema()
DROPPED_SCHEMA = DROPPED.schema()


def record_schema(extra_fields: tuple[str, ...]) -> pa.Schema:
    """The records table's schema: the declared columns, then one string column per extra field."""
    return pa.schema([*RECORD_SCHEMA, *(pa.field(name, pa.string()) for name in extra_fields)])


@dataclass
class FieldCounts:
    """The values of one source field in a collection's accepted records."""

    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> values

    @property
    def read(self) -> int:
        return self.kept + sum(self.dropped.values())


@dataclass
class TableCounts:
    """The rows of one joined table: added to an accepted record, to a rejected one, or dropped."""

    merged: int = 0
    rejected: int = 0
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> rows

    @property
    def rows(self) -> int:
        return self.merged + self.rejected + sum(self.dropped.values())


@dataclass
class CollectionCounts:
    collection: str
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    images: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # reject reason -> rows
    fields: dict[str, FieldCounts] = field(default_factory=dict)
    tables: dict[str, TableCounts] = field(default_factory=dict)  # joined table (file name) -> its rows
    changed: dict[str, dict[str, int]] = field(default_factory=dict)  # record field -> reason -> values kept changed

    @property
    def values_kept(self) -> int:
        return sum(f.kept for f in self.fields.values())

    @property
    def values_dropped(self) -> int:
        return sum(sum(f.dropped.values()) for f in self.fields.values())

    @property
    def values_read(self) -> int:
        return sum(f.read for f in self.fields.values())

    @property
    def values_changed(self) -> int:
        """Values kept changed by cleaning (control characters, invalid code points, length cap)."""
        return sum(sum(reasons.values()) for reasons in self.changed.values())


@dataclass
class IngestResult:
    counts: list[CollectionCounts]
    records: pa.Table
    rejects: pa.Table
    dropped: pa.Table


class _Collector:
    """Gathers records, rejects and dropped values; gives every record a study-wide unique id.

    A record is (collection, id): duplicates count within one collection. Generic (csv, jsonl)
    collections' ids become `<collection>:<id>`; smg and nms ids stay as the museum wrote them
    unless an earlier collection already holds the same id, in which case they are qualified too.
    """

    def __init__(self, settings: IngestConfig, extra_fields: tuple[str, ...] = ()) -> None:
        self.settings = settings
        self.schema = record_schema(extra_fields)
        self.extra_fields = extra_fields
        self.records: dict[str, list] = {name: [] for name in self.schema.names}
        self.rejects: dict[str, list] = {name: [] for name in REJECT_SCHEMA.names}
        self.dropped: dict[str, list] = {name: [] for name in DROPPED_SCHEMA.names}
        self.first_seen: dict[tuple[str, str], str] = {}
        self.study_ids: set[str] = set()

    def reject(self, collection: CollectionConfig, row: SourceRow, problem: Problem, counts: CollectionCounts) -> None:
        for name, value in zip(
            REJECT_SCHEMA.names,
            (
                collection.name,
                str(row.source_file or collection.path),
                row.position,
                visible(row.source_id or row.record_id or "") or None,
                problem.field,
                visible(problem.text),
                RECORD_REJECTED,
            ),
        ):
            self.rejects[name].append(value)
        counts.reasons[problem.reason] = counts.reasons.get(problem.reason, 0) + 1

    def _study_id(self, collection: CollectionConfig, record_id: str) -> str:
        qualified = f"{collection.name}:{record_id}"
        return qualified if collection.qualified_ids or record_id in self.study_ids else record_id

    def drop_row(self, collection: CollectionConfig, row: DroppedRow, counts: CollectionCounts) -> None:
        """A joined table's row that adds to no record."""
        reasons = counts.tables.setdefault(Path(row.table).name, TableCounts()).dropped
        reasons[row.reason] = reasons.get(row.reason, 0) + 1
        cells = (collection.name, row.table, row.position, None, row.field, visible(row.value), row.reason)
        for name, cell in zip(DROPPED_SCHEMA.names, cells):
            self.dropped[name].append(cell)

    def add(self, collection: CollectionConfig, row: SourceRow, counts: CollectionCounts) -> None:
        counts.rows += 1
        clean_row(row, self.settings)
        check_row(row)
        source_file = row.source_file or collection.path
        key = (collection.name, row.record_id or "")
        if not row.rejected and key in self.first_seen:
            row.problems.append(Problem("record_id", "duplicate record_id", f"first kept at {self.first_seen[key]}"))
        study_id = None if row.rejected or row.record_id is None else self._study_id(collection, row.record_id)
        if study_id in self.study_ids:
            row.problems.append(
                Problem("record_id", "duplicate record_id", f"{study_id} is taken by another collection")
            )
        for problem in row.problems:
            self.reject(collection, row, problem, counts)
        for table, taken in row.joined.items():
            table_counts = counts.tables.setdefault(table, TableCounts())
            if row.rejected:
                table_counts.rejected += taken
            else:
                table_counts.merged += taken
        if row.rejected:
            counts.rejected += 1
            return
        assert row.record_id is not None and study_id is not None, "check_row rejects a row without an id"
        counts.accepted += 1
        counts.images += len(row.image_refs)
        self.first_seen[key] = f"{source_file.name}:{row.position}"
        self.study_ids.add(study_id)
        for name, value in zip(
            RECORD_SCHEMA.names,
            (
                study_id,
                collection.name,
                row.name,
                row.description,
                row.image_refs,
                row.category,
                row.taxonomy,
                str(source_file),
                row.position,
                row.source_id or row.record_id,
            ),
        ):
            self.records[name].append(value)
        for name in self.extra_fields:
            self.records[name].append(row.extra.get(name))
        for source_field, kept in row.kept.items():
            counts.fields.setdefault(source_field, FieldCounts()).kept += kept
        for changed in row.changed:
            reasons = counts.changed.setdefault(changed.field, {})
            reasons[changed.reason] = reasons.get(changed.reason, 0) + 1
        for dropped in row.dropped:
            reasons = counts.fields.setdefault(dropped.field, FieldCounts()).dropped
            reasons[dropped.reason] = reasons.get(dropped.reason, 0) + 1
        for dropped in [*row.dropped, *row.changed]:
            for name, cell in zip(
                DROPPED_SCHEMA.names,
                (
                    collection.name,
                    str(source_file),
                    row.position,
                    study_id,
                    dropped.field,
                    visible(dropped.value),
                    dropped.reason,
                ),
            ):
                self.dropped[name].append(cell)


def ingest_collections(workspace: Workspace) -> IngestResult:
    """Read every collection of the study; write the records, rejects and dropped-values tables."""
    collector = _Collector(workspace.config.ingest, workspace.config.extra_fields)
    counts = []
    for collection in workspace.config.collections:
        collection_counts = CollectionCounts(collection.name)
        for row in FORMATS[collection.format].read(collection):
            if isinstance(row, DroppedRow):
                collector.drop_row(collection, row, collection_counts)
            else:
                collector.add(collection, row, collection_counts)
        counts.append(collection_counts)
    records = pa.Table.from_pydict(collector.records, schema=collector.schema)
    rejects = pa.Table.from_pydict(collector.rejects, schema=REJECT_SCHEMA)
    dropped = pa.Table.from_pydict(collector.dropped, schema=DROPPED_SCHEMA)
    sources = [source for c in workspace.config.collections for source in c.inputs()]
    summary = {
        c.collection: {
            "rows": c.rows,
            "accepted": c.accepted,
            "rejected": c.rejected,
            "values_read": c.values_read,
            "values_kept": c.values_kept,
            "values_dropped": c.values_dropped,
            "values_changed": c.values_changed,
            **({"joined_rows": {t: vars(n) for t, n in c.tables.items()}} if c.tables else {}),
        }
        for c in counts
    }
    RECORDS.write(workspace, records, inputs=sources, counts=summary)
    REJECTS.write(workspace, rejects, inputs=sources)
    DROPPED.write(workspace, dropped, inputs=sources)
    return IngestResult(counts, records, rejects, dropped)
