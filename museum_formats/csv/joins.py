"""Tables joined to a CSV export's objects, as relational open-data dumps ship them (titles, media, makers).

Each row of a joined table adds its mapped cells to the object of the main table whose `on` cell
holds the same key, in `order_by` order (numbers by value, then text, then empty cells; ties in
file order). The first main row with a key takes that key's rows. A joined row whose key matches
no readable main row, that has no key, or that cannot be read, is dropped with its reason.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

from museum_formats.csv.options import CsvOptions, JoinOptions
from museum_formats.reading import csv_rows
from museum_formats.rows import DroppedRow, normalise

NO_KEY = "no key: its `on` cell is empty"


def source_field(join: JoinOptions, column: str) -> str:
    """How a joined column is named in the counts and the dropped-values table: `file:column`."""
    return f"{join.path.name}:{column}"


def _order(value: str) -> tuple[int, float, str]:
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if math.isfinite(number):
        return 0, number, ""
    return (1, 0.0, text.casefold()) if text else (2, 0.0, "")


class _Table:
    """One joined table, read whole: its rows grouped by key, each group in order."""

    def __init__(self, collection: CsvOptions, join: JoinOptions) -> None:
        self.join = join
        self.groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.unreadable: list[DroppedRow] = []
        order_by = [join.order_by] if join.order_by else []
        required = tuple(dict.fromkeys([join.on, *order_by, *join.columns.values()]))
        for number, values, problem in csv_rows(collection, required, join.path):
            if values is None:
                assert problem is not None, "csv_rows yields a problem wherever it yields no values"
                self.unreadable.append(
                    DroppedRow(str(join.path), number, problem.field, problem.detail, problem.reason)
                )
            elif key := normalise(values[join.on]):
                self.groups.setdefault(key, []).append((number, values))
            else:
                self.unreadable.append(DroppedRow(str(join.path), number, join.on, "", NO_KEY))
        if join.order_by:
            column = join.order_by
            for rows in self.groups.values():
                rows.sort(key=lambda row: _order(row[1][column]))


class Joiner:
    """Adds the joined tables' cells to each main row: `file:column` -> the cells of its rows, in order."""

    def __init__(self, collection: CsvOptions) -> None:
        self.collection = collection
        self.tables = [_Table(collection, join) for join in collection.joins]
        self.columns = dict(collection.columns)
        for join in collection.joins:
            self.columns.update({field: source_field(join, column) for field, column in join.columns.items()})
        self.joined_fields = frozenset(self.columns[f] for join in collection.joins for f in join.columns)

    @property
    def keys(self) -> tuple[str, ...]:
        """The main table's columns that the joins need."""
        return tuple(join.on for join in self.collection.joins)

    def merge(self, values: dict[str, str]) -> tuple[dict[str, object], Counter[str]]:
        """The row's cells and its joined cells, and how many rows of each joined table it took."""
        merged: dict[str, object] = dict(values)
        taken: Counter[str] = Counter()
        for table in self.tables:
            rows = table.groups.pop(normalise(values[table.join.on]), [])
            taken[table.join.path.name] += len(rows)
            for column in table.join.columns.values():
                merged[source_field(table.join, column)] = [cells[column] for _, cells in rows]
        return merged, taken

    def leftovers(self) -> Iterator[DroppedRow]:
        """Every joined row that no main row took, once the main table has been read."""
        for table in self.tables:
            yield from table.unreadable
            reason = f"its {table.join.on} matches no object of {self.collection.path.name}"
            for key, rows in table.groups.items():
                for number, _ in rows:
                    yield DroppedRow(str(table.join.path), number, table.join.on, key, reason)
            table.groups.clear()
