"""`hw export-links` meets record ids a hostile catalogue may write, as ingest keeps them: markup,
formulas, Turtle and N-Triples syntax, quotes, a tab and a newline (text, kept in a quoted cell), right-to-left and astral text, a path
and a query. The CSV has no formula cell and no raw control character, the Parquet file keeps every id
exactly, and in the RDF each id is percent-encoded into its URI: no triple is injected.

Record ids are the only catalogue values the tables and the RDF hold (names, descriptions and categories
stay out of them; the IIIF and Linked Art exports carry names as JSON text, test_publishing_glam); ingest
rejects an id with any control character but tab and newline, so no other reaches it.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pandas as pd
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from heritage_weaver.atomic import write_table
from heritage_weaver.spreadsheets import FORMULA_STARTS, neutralise
from publishing.export import export_links
from publishing.uris import FORMAT_TEMPLATES
from sampler.artifacts import BATCH

HOSTILE_IDS = [
    '=HYPERLINK("http://127.0.0.1/","key")',
    "+1+1",
    "@SUM(A1:A9)",
    'x> <http://evil.example/s> <http://evil.example/p> "injected" .\n<http://evil.example/o',
    'x" ; <http://evil.example/p> "y',
    "<script>alert(1)</script>",
    "tab\tand\nnewline",
    "\u05e9\u05dc\u05d5\u05dd \U0001d518\U0001f469\u200d\U0001f52c",
    "../../a/b?c=d&e=f#g",
]


def _hostile(ws) -> dict[str, str]:
    """Every batch's SMG and NMS record ids renamed to hostile ones, the same ids across batches."""
    names: dict[str, str] = {}
    for path in BATCH.instances(ws):
        batch = pd.read_parquet(path)
        for side in ("record_a", "record_b"):
            for record in batch[side]:
                if record not in names:
                    names[record] = f"{HOSTILE_IDS[len(names) % len(HOSTILE_IDS)]} {len(names)}"
            batch[side] = batch[side].map(names)
        write_table(path, batch)
    return names


def test_hostile_record_ids_are_text_in_the_csv_exact_in_parquet_and_encoded_in_the_rdf(labelled_study):
    plain = export_links(labelled_study)
    names = _hostile(labelled_study)
    export = export_links(labelled_study, validate=True)  # conforms to the SHACL shapes
    links = export.table.links
    assert export.triples == plain.triples and len(links) == len(plain.table.links)  # no triple more or less
    assert set(links["record_a"]) | set(links["record_b"]) <= set(names.values())

    parquet = pd.read_parquet(export.paths["parquet"])
    pd.testing.assert_series_equal(parquet["record_a"], links["record_a"])
    text = export.paths["csv"].read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    written = pd.read_csv(io.StringIO(text, newline=""), dtype=str)
    assert written["record_a"].tolist() == [neutralise(r) for r in links["record_a"]]  # tab and newline quoted
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]
    assert any(cell.startswith("'=HYPERLINK(") for row in rows for cell in row)

    graph = Graph().parse(export.paths["turtle"], format="turtle")
    assert len(graph) == plain.triples
    assert len(Graph().parse(export.paths["json-ld"], format="json-ld")) == plain.triples
    nodes = {str(node) for triple in graph for node in triple if isinstance(node, URIRef)}
    assert not [node for node in nodes if node.startswith("http://evil.example") or any(c in node for c in ' "<>\n\t')]
    mappings = {(s, o) for s, p, o in graph if p in (SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch)}
    smg, nms = FORMAT_TEMPLATES["smg"], FORMAT_TEMPLATES["nms"]
    expected = {
        (URIRef(smg.format(source_id=quote(a, safe=""))), URIRef(nms.format(source_id=quote(b, safe=""))))
        for a, b in zip(links["record_a"], links["record_b"])
    }
    assert mappings == expected
