"""Any CSV export (`format = "csv"`), read through the collection's column mapping, with the rows of
the tables joined to its objects (`joins`)."""

from __future__ import annotations

from collections.abc import Iterator

from museum_formats.csv.joins import Joiner
from museum_formats.csv.options import CsvOptions
from museum_formats.mapping import cell_value, mapped_row, unreadable
from museum_formats.reading import csv_rows
from museum_formats.rows import DroppedRow, SourceRow


def read_csv(collection: CsvOptions) -> Iterator[SourceRow | DroppedRow]:
    """Every row of the export, with its joined tables' rows; then the joined rows that no object took."""
    joiner = Joiner(collection) if collection.joins else None
    keys = joiner.keys if joiner else ()
    required = tuple(dict.fromkeys([*collection.columns.values(), *collection.fields.values(), *keys]))
    for number, values, problem in csv_rows(collection, required):
        if values is None:
            yield unreadable(number, problem)
        elif joiner is None:
            yield mapped_row(number, values, collection, cell_value)
        else:
            merged, taken = joiner.merge(values)
            row = mapped_row(number, merged, collection, cell_value, joiner.columns, joiner.joined_fields)
            row.joined.update(taken)
            yield row
    if joiner:
        yield from joiner.leftovers()
