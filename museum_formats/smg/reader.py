"""Science Museum Group object documents, in every shape they ship in.

An entry is an Elasticsearch hit (`{"_id", "_source"}`), a JSON:API document or resource
(`{"data": [{"type": "objects", "id", "attributes"}]}`) or a bare object document (`@admin`),
one per line or the whole file as one JSON document. Images come from `processed` or
`@processed` renditions, picked by the collection's `image_renditions`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from museum_formats.markup import plain_text
from museum_formats.media import add_images
from museum_formats.reading import json_document, json_lines
from museum_formats.rows import Problem, SourceRow, normalise
from museum_formats.smg.options import SmgOptions
from museum_formats.text import (
    distinct_variants,
    join_sentences,
    not_text,
    without_guide_terms,
)

_OLD_ID = re.compile(r"^(?:smgc-objects?-|object-)(\d+)$")
NO_LOCATION = "a media entry without an image location"
NO_VALUE = "an entry without a value"


def _objects(value: object) -> Iterator[tuple[object, dict] | Problem]:
    """The (id, fields) of each object document an entry holds, or why it holds none."""
    if isinstance(value, list):
        for item in value:
            yield from _objects(item)
    elif not isinstance(value, dict):
        yield Problem("(line)", "expected a JSON object", f"got {type(value).__name__}")
    elif "_source" in value:
        source = value["_source"]
        yield value.get("_id"), source if isinstance(source, dict) else {}
    elif "data" in value:
        yield from _objects(value["data"])
    elif isinstance(value.get("hits"), dict):  # an Elasticsearch search response
        yield from _objects(value["hits"].get("hits", []))
    elif "attributes" in value:
        if value.get("type", "objects") != "objects":
            yield Problem("type", "a JSON:API resource that is not an object", f"type {value.get('type')!r}")
        else:
            attributes = value["attributes"]
            yield value.get("id"), attributes if isinstance(attributes, dict) else {}
    elif "@admin" in value or "admin" in value:
        yield None, value
    else:
        yield Problem("(line)", "neither an Elasticsearch hit (_source) nor a JSON:API object (attributes)")


def _entries(collection: SmgOptions) -> Iterator[tuple[int, tuple[object, dict] | Problem]]:
    """Positions are line numbers, or for a whole-file document the object's number in it."""
    document = json_document(collection.path, collection.encoding)
    if document is not None:
        yield from enumerate(_objects(document), start=1)
        return
    for number, value, problem in json_lines(collection):
        if problem:
            yield number, problem
            continue
        for item in _objects(value):
            yield number, item


def _primary_first(entries: list) -> list:
    return sorted(entries, key=lambda entry: not (isinstance(entry, dict) and entry.get("primary") is True))


def _texts(row: SourceRow, source_field: str, entries: object, key: str = "value") -> list[str]:
    """The text values of an SMG list field such as `title: [{"value": …, "primary": true}]`, primary first,
    as plain text (markup out, see `markup.plain_text`).

    Entries that are not text are dropped with the reason; empty ones hold nothing to keep.
    """
    if entries is None:
        return []
    if not isinstance(entries, list):
        entries = [entries]
    texts = []
    for entry in _primary_first(entries):
        value = entry.get(key) if isinstance(entry, dict) else entry
        if isinstance(entry, dict) and key not in entry:
            row.drop(source_field, entry, NO_VALUE)
        elif value is None:
            continue
        elif isinstance(value, bool) or not isinstance(value, (str, int, float)):
            row.drop(source_field, value, not_text(value))
        elif plain_text(str(value)):
            texts.append(plain_text(str(value)))
    return texts


def _record_id(row: SourceRow, envelope_id: object, source: dict) -> None:
    admin = source.get("@admin") or source.get("admin")
    raw = envelope_id if envelope_id not in (None, "") else admin.get("uid") if isinstance(admin, dict) else None
    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, (str, int))):
        row.problems.append(Problem("record_id", "record id is not text", not_text(raw)))
        return
    text = normalise(raw)
    old = _OLD_ID.match(text)
    row.record_id = f"co{old.group(1)}" if old else text or None
    row.source_id = text or None


def _category(row: SourceRow, source: dict) -> None:
    source_field = "categories" if "categories" in source else "category"
    entries = source.get(source_field)
    first = _primary_first(entries)[:1] if isinstance(entries, list) else [entries] if entries else []
    key = "name" if first and isinstance(first[0], dict) and "name" in first[0] else "value"
    texts = _texts(row, source_field, first, key)
    if texts:
        row.category = texts[0]
        row.keep(source_field)


def _taxonomy(row: SourceRow, source: dict) -> None:
    """The first term hierarchy, ordered by `sort`, without guide terms."""
    terms: list = source["terms"] if isinstance(source.get("terms"), list) else []
    hierarchy: list = next(
        (
            t["hierarchy"]
            for t in terms
            if isinstance(t, dict) and isinstance(t.get("hierarchy"), list) and t["hierarchy"]
        ),
        [],
    )
    levels = [level for level in hierarchy if isinstance(level, dict)]
    for level in hierarchy:
        if not isinstance(level, dict):
            row.drop("terms", level, "not a hierarchy level")
    levels.sort(key=lambda level: level["sort"] if isinstance(level.get("sort"), (int, float)) else 0)
    path = []
    for level in levels:
        names = without_guide_terms(row, "terms", _texts(row, "terms", level.get("name")))
        if names:
            path.append(", ".join(names))
    row.taxonomy = " > ".join(path) or None


def _rendition(entry: object, preferences: list[str]) -> str | None:
    """The location of the preferred rendition of a media entry, else of the first that has one."""
    processed = entry.get("@processed", entry.get("processed")) if isinstance(entry, dict) else None
    if not isinstance(processed, dict):
        return None
    renditions = [processed.get(name) for name in preferences] + list(processed.values())
    for rendition in renditions:
        location = rendition.get("location") if isinstance(rendition, dict) else None
        if isinstance(location, str) and location.strip():
            return location
    return None


def _images(row: SourceRow, source: dict, collection: SmgOptions) -> None:
    media = source.get("multimedia") or []
    if not isinstance(media, list):
        row.drop("multimedia", media, "not a list of media entries")
        return
    refs = []
    for entry in _primary_first(media):
        location = _rendition(entry, collection.image_renditions)
        if location is None:
            row.drop("multimedia", entry, NO_LOCATION)
        else:
            refs.append(location)
    add_images(row, refs, collection, "multimedia", lower=True)


def _smg_row(position: int, envelope_id: object, source: dict, collection: SmgOptions) -> SourceRow:
    row = SourceRow(position)
    _record_id(row, envelope_id, source)
    row.name = "; ".join(distinct_variants(row, "name", _texts(row, "name", source.get("name"))))
    titles = distinct_variants(row, "title", _texts(row, "title", source.get("title")))
    descriptions = distinct_variants(row, "description", _texts(row, "description", source.get("description")), titles)
    row.description = join_sentences(titles + descriptions)
    _category(row, source)
    _taxonomy(row, source)
    _images(row, source, collection)
    return row


def read_smg(collection: SmgOptions) -> Iterator[SourceRow]:
    """Every object document of an SMG export, in whichever of its shapes the file is."""
    for position, item in _entries(collection):
        if isinstance(item, Problem):
            yield SourceRow(position, problems=[item])
        else:
            yield _smg_row(position, *item, collection)
