"""What adapters yield, and the checks every record goes through whatever its source."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from heritage_weaver.images import is_url

RECORD_REJECTED = "record rejected"
VALUE_DROPPED = "value dropped"
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


@dataclass
class Problem:
    field: str
    reason: str
    action: str = RECORD_REJECTED


@dataclass
class SourceRow:
    """One input row: its position in the file, the fields an adapter read, and any problems."""

    position: int
    record_id: str | None = None
    name: str = ""
    description: str = ""
    image_refs: list[str] = field(default_factory=list)
    category: str | None = None
    taxonomy: str | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return any(p.action == RECORD_REJECTED for p in self.problems)


def normalise(value: object) -> str:
    """Collapse runs of whitespace into one space; None becomes the empty string."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def has_undecodable(value: str) -> bool:
    """True when text read with errors='surrogateescape' hid bytes that are not UTF-8."""
    return _ESCAPED_BYTE.search(value) is not None


def resolve_image(ref: str, base_url: str | None, export_folder: Path, lower: bool = False) -> str | None:
    """An image reference as a URL or an existing absolute file path; None if it is neither."""
    ref = ref.strip()
    if is_url(ref):
        return ref
    if base_url:
        return base_url + (ref.lower() if lower else ref)
    path = (export_folder / ref).resolve()
    return str(path) if path.is_file() else None


def check_row(row: SourceRow) -> None:
    """Checks shared by every adapter; adds problems to a row the adapter could read."""
    if row.rejected:
        return
    if not row.record_id:
        row.problems.append(Problem("record_id", "missing record_id"))
    for name in ("record_id", "name", "description", "category", "taxonomy"):
        value = getattr(row, name)
        if isinstance(value, str) and has_undecodable(value):
            row.problems.append(Problem(name, "bytes that are not valid UTF-8"))
    if not row.name and not row.description:
        row.problems.append(Problem("name", "empty name and description"))
