"""HTML markup and entities become plain text at ingest, in every format; the cleaned description splits
into its sentences. How markup becomes plain text: tests/museum_formats/test_formats_markup.py."""

import csv
import json
from pathlib import Path

from heritage_weaver.workspace import Workspace
from ingest import ingest_collections
from museum_formats.markup import plain_text


def _study(folder: Path) -> Workspace:
    (folder / "study.toml").write_text(
        '[study]\nname = "t"\n[models]\nbase = "models/base"\n'
        '[[collections]]\nname = "smg"\nformat = "smg"\npath = "smg.jsonl"\n'
        '[[collections]]\nname = "nms"\nformat = "nms"\npath = "nms.csv"\n'
        '[[collections]]\nname = "web"\nformat = "jsonl"\npath = "web.jsonl"\n'
        '[collections.columns]\nrecord_id = "id"\nname = "title"\ndescription = "body"\ntaxonomy = "terms"\n'
    )
    return Workspace.open(folder)


def test_ingest_cleans_every_adapters_text_and_keeps_guide_terms_out(tmp_path):
    source = {
        "name": [{"value": "telephone &amp; bell set"}],
        "title": [{"value": "<b>Candlestick telephone</b>"}],
        "description": [{"value": "<p>Made by the GPO in 1910</p><p>Used at a &quot;manual&quot; exchange</p>"}],
        "categories": [{"name": "Telecommunications &amp; Radio"}],
        "terms": [
            {
                "hierarchy": [
                    {"sort": 1, "name": [{"value": "&lt;object facet&gt;"}]},
                    {"sort": 2, "name": [{"value": "telephone"}]},
                ]
            }
        ],
    }
    (tmp_path / "smg.jsonl").write_text(json.dumps({"_id": "co1", "_source": source}) + "\n")
    with (tmp_path / "nms.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["object_number", "object_name", "description", "object_category", "administration_name", "media.reference"]
        )
        writer.writerow(
            [
                "T.1",
                "radio<br>receiver",
                "Crystal set.<br><br>Pye &amp; Co.",
                "Communications",
                "Science &amp; Technology",
                "",
            ]
        )
    (tmp_path / "web.jsonl").write_text(
        json.dumps(
            {
                "id": "w1",
                "title": "<i>Loom</i>",
                "body": ["<p>Power loom</p>", "<p>power loom.</p>"],
                "terms": ["textiles", "<machines>"],
            }
        )
        + "\n"
    )
    result = ingest_collections(_study(tmp_path))
    records = {r["record_id"]: r for r in result.records.to_pylist()}
    assert records["co1"]["name"] == "telephone & bell set"
    assert (
        records["co1"]["description"] == 'Candlestick telephone. Made by the GPO in 1910. Used at a "manual" exchange.'
    )
    assert records["co1"]["category"] == "Telecommunications & Radio"
    assert records["co1"]["taxonomy"] == "telephone"
    assert records["T.1"]["name"] == "radio. receiver"
    assert records["T.1"]["description"] == "Crystal set. Pye & Co."
    assert records["T.1"]["taxonomy"] == "Science & Technology"
    assert records["web:w1"]["name"] == "Loom"
    assert records["web:w1"]["description"] == "Power loom."  # the cleaned variants repeat each other
    assert records["web:w1"]["taxonomy"] == "textiles"
    dropped = {(r["record_id"], r["field"], r["value"], r["reason"]) for r in result.dropped.to_pylist()}
    assert (
        "co1",
        "terms",
        "<object facet>",
        "guide term (in angle brackets), not part of the taxonomy path",
    ) in dropped
    assert any(r[0] == "web:w1" and r[1] == "body" and r[2] == "power loom." for r in dropped)


def test_cleaned_description_splits_into_its_sentences():
    from embeddings.units import split_sentences

    description = plain_text("<p>Made by Siemens Brothers</p><p>the case is of bakelite</p>")
    assert split_sentences([description]) == [["Made by Siemens Brothers.", "the case is of bakelite"]]
