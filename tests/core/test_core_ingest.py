"""Every adapter and every reject reason, with counts that reconcile."""

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from ingest import ingest_collections
from ingest.artifacts import DROPPED
from museum_formats.reading import ExportError


def _smg(record_id, name="Telephone, model 232", description=None, images=(), title=None):
    source = {
        "name": [{"value": name}],
        "categories": [{"name": "Telecommunications"}],
        "terms": [
            {
                "hierarchy": [
                    {"sort": 2, "name": [{"value": "telephones"}]},
                    {"sort": 1, "name": [{"value": "communications"}]},
                ]
            }
        ],
        "multimedia": [{"processed": {"medium": {"location": loc}}} for loc in images],
    }
    if description:
        source["description"] = [{"value": description}]
    if title:
        source["title"] = [{"value": title}]
    entry = {"_source": source}
    if record_id is not None:
        entry["_id"] = record_id
    return json.dumps(entry)


def _study(tmp_path: Path, collections: str) -> Workspace:
    (tmp_path / "study.toml").write_text(f'[study]\nname = "t"\n[models]\nbase = "models/base"\n{collections}')
    return Workspace.open(tmp_path)


@pytest.fixture
def bad_smg(tmp_path):
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.jpg").write_bytes(b"x")
    lines = [
        _smg(
            "co1",
            description="A  telephone.\n Made   in 1925",
            images=["IMG/A.JPG".lower(), "img/none.jpg"],
            title="Model 232",
        ),
        "{not json",
        _smg(None),
        _smg("co1", name="Telephone again"),
        _smg("co3", name="  ", description=" "),
        "",
        _smg("co4", images=["https://example.org/x.jpg"]),
    ]
    data = ("\n".join(lines) + "\n").encode() + b'{"_id": "co5", "_source": {"name": [{"value": "caf\xe9"}]}}\n'
    (tmp_path / "smg.jsonl").write_bytes(data)
    return tmp_path


def test_smg_adapter_rejects_and_reconciles(bad_smg):
    workspace = _study(bad_smg, '[[collections]]\nname = "smg"\nformat = "smg"\npath = "smg.jsonl"\n')
    result = ingest_collections(workspace)
    counts = result.counts[0]
    assert (counts.rows, counts.accepted, counts.rejected) == (7, 2, 5)
    assert counts.accepted + counts.rejected == counts.rows
    records = result.records.to_pylist()
    first = records[0]
    assert first["record_id"] == "co1" and first["name"] == "Telephone, model 232"
    assert first["description"] == "Model 232. A telephone. Made in 1925."
    assert first["images"] == [str((bad_smg / "img" / "a.jpg").resolve())]
    assert first["category"] == "Telecommunications"
    assert first["taxonomy"] == "communications > telephones"
    assert (first["source_file"], first["source_position"]) == (str(bad_smg / "smg.jsonl"), 1)
    assert records[1]["images"] == ["https://example.org/x.jpg"]
    rejects = {(r["source_position"], r["field"], r["action"]): r["reason"] for r in result.rejects.to_pylist()}
    assert rejects[(2, "(line)", "record rejected")].startswith("malformed JSON (")
    assert rejects[(3, "record_id", "record rejected")] == "missing record_id"
    assert rejects[(4, "record_id", "record rejected")] == "duplicate record_id (first kept at smg.jsonl:1)"
    assert rejects[(5, "name", "record rejected")] == "empty name and description"
    assert rejects[(8, "(line)", "record rejected")].startswith(
        "bytes that are not valid utf-8 (byte 50; set `encoding` for collection 'smg'"
    )
    assert pq.read_table(workspace.path("records", "rejects.parquet")).num_rows == 5
    dropped = DROPPED.read_table(workspace).to_pylist()
    assert [(d["record_id"], d["field"], d["value"], d["reason"]) for d in dropped] == [
        ("co1", "multimedia", "img/none.jpg", "neither a URL nor an existing file")
    ]
    assert counts.reasons == {
        "malformed JSON": 1,
        "missing record_id": 1,
        "duplicate record_id": 1,
        "empty name and description": 1,
        "bytes that are not valid utf-8": 1,
    }
    # co1: name, title, description, 2 terms, category and 1 image kept, 1 image dropped; co4 the same but
    # without title and description
    assert (counts.values_read, counts.values_kept, counts.values_dropped) == (13, 12, 1)


def test_nms_adapter(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "PF1.jpg").write_bytes(b"x")
    (tmp_path / "nms.csv").write_bytes(
        b"object_number,object_name,description,object_category,administration_name,media.reference\n"
        b'T.1,telephone,"Black   bakelite\ntelephone.",Communications,Science and Technology,images/PF1.jpg|DOC1|images/MP9.jpg\n'
        b"T.2,radio,,Communications,Science and Technology,\n"
        b"T.3,lamp,ok,Energy,S,,extra\n"
        b"T.4,caf\xc3\xa9,,Energy,S,\n"
        b",loom,,Textiles,S,\n"
    )
    workspace = _study(tmp_path, '[[collections]]\nname = "nms"\nformat = "nms"\npath = "nms.csv"\n')
    result = ingest_collections(workspace)
    records = result.records.to_pylist()
    assert [r["record_id"] for r in records] == ["T.1", "T.2", "T.4"]
    assert records[2]["name"] == "café"
    assert records[0]["description"] == "Black bakelite telephone."
    assert records[0]["images"] == [str((tmp_path / "images" / "PF1.jpg").resolve())]
    assert (records[0]["category"], records[0]["taxonomy"]) == ("Communications", "Science and Technology")
    reasons = {(r["source_position"], r["field"]): r["reason"] for r in result.rejects.to_pylist()}
    assert reasons == {
        (4, "(row)"): "cells beyond the header (1 unknown cell(s))",
        (6, "record_id"): "missing record_id",
    }
    dropped = [(d["source_position"], d["value"], d["reason"]) for d in result.dropped.to_pylist()]
    assert dropped == [
        (2, "DOC1", "not an image (NMS image references start with PF or MP)"),
        (2, "images/MP9.jpg", "neither a URL nor an existing file"),
    ]
    assert result.counts[0].rows == result.counts[0].accepted + result.counts[0].rejected == 5


def test_nms_image_base_url(tmp_path):
    (tmp_path / "nms.csv").write_text("object_number,object_name,description,media.reference\nT.1,lamp,,PF001|XX2\n")
    workspace = _study(
        tmp_path,
        '[[collections]]\nname = "nms"\nformat = "nms"\npath = "nms.csv"\n'
        'image_base_url = "https://nms.example/img?value="\n',
    )
    assert ingest_collections(workspace).records.to_pylist()[0]["images"] == ["https://nms.example/img?value=PF001"]


def test_generic_csv_and_jsonl_with_mapping(tmp_path):
    (tmp_path / "a.csv").write_text(
        "id,title,text,pics,kind\nA1,Loom,A loom.,https://x/1.jpg;https://x/2.jpg,textiles\n"
    )
    (tmp_path / "b.jsonl").write_text(json.dumps({"ref": "B1", "label": "Bobbin", "pics": ["https://x/3.jpg"]}) + "\n")
    workspace = _study(
        tmp_path,
        """
[[collections]]
name = "a"
format = "csv"
path = "a.csv"
image_separator = ";"
columns = { record_id = "id", name = "title", description = "text", images = "pics", category = "kind" }
[[collections]]
name = "b"
format = "jsonl"
path = "b.jsonl"
columns = { record_id = "ref", name = "label", images = "pics" }
""",
    )
    records = ingest_collections(workspace).records.to_pylist()
    assert records[0] | {"source_file": None} == {
        "record_id": "a:A1",
        "collection": "a",
        "name": "Loom",
        "description": "A loom.",
        "images": ["https://x/1.jpg", "https://x/2.jpg"],
        "category": "textiles",
        "taxonomy": None,
        "source_file": None,
        "source_position": 2,
        "source_id": "A1",
    }
    assert (records[1]["record_id"], records[1]["collection"], records[1]["images"]) == (
        "b:B1",
        "b",
        ["https://x/3.jpg"],
    )


def test_mapped_column_missing_from_header_is_a_clear_error(tmp_path):
    (tmp_path / "a.csv").write_text("id,title\nA1,Loom\n")
    workspace = _study(
        tmp_path,
        '[[collections]]\nname = "a"\nformat = "csv"\npath = "a.csv"\ncolumns = { record_id = "id", name = "label" }\n',
    )
    with pytest.raises(ExportError, match=r"a\.csv: missing column\(s\) \['label'\]"):
        ingest_collections(workspace)
    result = CliRunner().invoke(app, ["ingest", "--study", str(tmp_path)])
    assert result.exit_code == 1
    assert "missing column(s) ['label']" in result.output


def test_cli_prints_reconciled_counts(ingested_study):
    result = CliRunner().invoke(app, ["ingest", "--study", str(ingested_study.root)])
    assert result.exit_code == 0, result.output
    assert "160 rows = 160 accepted + 0 rejected" in result.output.replace("\n", " ")
