"""The ingest of a study: reject reasons, duplicates, the counts that reconcile, and the CLI's messages."""

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
