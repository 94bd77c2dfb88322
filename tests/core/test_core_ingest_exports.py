"""Collection exports in a study: ids qualified and unique per collection, extra fields as records
columns, the CLI's messages and tables. How each export is read: tests/museum_formats/."""

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from ingest import ingest_collections
from ingest.artifacts import RECORDS
from museum_formats.reading import ExportError
from museum_formats.rows import normalise

GENERIC = 'columns = { record_id = "id", name = "title", description = "text", images = "image" }\n'


def _study(folder: Path, collections: str) -> Workspace:
    (folder / "study.toml").write_text(f'[study]\nname = "t"\n[models]\nbase = "models/base"\n{collections}')
    return Workspace.open(folder)


def _collection(name: str, fmt: str, path: str, extra: str = "") -> str:
    return f'[[collections]]\nname = "{name}"\nformat = "{fmt}"\npath = "{path}"\n{extra}'


def _dropped(workspace: Workspace) -> list[tuple]:
    rows = pq.read_table(workspace.path("records", "dropped.parquet")).to_pylist()
    return [(r["record_id"], r["field"], r["value"], r["reason"]) for r in rows]


def test_a_csv_in_another_encoding_fails_the_ingest_naming_the_option(tmp_path):
    (tmp_path / "objects.csv").write_bytes("id,title,text,image\r\n1,Métier à tisser,A loom.,\r\n".encode("cp1252"))
    _study(tmp_path, _collection("mill", "csv", "objects.csv", GENERIC))
    result = CliRunner().invoke(app, ["ingest", "--study", str(tmp_path)])
    assert result.exit_code == 1 and 'encoding = "cp1252"' in result.output
    workspace = _study(tmp_path, _collection("mill", "csv", "objects.csv", GENERIC + 'encoding = "cp1252"\n'))
    assert ingest_collections(workspace).records.to_pylist()[0]["name"] == "Métier à tisser"


def test_identity_is_per_collection(tmp_path):
    for name in ("a", "b"):
        (tmp_path / f"{name}.csv").write_text("id,title,text,image\n1,Loom,,\n2,Reed,,\n2,Reed again,,\n")
    (tmp_path / "smg1.jsonl").write_text(
        json.dumps({"_id": "co1", "_source": {"name": [{"value": "telephone"}]}}) + "\n"
    )
    (tmp_path / "smg2.jsonl").write_text(
        json.dumps({"_id": "co1", "_source": {"name": [{"value": "telephone"}]}}) + "\n"
    )
    workspace = _study(
        tmp_path,
        _collection("a", "csv", "a.csv", GENERIC)
        + _collection("b", "csv", "b.csv", GENERIC)
        + _collection("smg1", "smg", "smg1.jsonl")
        + _collection("smg2", "smg", "smg2.jsonl"),
    )
    result = ingest_collections(workspace)
    assert [r["record_id"] for r in result.records.to_pylist()] == ["a:1", "a:2", "b:1", "b:2", "co1", "smg2:co1"]
    assert [(r["collection"], r["reason"]) for r in result.rejects.to_pylist()] == [
        ("a", "duplicate record_id (first kept at a.csv:3)"),
        ("b", "duplicate record_id (first kept at b.csv:3)"),
    ]


def _column(output: str, title: str, index: int) -> str:
    """The text of one column of a rich table in `output`, its wrapped lines joined."""
    lines = output.split(title, 1)[1].splitlines()
    cells = [line.split("│")[index] for line in lines if line.count("│") > index]
    return normalise(" ".join(cells))


def test_ingest_table_shows_whole_reasons_and_reconciles_values(tmp_path):
    rows = ["1,Loom,file:///etc/passwd", "2,Reed,javascript:alert(1)", "3,,", "4,Heddle,https://x.example/4.jpg"]
    (tmp_path / "objects.csv").write_text("id,title,image\n" + "\n".join(rows) + "\n")
    workspace = _study(
        tmp_path,
        _collection("x", "csv", "objects.csv", 'columns = { record_id = "id", name = "title", images = "image" }\n'),
    )
    result = CliRunner().invoke(app, ["ingest", "--study", str(workspace.root)])
    assert result.exit_code == 0, result.output
    reasons = _column(result.output, "Values of accepted rows: x", 4)
    assert "1 × a file: reference, not an http(s) URL or a file" in reasons
    assert "1 × a javascript: reference, not an http(s) URL or a file" in reasons
    assert "1 × empty name and description" in _column(result.output, "Rejected rows", 2)
    assert "6 values read from accepted rows = 4 kept + 2 dropped" in normalise(result.output)
    assert "4 rows = 3 accepted + 1 rejected" in normalise(result.output)


def test_jmespath_errors_name_the_key(tmp_path):
    from heritage_weaver.config import ConfigError, load_config

    (tmp_path / "dump.jsonl").write_text("")
    _study(
        tmp_path,
        _collection("j", "jsonl", "dump.jsonl", 'column_paths = "jmespath"\ncolumns = { record_id = "id[" }\n'),
    )
    with pytest.raises(
        ConfigError, match=r"collections\.0: Value error, columns\.record_id: not a JMESPath expression"
    ):
        load_config(tmp_path / "study.toml")


def test_extra_fields_become_records_columns_with_every_value_counted(tmp_path):
    """A CSV export maps a material column, a JSON-lines export has none: records get a `material`
    column (null for the JSON collection), and kept + dropped values reconcile per field."""
    rows = ["1,Loom,brass,1850", "2,Reed,,", "3,Heddle,<p>wood</p>,1900"]
    (tmp_path / "objects.csv").write_text("id,title,materials,date_made\n" + "\n".join(rows) + "\n")
    entries = [
        {"id": "a", "title": "Shuttle", "materials": ["steel", "oak"], "made": 1890},
        {"id": "b", "title": "Spindle", "materials": [{"not": "text"}]},
    ]
    (tmp_path / "dump.jsonl").write_text("\n".join(json.dumps(e) for e in entries) + "\n")
    workspace = _study(
        tmp_path,
        _collection(
            "c",
            "csv",
            "objects.csv",
            'columns = { record_id = "id", name = "title" }\nfields = { material = "materials", date = "date_made" }\n',
        )
        + _collection("j", "jsonl", "dump.jsonl", 'columns = { record_id = "id", name = "title" }\n')
        + _collection(
            "k",
            "jsonl",
            "dump.jsonl",
            'columns = { record_id = "id", name = "title" }\nfields = { material = "materials", date = "made" }\n',
        ),
    )
    assert workspace.config.extra_fields == ("material", "date")
    result = ingest_collections(workspace)
    records = result.records.to_pylist()
    assert result.records.schema.names[-2:] == ["material", "date"]
    assert [(r["record_id"], r["material"], r["date"]) for r in records] == [
        ("c:1", "brass", "1850"),
        ("c:2", None, None),
        ("c:3", "wood", "1900"),
        ("j:a", None, None),
        ("j:b", None, None),
        ("k:a", "steel", "1890"),
        ("k:b", None, None),
    ]
    counts = {c.collection: c for c in result.counts}
    assert counts["c"].fields["materials"].kept == 2 and counts["c"].fields["date_made"].kept == 2
    assert "materials" not in counts["j"].fields
    material = counts["k"].fields["materials"]
    assert material.kept == 1 and material.dropped == {
        "a further value (a record keeps one per extra field)": 1,
        "not text (a JSON dict)": 1,
    }
    assert ("k:a", "materials", "oak", "a further value (a record keeps one per extra field)") in _dropped(workspace)
    assert counts["k"].values_read == counts["k"].values_kept + counts["k"].values_dropped


def test_extra_fields_keep_the_demo_records_unchanged_and_check_their_names(tmp_path):
    from heritage_weaver.config import ConfigError, load_config

    (tmp_path / "objects.csv").write_text("id,title\n1,Loom\n")
    plain = _study(tmp_path, _collection("c", "csv", "objects.csv", 'columns = { record_id = "id", name = "title" }\n'))
    assert ingest_collections(plain).records.schema.names == list(RECORDS.columns)
    for fields, message in (
        ('{ category = "title" }', r"a record field or records column"),
        ('{ collection = "title" }', r"a record field or records column"),
        ('{ "Material" = "title" }', r"field name\(s\) \['Material'\]"),
    ):
        _study(
            tmp_path, _collection("c", "csv", "objects.csv", f'columns = {{ record_id = "id" }}\nfields = {fields}\n')
        )
        with pytest.raises(ConfigError, match=message):
            load_config(tmp_path / "study.toml")
    _study(
        tmp_path,
        _collection("c", "csv", "objects.csv", 'columns = { record_id = "id" }\nfields = { material = "mat" }\n'),
    )
    with pytest.raises(ExportError, match=r"missing column\(s\) \['mat'\]"):
        ingest_collections(Workspace.open(tmp_path))
    _study(
        tmp_path,
        _collection("c", "csv", "objects.csv", 'columns = { record_id = "id" }\n')
        + '[prediction]\nfields = ["material"]\n',
    )
    with pytest.raises(ConfigError, match=r"prediction.fields: \['material'\] is no record field"):
        load_config(tmp_path / "study.toml")


def test_records_bookkeeping_columns_are_the_declared_ones():
    from museum_formats.options import RECORD_BOOKKEEPING, RECORD_FIELDS

    assert set(RECORDS.columns) == set(RECORD_FIELDS + RECORD_BOOKKEEPING)
