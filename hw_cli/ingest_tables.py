"""`hw ingest`'s tables: rows and values per collection, rejected rows by reason, values per source field.

They stay readable at 80 columns: figures and names never wrap, only reasons do (between words),
the counts have one column per collection, and each collection's source fields have a table of
their own, so long collection and field names do not crowd out the reasons.
"""

from __future__ import annotations

from rich.table import Table

from hw_cli.console import key_column, number_column, text_column
from ingest.run import CollectionCounts

MEASURES = (
    ("rows", "rows"),
    ("accepted", "accepted"),
    ("rejected", "rejected"),
    ("values read", "values_read"),
    ("values kept", "values_kept"),
    ("values dropped", "values_dropped"),
    ("values changed", "values_changed"),
    ("images", "images"),
)


def _reasons(counts: dict[str, int]) -> str:
    return "\n".join(f"{n:,} × {reason}" for reason, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def ingest_tables(counts: list[CollectionCounts]) -> list[Table]:
    """Rows (accepted + rejected) and values (kept + dropped) per collection, joined tables' rows (merged
    + of rejected rows + dropped), then every reason whole."""
    rows = Table(title="Ingest")
    key_column(rows, "")
    for c in counts:
        number_column(rows, c.collection)
    for label, name in MEASURES:
        rows.add_row(label, *(f"{getattr(c, name):,}" for c in counts))
    tables = [rows]
    if any(c.reasons for c in counts):
        rejects = Table(title="Rejected rows")
        key_column(rejects, "collection")
        text_column(rejects, "rows rejected, by reason")
        for c in counts:
            if c.reasons:
                rejects.add_row(c.collection, _reasons(c.reasons))
        tables.append(rejects)
    for c in counts:
        if c.fields:
            values = Table(title=f"Values of accepted rows: {c.collection}")
            key_column(values, "source field")
            number_column(values, "read")
            number_column(values, "kept")
            text_column(values, "dropped, by reason")
            for name, f in sorted(c.fields.items()):
                values.add_row(name, f"{f.read:,}", f"{f.kept:,}", _reasons(f.dropped) or "–")
            tables.append(values)
    if any(c.changed for c in counts):
        changed = Table(title="Values kept changed (control characters, invalid code points, over-long text)")
        key_column(changed, "collection")
        key_column(changed, "field")
        text_column(changed, "values changed, by reason")
        for c in counts:
            for name, reasons in sorted(c.changed.items()):
                changed.add_row(c.collection, name, _reasons(reasons))
        tables.append(changed)
    for c in counts:
        if c.tables:
            joined = Table(title=f"Joined rows: {c.collection}")
            key_column(joined, "joined table")
            for header in ("rows", "merged", "of rejected rows"):
                number_column(joined, header)
            text_column(joined, "dropped, by reason")
            for name, t in c.tables.items():
                joined.add_row(name, f"{t.rows:,}", f"{t.merged:,}", f"{t.rejected:,}", _reasons(t.dropped) or "–")
            tables.append(joined)
    return tables
