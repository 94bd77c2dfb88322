"""Open-data dumps: relational CSV exports joined on an object id, and folders of one JSON document per object.

The fixtures (tests/core/fixtures/) are written for the project in the shapes museums publish:
`npg/` as a Smithsonian NPG-style export (byte-order marks, CRLF line endings, literal NULL
cells, a quoted cell with a line break, titles with DisplayOrder, several web images per object,
rows whose object is missing), `cp1252/` as a Windows export (cp1252, semicolons), `tate/` as a
Tate-style folder of JSON documents with a broken file.
"""

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heritage_weaver.config import ConfigError, load_config
from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from ingest import ingest_collections
from museum_formats.csv.joins import NO_KEY
from museum_formats.mapping import FURTHER_NAME
from museum_formats.reading import ExportError

FIXTURES = Path(__file__).parent / "fixtures"

NPG = """
[[collections]]
name = "npg"
format = "csv"
path = "npg/NPGObjects.csv"
columns = { record_id = "ObjectID", description = "Medium", category = "Classification" }

[[collections.joins]]
path = "npg/NPGObjTitles.csv"
on = "ObjectID"
order_by = "DisplayOrder"
columns = { name = "Title" }

[[collections.joins]]
path = "npg/NPGWebImageURLs.csv"
on = "ObjectID"
columns = { images = "Web Image Address" }
"""

CP1252 = """
[[collections]]
name = "saddlery"
format = "csv"
path = "cp1252/objects.csv"
encoding = "cp1252"
delimiter = ";"
columns = { record_id = "ObjectID", name = "Title", description = "Description" }

[[collections.joins]]
path = "cp1252/media.csv"
on = "ObjectID"
order_by = "Sequence"
columns = { images = "Image" }
"""

TATE = """
[[collections]]
name = "tate"
format = "jsonl"
path = "{path}"
columns = {{ record_id = "acno", name = "title", description = "medium", images = "thumbnailUrl", category = "classification" }}
fields = {{ maker = "contributors[0].fc" }}
"""


def _study(tmp_path: Path, collections: str) -> Workspace:
    for folder in ("npg", "cp1252", "tate"):
        shutil.copytree(FIXTURES / folder, tmp_path / folder)
    (tmp_path / "study.toml").write_text(f'[study]\nname = "t"\n[models]\nbase = "models/base"\n{collections}')
    return Workspace.open(tmp_path)


def _data_rows(path: Path, encoding: str = "utf-8-sig", delimiter: str = ",") -> int:
    """The data rows of a CSV file as Python's csv module counts them, independently of the ingest."""
    with path.open(encoding=encoding, newline="") as handle:
        return sum(1 for _ in csv.reader(handle, delimiter=delimiter)) - 1


def _dropped(result) -> list[tuple]:
    return [
        (Path(d["source_file"]).name, d["source_position"], d["record_id"], d["field"], d["value"], d["reason"])
        for d in result.dropped.to_pylist()
    ]


def test_npg_tables_join_on_the_object_id(tmp_path):
    result = ingest_collections(_study(tmp_path, NPG))
    records = {r["record_id"]: r for r in result.records.to_pylist()}
    assert {k: (r["name"], r["description"], r["images"], r["category"]) for k, r in records.items()} == {
        # The titles in DisplayOrder: 1 before 2, and 2 before 10 (numbers, not text); the first is the name.
        "npg:101": (
            "Elias Whitcombe, ship's surgeon",
            "Oil on canvas.",
            ["https://images.example.org/npg/101_a.jpg", "https://images.example.org/npg/101_b.jpg"],
            "Painting",
        ),
        # The quoted Medium holds a CRLF line break; text is whitespace-collapsed (and ends a sentence).
        "npg:102": (
            "Self-portrait with camera",
            "Albumen silver print mounted on card.",
            ["https://images.example.org/npg/102.jpg"],
            "Photograph",
        ),
        # NULL cells are empty: no description, no category; the title's NULL DisplayOrder sorts last.
        "npg:103": ("Théa Lindqvist", "", [], None),
    }
    assert records["npg:103"]["source_position"] == 4  # row 3 spans two lines; rows count as a spreadsheet's
    rejects = [(r["source_position"], r["record_id"], r["reason"]) for r in result.rejects.to_pylist()]
    assert rejects == [(5, "104", "empty name and description"), (6, None, "missing record_id")]
    orphan = "its ObjectID matches no object of NPGObjects.csv"
    assert _dropped(result) == [
        ("NPGObjects.csv", 2, "npg:101", "NPGObjTitles.csv:Title", "Portrait of a ship's surgeon", FURTHER_NAME),
        ("NPGObjects.csv", 3, "npg:102", "NPGObjTitles.csv:Title", "Mary Ann Fenwick", FURTHER_NAME),
        ("NPGObjTitles.csv", 8, None, "ObjectID", "999", orphan),
        ("NPGWebImageURLs.csv", 8, None, "ObjectID", "", NO_KEY),
        ("NPGWebImageURLs.csv", 7, None, "ObjectID", "998", orphan),
    ]


def test_npg_rows_and_values_reconcile(tmp_path):
    result = ingest_collections(_study(tmp_path, NPG))
    counts = result.counts[0]
    assert (counts.rows, counts.accepted, counts.rejected) == (_data_rows(tmp_path / "npg/NPGObjects.csv"), 3, 2)
    tables = {name: (t.rows, t.merged, t.rejected, t.dropped) for name, t in counts.tables.items()}
    assert tables == {
        # 101 takes two titles, 102 three (one NULL), 103 one; the title of object 999 is dropped.
        "NPGObjTitles.csv": (7, 6, 0, {"its ObjectID matches no object of NPGObjects.csv": 1}),
        # 101 takes three rows (one NULL), 102 one; 104's row goes with its rejected record.
        "NPGWebImageURLs.csv": (7, 4, 1, {"its ObjectID matches no object of NPGObjects.csv": 1, NO_KEY: 1}),
    }
    for name, (rows, *_) in tables.items():
        assert rows == _data_rows(tmp_path / "npg" / name)
    fields = {name: (f.read, f.kept, f.dropped) for name, f in counts.fields.items()}
    assert fields == {
        "Medium": (2, 2, {}),
        "Classification": (2, 2, {}),
        "NPGObjTitles.csv:Title": (5, 3, {FURTHER_NAME: 2}),
        "NPGWebImageURLs.csv:Web Image Address": (3, 3, {}),
    }
    assert (counts.values_read, counts.values_kept, counts.values_dropped) == (12, 10, 2)
    assert counts.images == 3


def test_null_values_can_be_changed(tmp_path):
    result = ingest_collections(_study(tmp_path, NPG.replace('format = "csv"', 'format = "csv"\nnull_values = []')))
    records = {r["record_id"]: r for r in result.records.to_pylist()}
    assert (records["npg:103"]["description"], records["npg:103"]["category"]) == ("NULL.", "NULL")
    # "NULL" is now an object id, and a title: 102's third title is one more further name.
    assert "npg:NULL" in records and records["npg:102"]["name"] == "Self-portrait with camera"
    assert result.counts[0].fields["NPGObjTitles.csv:Title"].dropped == {FURTHER_NAME: 3}


def test_cp1252_semicolon_tables_join_with_the_collections_options(tmp_path):
    result = ingest_collections(_study(tmp_path, CP1252))
    records = {r["record_id"]: r for r in result.records.to_pylist()}
    assert {k: (r["name"], r["description"], r["images"]) for k, r in records.items()} == {
        "saddlery:A-1": ("Café chair – bentwood", "Curator’s note: steam-bent beech, 1920s.", []),
        "saddlery:A-2": (
            "Saddle",
            'a vaquero’s "silla".',
            ["https://media.example.org/a-2-front.jpg", "https://media.example.org/a-2-side.jpg"],
        ),
    }
    # Row 3 of media.csv holds a quoted line break; the orphan after it is row 4.
    assert _dropped(result) == [
        ("media.csv", 4, None, "ObjectID", "A-9", "its ObjectID matches no object of objects.csv")
    ]
    table = result.counts[0].tables["media.csv"]
    assert (table.rows, table.merged) == (_data_rows(tmp_path / "cp1252/media.csv", "cp1252", ";"), 2)


def test_a_joined_table_in_another_encoding_is_named_with_its_line(tmp_path):
    workspace = _study(tmp_path, NPG.replace("npg/NPGWebImageURLs.csv", "cp1252/media.csv"))
    with pytest.raises(ExportError, match=r"media\.csv: line 4: byte 0x96 is not valid utf-8; set `encoding`"):
        ingest_collections(workspace)


def test_a_joined_table_without_a_mapped_column_is_named(tmp_path):
    workspace = _study(tmp_path, NPG.replace('order_by = "DisplayOrder"', 'order_by = "Rank"'))
    with pytest.raises(ExportError, match=r"NPGObjTitles\.csv: missing column\(s\) \['Rank'\]"):
        ingest_collections(workspace)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('columns = { name = "Title" }', 'columns = { name = "Title", record_id = "ObjectID" }'), "unknown record"),
        (('columns = { name = "Title" }', 'columns = { description = "Title" }'), "description is mapped more than"),
        (("npg/NPGObjTitles.csv", "npg/missing.csv"), r"collections\.0\.joins\.0\.path: file not found"),
        (
            ('format = "csv"', 'format = "jsonl"'),
            r'collections\.0\.joins: not an option of format "jsonl"; it applies to format = "csv" only',
        ),
    ],
)
def test_join_config_errors_name_the_key(tmp_path, change, message):
    _study(tmp_path, NPG.replace(*change, 1))
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "study.toml")


def test_cli_shows_joined_rows(tmp_path):
    _study(tmp_path, NPG)
    result = CliRunner().invoke(app, ["ingest", "-s", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Joined rows" in result.output
    assert "14 joined rows = 10 merged + 1 of rejected rows + 3 dropped" in result.output


def test_a_folder_of_json_documents(tmp_path):
    result = ingest_collections(_study(tmp_path, TATE.format(path="tate/artworks")))
    records = {r["record_id"]: r for r in result.records.to_pylist()}
    assert {k: (r["name"], r["description"], r["images"], r["category"], r["maker"]) for k, r in records.items()} == {
        "tate:A00001": (
            "Harbour at Dusk, with Fishing Boats",
            "Watercolour and graphite on paper.",
            ["https://media.example.org/tate/A00001_8.jpg"],
            "on paper, unique",
            "Ellen Marsh",
        ),
        "tate:A00002": ("Study of Two Hands", "", [], "on paper, unique", "Ellen Marsh"),
    }
    assert {(Path(r["source_file"]).name, r["source_position"]) for r in records.values()} == {
        ("a00001.json", 1),
        ("a00002.json", 1),
    }
    rejects = [
        (Path(r["source_file"]).relative_to(tmp_path).as_posix(), r["source_position"], r["field"], r["reason"])
        for r in result.rejects.to_pylist()
    ]
    assert rejects == [
        (
            "tate/artworks/a/001/a00105.json",
            1,
            "(file)",
            "malformed JSON (Expecting ',' delimiter at line 5, column 3)",
        ),
        ("tate/artworks/b/b00003.json", 1, "(file)", "expected a JSON object (got list)"),
    ]
    counts = result.counts[0]
    assert (counts.rows, counts.accepted, counts.rejected) == (len(list((tmp_path / "tate").rglob("*.json"))), 2, 2)
    assert (counts.values_read, counts.values_kept, counts.values_dropped) == (8, 8, 0)


def test_a_glob_of_json_documents(tmp_path):
    result = ingest_collections(_study(tmp_path, TATE.format(path="tate/artworks/a/**/*.json")))
    counts = result.counts[0]
    assert (counts.rows, counts.accepted, counts.rejected) == (3, 2, 1)


def test_a_folder_without_json_documents_is_a_config_error(tmp_path):
    _study(tmp_path, TATE.format(path="npg"))
    with pytest.raises(ConfigError, match=r"collections\.0\.path: no file, and no \.json file in or matching"):
        load_config(tmp_path / "study.toml")


def test_joined_descriptions_categories_and_terms_follow_the_order(tmp_path):
    (tmp_path / "objects.csv").write_text("id,title\nT1,Telephone\n")
    (tmp_path / "notes.csv").write_text(
        "id,seq,note,type,term\n"
        "T1,2,Made in 1950,Telephones,handset\n"
        "T1,1,Black bakelite,Communications,telephone\n"
        "T1,3,Made in 1950.,NULL,<object facet>\n"
    )
    collection = """
[[collections]]
name = "lib"
format = "csv"
path = "objects.csv"
columns = { record_id = "id", name = "title" }

[[collections.joins]]
path = "notes.csv"
on = "id"
order_by = "seq"
columns = { description = "note", category = "type", taxonomy = "term" }
"""
    (tmp_path / "study.toml").write_text(f'[study]\nname = "t"\n[models]\nbase = "models/base"\n{collection}')
    result = ingest_collections(Workspace.open(tmp_path))
    record = result.records.to_pylist()[0]
    assert (record["description"], record["category"], record["taxonomy"]) == (
        "Black bakelite. Made in 1950.",
        "Communications",
        "telephone > handset",
    )
    assert sorted(d[3:] for d in _dropped(result)) == [
        ("notes.csv:note", "Made in 1950.", "repeats an earlier value"),
        ("notes.csv:term", "<object facet>", "guide term (in angle brackets), not part of the taxonomy path"),
        ("notes.csv:type", "Telephones", "a further category (a record keeps one)"),
    ]
    counts = result.counts[0]
    assert (counts.values_read, counts.values_kept, counts.values_dropped) == (9, 6, 3)


@pytest.mark.parametrize("path", ["docs", "docs/*.json"])
def test_images_of_json_documents_resolve_against_their_folder(tmp_path, path):
    (tmp_path / "docs" / "img").mkdir(parents=True)
    (tmp_path / "docs" / "img" / "a.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "docs" / "a.json").write_text('{"id": "1", "title": "Jug", "images": ["img/a.jpg", "img/b.jpg"]}')
    collection = f'[[collections]]\nname = "d"\nformat = "jsonl"\npath = "{path}"\n'
    collection += 'columns = { record_id = "id", name = "title", images = "images" }\n'
    (tmp_path / "study.toml").write_text(f'[study]\nname = "t"\n[models]\nbase = "models/base"\n{collection}')
    result = ingest_collections(Workspace.open(tmp_path))
    assert result.records.to_pylist()[0]["images"] == [str((tmp_path / "docs" / "img" / "a.jpg").resolve())]
    assert [d[4:] for d in _dropped(result)] == [("img/b.jpg", "neither a URL nor an existing file")]


def test_json_document_images_are_looked_for_beside_the_file_then_in_the_folder_and_hidden_files_are_left_out(
    tmp_path,
):
    (tmp_path / "docs" / "a" / "img").mkdir(parents=True)
    (tmp_path / "docs" / "img").mkdir()
    (tmp_path / "docs" / "a" / "img" / "x.jpg").write_bytes(b"\xff\xd8")  # beside a/a.json
    (tmp_path / "docs" / "img" / "x.jpg").write_bytes(b"\xff\xd8")  # in the folder, second
    (tmp_path / "docs" / "img" / "y.jpg").write_bytes(b"\xff\xd8")  # only in the folder
    (tmp_path / "docs" / "a" / "a.json").write_text('{"id": "1", "title": "Jug", "images": ["img/x.jpg", "img/y.jpg"]}')
    (tmp_path / "docs" / "a" / "B.JSON").write_text('{"id": "2", "title": "Bowl"}')
    (tmp_path / "docs" / "a" / "._a.json").write_bytes(b"\x00\x05\x16\x07")  # a macOS resource fork
    collection = '[[collections]]\nname = "d"\nformat = "jsonl"\npath = "docs"\n'
    collection += 'columns = { record_id = "id", name = "title", images = "images" }\n'
    (tmp_path / "study.toml").write_text(f'[study]\nname = "t"\n[models]\nbase = "models/base"\n{collection}')
    result = ingest_collections(Workspace.open(tmp_path))
    records = {r["record_id"]: r for r in result.records.to_pylist()}
    assert records["d:1"]["images"] == [
        str((tmp_path / "docs" / "a" / "img" / "x.jpg").resolve()),
        str((tmp_path / "docs" / "img" / "y.jpg").resolve()),
    ]
    assert records["d:2"]["source_file"] == str(tmp_path / "docs" / "a" / "B.JSON")
    assert (result.counts[0].rows, result.rejects.num_rows, result.dropped.num_rows) == (2, 0, 0)
