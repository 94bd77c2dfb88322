"""One reader per source format; each yields `SourceRow`s with problems noted, never raises per row."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from heritage_weaver.config import CollectionConfig
from museum_formats.edm.reader import read_edm
from museum_formats.iiif.reader import read_iiif
from museum_formats.joins import Joiner
from museum_formats.lido.reader import read_lido
from museum_formats.linked_art.reader import read_linked_art
from museum_formats.markup import plain_text
from museum_formats.media import add_images
from museum_formats.paths import lookup
from museum_formats.reading import IngestError, csv_rows, json_files, json_lines
from museum_formats.rows import FURTHER_CATEGORY, FURTHER_VALUE, DroppedRow, Problem, SourceRow, normalise
from museum_formats.smg.reader import not_text, read_smg
from museum_formats.text import GUIDE_TERM, distinct_variants, is_guide_term, join_sentences

__all__ = ["IngestError", "READERS"]

NMS_COLUMNS = (
    "object_number",
    "object_name",
    "description",
    "object_category",
    "administration_name",
    "media.reference",
)
NMS_IMAGE_PREFIXES = ("PF", "MP")
NOT_NMS_IMAGE = "not an image (NMS image references start with PF or MP)"
FURTHER_NAME = "a further name (a record keeps its first joined row's)"


def _cell(row: SourceRow, column: str, value: str | None) -> str:
    """A CSV cell's plain text (markup out), counted as kept when it holds any."""
    text = plain_text(value or "")
    if text:
        row.keep(column)
    return text


def read_nms(collection: CollectionConfig) -> Iterator[SourceRow]:
    """National Museums Scotland CSV export; `media.reference` holds `|`-separated references."""
    required = NMS_COLUMNS[:3] + ("media.reference", *collection.fields.values())
    for number, values, problem in csv_rows(collection, tuple(dict.fromkeys(required))):
        if problem or values is None:
            yield _unreadable(number, problem)
            continue
        row = SourceRow(number, record_id=normalise(values["object_number"]) or None)
        row.name = _cell(row, "object_name", values["object_name"])
        row.description = _cell(row, "description", values["description"])
        row.category = _cell(row, "object_category", values.get("object_category")) or None
        row.taxonomy = _cell(row, "administration_name", values.get("administration_name")) or None
        images = []
        for ref in (r.strip() for r in values["media.reference"].split("|")):
            if PurePosixPath(ref).name.startswith(NMS_IMAGE_PREFIXES):
                images.append(ref)
            elif ref:
                row.drop("media.reference", ref, NOT_NMS_IMAGE)
        add_images(row, images, collection, "media.reference")
        extra_fields(row, values, collection, _cell_value)
        yield row


def _texts(row: SourceRow, source_field: str, value: object) -> list[str]:
    """The plain texts a field holds (a JSON list holds several); values that are not text are dropped."""
    texts = []
    for item in value if isinstance(value, list) else [value]:
        if item is None:
            continue
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            row.drop(source_field, item, not_text(item))
        elif plain_text(str(item)):
            texts.append(plain_text(str(item)))
    return texts


def extra_fields(
    row: SourceRow, values: dict, collection: CollectionConfig, get: Callable[[dict, str], object]
) -> None:
    """The collection's extra fields (`fields`): the first text value of each, further ones dropped."""
    for name, column in collection.fields.items():
        texts = _texts(row, column, get(values, column))
        if texts:
            row.extra[name] = texts[0]
            row.keep(column)
        for further in texts[1:]:
            row.drop(column, further, FURTHER_VALUE)


def _mapped_images(row: SourceRow, source_field: str, value: object, collection: CollectionConfig) -> None:
    if isinstance(value, str):
        value = value.split(collection.image_separator)
    refs = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            refs.extend([item.strip()] if item.strip() else [])
        elif item is not None:
            row.drop(source_field, item, not_text(item))
    add_images(row, refs, collection, source_field)


def _unreadable(number: int, problem: Problem | None, source_file: Path | None = None) -> SourceRow:
    """The row of a line or row that could not be read; the reader always names the problem."""
    assert problem is not None, "a reader yields a problem wherever it yields no values"
    return SourceRow(number, source_file=source_file, problems=[problem])


def _mapped_row(
    number: int,
    values: dict,
    collection: CollectionConfig,
    get: Callable[[dict, str], object],
    joiner: Joiner | None = None,
    source_file: Path | None = None,
) -> SourceRow:
    """The record of one entry; with a `joiner`, its joined tables' cells are among the `values`;
    `source_file` where the entry is one of a folder's or glob's files."""
    columns = joiner.columns if joiner else collection.columns
    row = SourceRow(number, source_file=source_file)
    raw_id = get(values, columns["record_id"])
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int))):
        row.problems.append(Problem("record_id", "record id is not text", not_text(raw_id)))
    else:
        row.record_id = normalise(raw_id) or None
    fields = {field: (column, get(values, column)) for field, column in columns.items() if field != "record_id"}
    if "name" in fields and joiner and fields["name"][0] in joiner.joined_fields:
        column, value = fields["name"]
        names = _texts(row, column, value)
        row.name = names[0] if names else ""
        row.keep(column, len(names[:1]))
        for further in names[1:]:
            row.drop(column, further, FURTHER_NAME)
    elif "name" in fields:
        row.name = "; ".join(distinct_variants(row, fields["name"][0], _texts(row, *fields["name"])))
    if "description" in fields:
        row.description = join_sentences(
            distinct_variants(row, fields["description"][0], _texts(row, *fields["description"]))
        )
    if "category" in fields:
        column, value = fields["category"]
        texts = _texts(row, column, value)
        row.category = texts[0] if texts else None
        row.keep(column, len(texts[:1]))
        for extra in texts[1:]:
            row.drop(column, extra, FURTHER_CATEGORY)
    if "taxonomy" in fields:
        column, value = fields["taxonomy"]
        path = []
        for term in _texts(row, column, value):
            if is_guide_term(term):
                row.drop(column, term, GUIDE_TERM)
            else:
                path.append(term)
                row.keep(column)
        row.taxonomy = " > ".join(path) or None
    if "images" in fields:
        _mapped_images(row, *fields["images"], collection)
    extra_fields(row, values, collection, get)
    return row


def _cell_value(values: dict, column: str) -> object:
    return values.get(column)


def read_csv(collection: CollectionConfig) -> Iterator[SourceRow | DroppedRow]:
    """Any CSV export, read through the collection's column mapping, with its joined tables' rows
    (see `joins`); then the joined rows that no object took."""
    joiner = Joiner(collection) if collection.joins else None
    keys = joiner.keys if joiner else ()
    required = tuple(dict.fromkeys([*collection.columns.values(), *collection.fields.values(), *keys]))
    for number, values, problem in csv_rows(collection, required):
        if values is None:
            yield _unreadable(number, problem)
        elif joiner is None:
            yield _mapped_row(number, values, collection, _cell_value)
        else:
            merged, taken = joiner.merge(values)
            row = _mapped_row(number, merged, collection, _cell_value, joiner)
            row.joined.update(taken)
            yield row
    if joiner:
        yield from joiner.leftovers()


def _json_row(
    number: int,
    entry: object,
    problem: Problem | None,
    collection: CollectionConfig,
    get: Callable[[dict, str], object],
    source_file: Path | None = None,
) -> SourceRow:
    if problem is None and not isinstance(entry, dict):
        where = "(file)" if source_file else "(line)"
        problem = Problem(where, "expected a JSON object", f"got {type(entry).__name__}")
    return (
        _mapped_row(number, entry, collection, get, source_file=source_file)
        if isinstance(entry, dict) and not problem
        else _unreadable(number, problem, source_file)
    )


def read_jsonl(collection: CollectionConfig) -> Iterator[SourceRow]:
    """Any JSON-lines export, or a folder or glob of JSON documents (one per file, each its file's
    row 1), read through the collection's column mapping (nested paths allowed)."""
    get = lookup(collection)
    if collection.path.is_file():
        for number, entry, problem in json_lines(collection):
            yield _json_row(number, entry, problem, collection, get)
        return
    for path, entry, problem in json_files(collection):
        yield _json_row(1, entry, problem, collection, get, path)


READERS: dict[str, Callable[[CollectionConfig], Iterator[SourceRow | DroppedRow]]] = {
    "smg": read_smg,
    "nms": read_nms,
    "csv": read_csv,
    "jsonl": read_jsonl,
    "lido": read_lido,
    "iiif": read_iiif,
    "linked_art": read_linked_art,
    "edm": read_edm,
}
