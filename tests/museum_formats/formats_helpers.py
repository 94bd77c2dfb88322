"""Helpers shared by the tests of the museum formats: an export read with the library alone, and its
rows seen as records, rejects and dropped values."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from museum_formats import FORMATS
from museum_formats.options import CollectionOptions
from museum_formats.rows import DroppedRow, SourceRow, check_row
from museum_formats.sources import export_folder

FIXTURES = Path(__file__).resolve().parents[1] / "core" / "fixtures"


@dataclass
class Read:
    """What one read of an export yielded: its rows (each checked as every record is, `check_row`) and
    the joined rows that added to no object."""

    options: CollectionOptions
    rows: list[SourceRow]
    left_over: list[DroppedRow]

    def _record(self, row: SourceRow) -> dict:
        return {
            "record_id": row.record_id,
            "name": row.name,
            "description": row.description,
            "images": row.image_refs,
            "category": row.category,
            "taxonomy": row.taxonomy,
            "source_file": str(row.source_file or self.options.path),
            "source_position": row.position,
            "source_id": row.source_id or row.record_id,
            **{name: row.extra.get(name) for name in self.options.fields},
        }

    @property
    def accepted(self) -> list[SourceRow]:
        return [row for row in self.rows if not row.rejected]

    def records(self) -> dict[str, dict]:
        """The accepted rows as records, by record id, in the shape of the records table."""
        return {row.record_id or "": self._record(row) for row in self.accepted}

    def rejects(self) -> list[dict]:
        """Every problem of a rejected row, in the shape of the rejects table."""
        return [
            {
                "source_file": str(row.source_file or self.options.path),
                "source_position": row.position,
                "record_id": row.source_id or row.record_id,
                "field": problem.field,
                "reason": problem.text,
            }
            for row in self.rows
            for problem in row.problems
        ]

    def dropped(self) -> list[tuple[str | None, str, str, str]]:
        """(record id, field, value, reason) of every value an accepted row dropped."""
        return [(row.record_id, d.field, d.value, d.reason) for row in self.accepted for d in row.dropped]

    def dropped_of(self, record_id: str) -> list[tuple[str, str, str]]:
        """(field, value, reason) of every value one record dropped."""
        return [(field, value, reason) for found, field, value, reason in self.dropped() if found == record_id]

    def fields(self) -> dict[str, tuple[int, int]]:
        """(values read, values kept) per source field, over the accepted rows: read = kept + dropped."""
        kept: Counter[str] = Counter()
        dropped: Counter[str] = Counter()
        for row in self.accepted:
            kept.update(row.kept)
            dropped.update(d.field for d in row.dropped)
        return {field: (kept[field] + dropped[field], kept[field]) for field in kept | dropped}


def read(format_name: str, path: Path, name: str = "c", **options: object) -> Read:
    """Read the export at `path` (a file, folder or glob) as a collection of `format_name` with
    `options`, their relative paths taken from the export's folder."""
    known = FORMATS[format_name]
    given = known.options.model_validate({"name": name, "format": format_name, "path": path, **options})
    resolved = given.resolved(export_folder(path), known.suffixes)
    rows: list[SourceRow] = []
    left_over: list[DroppedRow] = []
    for row in known.read(resolved):
        if isinstance(row, DroppedRow):
            left_over.append(row)
        else:
            check_row(row)
            rows.append(row)
    return Read(resolved, rows, left_over)
