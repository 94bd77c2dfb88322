"""Records read through a collection's column mapping (`columns`, `fields`): the generic csv and jsonl
formats, and the extra fields of the NMS export, whose record fields are fixed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from museum_formats.markup import plain_text
from museum_formats.media import add_images
from museum_formats.options import CollectionOptions
from museum_formats.rows import FURTHER_CATEGORY, FURTHER_VALUE, Problem, SourceRow, normalise
from museum_formats.text import (
    distinct_variants,
    join_sentences,
    not_text,
    without_guide_terms,
)

FURTHER_NAME = "a further name (a record keeps its first joined row's)"

Lookup = Callable[[dict, str], object]
"""How an entry's value is found by the column or path a collection maps."""


def cell_value(values: dict, column: str) -> object:
    """A table row's cell by its column (None where the row has no such column)."""
    return values.get(column)


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


def extra_fields(row: SourceRow, values: dict, collection: CollectionOptions, get: Lookup) -> None:
    """The collection's extra fields (`fields`): the first text value of each, further ones dropped."""
    for name, column in collection.fields.items():
        texts = _texts(row, column, get(values, column))
        if texts:
            row.extra[name] = texts[0]
            row.keep(column)
        for further in texts[1:]:
            row.drop(column, further, FURTHER_VALUE)


def _mapped_images(row: SourceRow, source_field: str, value: object, collection: CollectionOptions) -> None:
    if isinstance(value, str):
        value = value.split(collection.image_separator)
    refs = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            refs.extend([item.strip()] if item.strip() else [])
        elif item is not None:
            row.drop(source_field, item, not_text(item))
    add_images(row, refs, collection, source_field)


def unreadable(number: int, problem: Problem | None, source_file: Path | None = None) -> SourceRow:
    """The row of a line or row that could not be read; the reader always names the problem."""
    assert problem is not None, "a reader yields a problem wherever it yields no values"
    return SourceRow(number, source_file=source_file, problems=[problem])


def mapped_row(
    number: int,
    values: dict,
    collection: CollectionOptions,
    get: Lookup,
    columns: dict[str, str] | None = None,
    joined_fields: frozenset[str] = frozenset(),
    source_file: Path | None = None,
) -> SourceRow:
    """The record of one entry, read through `columns` (default: the collection's). Where joined tables
    add to the entry, their cells are among the `values`, and `joined_fields` names the columns
    they fill; `source_file` where the entry is one of a folder's or glob's files."""
    columns = columns or collection.columns
    row = SourceRow(number, source_file=source_file)
    raw_id = get(values, columns["record_id"])
    if raw_id is not None and (isinstance(raw_id, bool) or not isinstance(raw_id, (str, int))):
        row.problems.append(Problem("record_id", "record id is not text", not_text(raw_id)))
    else:
        row.record_id = normalise(raw_id) or None
    fields = {field: (column, get(values, column)) for field, column in columns.items() if field != "record_id"}
    if "name" in fields and fields["name"][0] in joined_fields:
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
        row.taxonomy = " > ".join(without_guide_terms(row, column, _texts(row, column, value))) or None
    if "images" in fields:
        _mapped_images(row, *fields["images"], collection)
    extra_fields(row, values, collection, get)
    return row
