"""One reader per source format; each yields `SourceRow`s with problems noted, never raises per row."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from heritage_weaver.config import CollectionConfig
from heritage_weaver.ingest.rows import VALUE_DROPPED, Problem, SourceRow, normalise, resolve_image

NMS_COLUMNS = ("object_number", "object_name", "description", "object_category", "administration_name", "media.reference")
NMS_IMAGE_PREFIXES = ("PF", "MP")


class IngestError(ValueError):
    """A whole file cannot be read (missing columns, unreadable file); names file and cause."""


def _join_sentences(parts: list[str]) -> str:
    pieces = [p if p.endswith((".", "!", "?")) else f"{p}." for p in parts if p]
    return " ".join(pieces)


def _add_images(row: SourceRow, refs: list[str], collection: CollectionConfig, lower: bool = False) -> None:
    for ref in refs:
        if not ref.strip():
            continue
        location = resolve_image(ref, collection.image_base_url, collection.path.parent, lower)
        if location is None:
            row.problems.append(Problem("images", f"image {ref!r} is neither a URL nor an existing file", VALUE_DROPPED))
        else:
            row.image_refs.append(location)


def _json_lines(path: Path) -> Iterator[tuple[int, object | None, Problem | None]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                yield number, None, Problem("(line)", f"bytes that are not valid UTF-8 at byte {error.start}")
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                yield number, None, Problem("(line)", f"malformed JSON: {error.msg} at column {error.colno}")
                continue
            if not isinstance(value, dict):
                yield number, None, Problem("(line)", f"expected a JSON object, got {type(value).__name__}")
                continue
            yield number, value, None


def _values(entries: object) -> list[str]:
    """The `value`s of an SMG list field such as `name: [{"value": ...}]`."""
    if isinstance(entries, str):
        entries = [{"value": entries}]
    if not isinstance(entries, list):
        return []
    texts = []
    for entry in entries:
        value = entry.get("value") if isinstance(entry, dict) else entry
        text = normalise(value) if isinstance(value, (str, int, float)) else ""
        if text:
            texts.append(text)
    return texts


def _smg_taxonomy(source: dict) -> str | None:
    terms = source.get("terms") or []
    hierarchy = terms[0].get("hierarchy", []) if terms and isinstance(terms[0], dict) else []
    levels = sorted((h for h in hierarchy if isinstance(h, dict)), key=lambda h: h.get("sort", 0))
    names = [", ".join(_values(level.get("name"))) for level in levels]
    return " > ".join(n for n in names if n) or None


def read_smg(collection: CollectionConfig) -> Iterator[SourceRow]:
    """Science Museum Group Elasticsearch dump: one `{"_id", "_source"}` object per line."""
    for number, entry, problem in _json_lines(collection.path):
        if problem:
            yield SourceRow(number, problems=[problem])
            continue
        source = entry.get("_source") if isinstance(entry.get("_source"), dict) else {}
        categories = source.get("categories") or []
        category = categories[0].get("name") if categories and isinstance(categories[0], dict) else None
        row = SourceRow(
            number,
            record_id=normalise(entry.get("_id")) or None,
            name="; ".join(_values(source.get("name"))),
            description=_join_sentences(_values(source.get("title")) + _values(source.get("description"))),
            category=normalise(category) or None,
            taxonomy=_smg_taxonomy(source),
        )
        media = source.get("multimedia") or []
        refs = [m.get("processed", {}).get("medium", {}).get("location", "") for m in media if isinstance(m, dict)]
        _add_images(row, [r for r in refs if isinstance(r, str)], collection, lower=True)
        yield row


def _csv_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str] | None, Problem | None]]:
    with path.open(encoding="utf-8", errors="surrogateescape", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise IngestError(f"{path}: missing column(s) {missing}; the header has {reader.fieldnames}")
        for number, values in enumerate(reader, start=2):  # row 1 is the header
            if None in values:
                extra = len(values[None])
                yield number, None, Problem("(row)", f"unknown columns: {extra} cell(s) beyond the header")
            elif any(v is None for v in values.values()):
                yield number, None, Problem("(row)", f"row has fewer cells than the {len(values)} header columns")
            else:
                yield number, values, None


def read_nms(collection: CollectionConfig) -> Iterator[SourceRow]:
    """National Museums Scotland CSV export; `media.reference` holds `|`-separated references."""
    for number, values, problem in _csv_rows(collection.path, NMS_COLUMNS[:3] + ("media.reference",)):
        if problem:
            yield SourceRow(number, problems=[problem])
            continue
        row = SourceRow(
            number,
            record_id=normalise(values["object_number"]) or None,
            name=normalise(values["object_name"]),
            description=normalise(values["description"]),
            category=normalise(values.get("object_category")) or None,
            taxonomy=normalise(values.get("administration_name")) or None,
        )
        refs = [r for r in values["media.reference"].split("|") if PurePosixPath(r.strip()).name.startswith(NMS_IMAGE_PREFIXES)]
        _add_images(row, refs, collection)
        yield row


def _mapped_row(number: int, values: dict, collection: CollectionConfig) -> SourceRow:
    columns = collection.columns

    def get(field: str) -> str:
        return normalise(values.get(columns[field])) if field in columns else ""

    row = SourceRow(number, record_id=get("record_id") or None, name=get("name"), description=get("description"),
                    category=get("category") or None, taxonomy=get("taxonomy") or None)
    if "images" in columns:
        raw = values.get(columns["images"])
        refs = raw if isinstance(raw, list) else str(raw or "").split(collection.image_separator)
        _add_images(row, [str(r) for r in refs], collection)
    return row


def read_csv(collection: CollectionConfig) -> Iterator[SourceRow]:
    """Any CSV export, read through the collection's column mapping."""
    for number, values, problem in _csv_rows(collection.path, tuple(collection.columns.values())):
        yield SourceRow(number, problems=[problem]) if problem else _mapped_row(number, values, collection)


def read_jsonl(collection: CollectionConfig) -> Iterator[SourceRow]:
    """Any JSON-lines export, read through the collection's column mapping."""
    for number, entry, problem in _json_lines(collection.path):
        yield SourceRow(number, problems=[problem]) if problem else _mapped_row(number, entry, collection)


READERS: dict[str, Callable[[CollectionConfig], Iterator[SourceRow]]] = {
    "smg": read_smg, "nms": read_nms, "csv": read_csv, "jsonl": read_jsonl,
}
