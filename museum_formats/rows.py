"""What readers yield, and the checks every record goes through whatever its source."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from museum_formats.sources import is_url

RECORD_REJECTED = "record rejected"
FURTHER_VALUE = "a further value (a record keeps one per extra field)"
FURTHER_CATEGORY = "a further category (a record keeps one)"
VALUE_SHOWN = 300  # characters of a dropped value kept in dropped.parquet
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")  # two letters or more: `C:\…` is a Windows path


@dataclass
class Problem:
    """Why a whole row cannot become a record: a fixed `reason` (counted in the table) and its specifics."""

    field: str
    reason: str
    detail: str = ""

    @property
    def text(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


@dataclass
class Dropped:
    """One value of an accepted row that the record does not keep, and why."""

    field: str
    value: str
    reason: str


@dataclass
class SourceRow:
    """One input row: its position in the file, the fields a reader read, and what it kept or dropped.

    Every value a reader reads from a mapped field goes through `keep` or `drop`, so that
    the values read equal the values kept plus the values dropped, per field.
    """

    position: int
    source_file: Path | None = None  # the file it lies in, where a collection reads several (else its `path`)
    record_id: str | None = None
    source_id: str | None = None  # the id as the file writes it, where the reader reads it differently
    name: str = ""
    description: str = ""
    image_refs: list[str] = field(default_factory=list)
    category: str | None = None
    taxonomy: str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # extra field (the collection's `fields`) -> its value
    problems: list[Problem] = field(default_factory=list)
    kept: Counter[str] = field(default_factory=Counter)
    dropped: list[Dropped] = field(default_factory=list)
    joined: Counter[str] = field(default_factory=Counter)  # joined table -> its rows that added to this row
    changed: list[Dropped] = field(default_factory=list)  # values kept changed (`ingest.cleaning`), by record field

    @property
    def rejected(self) -> bool:
        return bool(self.problems)

    def keep(self, source_field: str, count: int = 1) -> None:
        self.kept[source_field] += count

    def drop(self, source_field: str, value: object, reason: str) -> None:
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        if len(shown) > VALUE_SHOWN:
            shown = shown[:VALUE_SHOWN] + "…"
        self.dropped.append(Dropped(source_field, shown, reason))


@dataclass
class DroppedRow:
    """A row of a joined table that adds to no object (its key matches none, or it cannot be read)."""

    table: str
    position: int
    field: str
    value: str
    reason: str


def normalise(value: object) -> str:
    """Collapse runs of whitespace into one space; None becomes the empty string."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def resolve_image(ref: str, base_url: str | None, roots: list[Path], lower: bool = False) -> tuple[str | None, str]:
    """An image reference as a URL or an existing file inside `roots` (`media.image_roots`); a
    relative reference is looked for under each root in turn; else None and the reason.

    Nothing outside the roots is opened or even tested for existence.
    """
    ref = ref.strip()
    if is_url(ref):
        return ref, ""
    scheme = _SCHEME.match(ref)
    if scheme:
        return None, f"a {scheme.group(1).lower()}: reference, not an http(s) URL or a file"
    if base_url:
        return base_url + (ref.lower() if lower else ref), ""
    inside = [path for path in ((root / ref).resolve() for root in roots) if _within(path, roots)]
    if not inside:
        return None, "a file outside the export's folder and the collection's image_roots"
    found = next((path for path in inside if path.is_file()), None)
    if found is None:
        return None, "neither a URL nor an existing file"
    return str(found), ""


def _within(path: Path, roots: list[Path]) -> bool:
    return any(path.is_relative_to(root.resolve()) for root in roots)


def check_row(row: SourceRow) -> None:
    """Checks shared by every format; adds problems to a row its reader could read."""
    if row.rejected:
        return
    if not row.record_id:
        row.problems.append(Problem("record_id", "missing record_id"))
    if not row.name and not row.description:
        row.problems.append(Problem("name", "empty name and description"))
