"""`hw ingest`'s tables: rows per collection, values per source field, reasons in full."""

from __future__ import annotations

from rich.table import Table

from heritage_weaver.ingest.run import CollectionCounts


def _reasons(counts: dict[str, int]) -> str:
    return "\n".join(f"{n} × {reason}" for reason, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def ingest_tables(counts: list[CollectionCounts]) -> list[Table]:
    """Rows (accepted + rejected), values (kept + dropped) per field, joined tables' rows (merged + of
    rejected rows + dropped), and every reason whole, wrapped."""
    rows = Table("collection", "rows", "accepted", "rejected", "values", "kept", "dropped", "images", title="Ingest")
    for c in counts:
        rows.add_row(
            c.collection,
            str(c.rows),
            str(c.accepted),
            str(c.rejected),
            str(c.values_read),
            str(c.values_kept),
            str(c.values_dropped),
            str(c.images),
        )
    tables = [rows]
    if any(c.reasons for c in counts):
        rejects = Table("collection", "rows rejected, by reason", title="Rejected rows")
        for c in counts:
            if c.reasons:
                rejects.add_row(c.collection, _reasons(c.reasons))
        tables.append(rejects)
    if any(c.fields for c in counts):
        values = Table(
            "collection", "source field", "read", "kept", "dropped, by reason", title="Values of accepted rows"
        )
        for c in counts:
            for name, f in sorted(c.fields.items()):
                values.add_row(c.collection, name, str(f.read), str(f.kept), _reasons(f.dropped) or "–")
        tables.append(values)
    if any(c.tables for c in counts):
        joined = Table(
            "collection",
            "joined table",
            "rows",
            "merged",
            "of rejected rows",
            "dropped, by reason",
            title="Joined rows",
        )
        for c in counts:
            for name, t in c.tables.items():
                joined.add_row(
                    c.collection, name, str(t.rows), str(t.merged), str(t.rejected), _reasons(t.dropped) or "–"
                )
        tables.append(joined)
    return tables
