"""Open-data dumps: relational CSV exports joined on an object id, and folders of one JSON document per object.

The fixtures (tests/core/fixtures/) are written for the project in the shapes museums publish:
`npg/` as a Smithsonian NPG-style export (byte-order marks, CRLF line endings, literal NULL
cells, a quoted cell with a line break, titles with DisplayOrder, several web images per object,
rows whose object is missing), `cp1252/` as a Windows export (cp1252, semicolons), `tate/` as a
Tate-style folder of JSON documents with a broken file.
"""

import csv
from pathlib import Path

import pytest
from formats_helpers import FIXTURES, Read, read

from museum_formats.csv.joins import NO_KEY
from museum_formats.mapping import FURTHER_NAME
from museum_formats.reading import ExportError

NPG = FIXTURES / "npg"
NPG_COLUMNS = {"record_id": "ObjectID", "description": "Medium", "category": "Classification"}
NPG_JOINS = [
    {"path": "NPGObjTitles.csv", "on": "ObjectID", "order_by": "DisplayOrder", "columns": {"name": "Title"}},
    {"path": "NPGWebImageURLs.csv", "on": "ObjectID", "columns": {"images": "Web Image Address"}},
]
TATE_COLUMNS = {
    "record_id": "acno",
    "name": "title",
    "description": "medium",
    "images": "thumbnailUrl",
    "category": "classification",
}
TATE_FIELDS = {"maker": "contributors[0].fc"}


def _npg(**options) -> Read:
    return read("csv", NPG / "NPGObjects.csv", columns=NPG_COLUMNS, joins=NPG_JOINS, **options)


def _tate(path: Path) -> Read:
    return read("jsonl", path, columns=TATE_COLUMNS, fields=TATE_FIELDS)


def _data_rows(path: Path, encoding: str = "utf-8-sig", delimiter: str = ",") -> int:
    """The data rows of a CSV file as Python's csv module counts them, independently of the reader."""
    with path.open(encoding=encoding, newline="") as handle:
        return sum(1 for _ in csv.reader(handle, delimiter=delimiter)) - 1


def _left_over(result: Read) -> list[tuple]:
    """(file, row, field, value, reason) of every joined row that added to no object."""
    return [(Path(d.table).name, d.position, d.field, d.value, d.reason) for d in result.left_over]


def test_npg_tables_join_on_the_object_id():
    result = _npg()
    records = result.records()
    assert {k: (r["name"], r["description"], r["images"], r["category"]) for k, r in records.items()} == {
        # The titles in DisplayOrder: 1 before 2, and 2 before 10 (numbers, not text); the first is the name.
        "101": (
            "Elias Whitcombe, ship's surgeon",
            "Oil on canvas.",
            ["https://images.example.org/npg/101_a.jpg", "https://images.example.org/npg/101_b.jpg"],
            "Painting",
        ),
        # The quoted Medium holds a CRLF line break; text is whitespace-collapsed (and ends a sentence).
        "102": (
            "Self-portrait with camera",
            "Albumen silver print mounted on card.",
            ["https://images.example.org/npg/102.jpg"],
            "Photograph",
        ),
        # NULL cells are empty: no description, no category; the title's NULL DisplayOrder sorts last.
        "103": ("Théa Lindqvist", "", [], None),
    }
    assert records["103"]["source_position"] == 4  # row 3 spans two lines; rows count as a spreadsheet's
    rejects = [(r["source_position"], r["record_id"], r["reason"]) for r in result.rejects()]
    assert rejects == [(5, "104", "empty name and description"), (6, None, "missing record_id")]
    assert result.dropped() == [
        ("101", "NPGObjTitles.csv:Title", "Portrait of a ship's surgeon", FURTHER_NAME),
        ("102", "NPGObjTitles.csv:Title", "Mary Ann Fenwick", FURTHER_NAME),
    ]
    orphan = "its ObjectID matches no object of NPGObjects.csv"
    assert _left_over(result) == [
        ("NPGObjTitles.csv", 8, "ObjectID", "999", orphan),
        ("NPGWebImageURLs.csv", 8, "ObjectID", "", NO_KEY),
        ("NPGWebImageURLs.csv", 7, "ObjectID", "998", orphan),
    ]
    # Every row of a joined table added to an object, or is left over.
    for table in ("NPGObjTitles.csv", "NPGWebImageURLs.csv"):
        taken = sum(row.joined[table] for row in result.rows)
        assert taken + sum(name == table for name, *_ in _left_over(result)) == _data_rows(NPG / table)
    assert result.fields() == {
        "Medium": (2, 2),
        "Classification": (2, 2),
        "NPGObjTitles.csv:Title": (5, 3),
        "NPGWebImageURLs.csv:Web Image Address": (3, 3),
    }


def test_null_values_can_be_changed():
    records = _npg(null_values=[]).records()
    assert (records["103"]["description"], records["103"]["category"]) == ("NULL.", "NULL")
    # "NULL" is now an object id, and a title: 102's third title is one more further name.
    assert "NULL" in records and records["102"]["name"] == "Self-portrait with camera"
    assert sum(reason == FURTHER_NAME for *_, reason in _npg(null_values=[]).dropped()) == 3


def test_cp1252_semicolon_tables_join_with_the_collections_options():
    join = {"path": "media.csv", "on": "ObjectID", "order_by": "Sequence", "columns": {"images": "Image"}}
    columns = {"record_id": "ObjectID", "name": "Title", "description": "Description"}
    result = read(
        "csv", FIXTURES / "cp1252" / "objects.csv", encoding="cp1252", delimiter=";", columns=columns, joins=[join]
    )
    assert {k: (r["name"], r["description"], r["images"]) for k, r in result.records().items()} == {
        "A-1": ("Café chair – bentwood", "Curator’s note: steam-bent beech, 1920s.", []),
        "A-2": (
            "Saddle",
            'a vaquero’s "silla".',
            ["https://media.example.org/a-2-front.jpg", "https://media.example.org/a-2-side.jpg"],
        ),
    }
    # Row 3 of media.csv holds a quoted line break; the orphan after it is row 4.
    assert _left_over(result) == [("media.csv", 4, "ObjectID", "A-9", "its ObjectID matches no object of objects.csv")]
    merged = sum(row.joined["media.csv"] for row in result.accepted)
    assert (merged, merged + 1) == (2, _data_rows(FIXTURES / "cp1252" / "media.csv", "cp1252", ";"))


def test_a_joined_table_in_another_encoding_is_named_with_its_line():
    joins = [NPG_JOINS[0], NPG_JOINS[1] | {"path": FIXTURES / "cp1252" / "media.csv"}]
    with pytest.raises(ExportError, match=r"media\.csv: line 4: byte 0x96 is not valid utf-8; set `encoding`"):
        read("csv", NPG / "NPGObjects.csv", columns=NPG_COLUMNS, joins=joins)


def test_a_joined_table_without_a_mapped_column_is_named():
    joins = [NPG_JOINS[0] | {"order_by": "Rank"}, NPG_JOINS[1]]
    with pytest.raises(ExportError, match=r"NPGObjTitles\.csv: missing column\(s\) \['Rank'\]"):
        read("csv", NPG / "NPGObjects.csv", columns=NPG_COLUMNS, joins=joins)


def test_a_folder_of_json_documents():
    tate = FIXTURES / "tate"
    result = _tate(tate / "artworks")
    records = result.records()
    assert {k: (r["name"], r["description"], r["images"], r["category"], r["maker"]) for k, r in records.items()} == {
        "A00001": (
            "Harbour at Dusk, with Fishing Boats",
            "Watercolour and graphite on paper.",
            ["https://media.example.org/tate/A00001_8.jpg"],
            "on paper, unique",
            "Ellen Marsh",
        ),
        "A00002": ("Study of Two Hands", "", [], "on paper, unique", "Ellen Marsh"),
    }
    assert {(Path(r["source_file"]).name, r["source_position"]) for r in records.values()} == {
        ("a00001.json", 1),
        ("a00002.json", 1),
    }
    rejects = [
        (Path(r["source_file"]).relative_to(tate).as_posix(), r["source_position"], r["field"], r["reason"])
        for r in result.rejects()
    ]
    assert rejects == [
        ("artworks/a/001/a00105.json", 1, "(file)", "malformed JSON (Expecting ',' delimiter at line 5, column 3)"),
        ("artworks/b/b00003.json", 1, "(file)", "expected a JSON object (got list)"),
    ]
    assert len(result.rows) == len(list(tate.rglob("*.json")))
    assert (sum(read for read, _ in result.fields().values()), result.dropped()) == (8, [])


def test_a_glob_of_json_documents():
    result = _tate(FIXTURES / "tate" / "artworks" / "a" / "**" / "*.json")
    assert (len(result.rows), len(result.accepted)) == (3, 2)


def test_joined_descriptions_categories_and_terms_follow_the_order(tmp_path):
    (tmp_path / "objects.csv").write_text("id,title\nT1,Telephone\n")
    (tmp_path / "notes.csv").write_text(
        "id,seq,note,type,term\n"
        "T1,2,Made in 1950,Telephones,handset\n"
        "T1,1,Black bakelite,Communications,telephone\n"
        "T1,3,Made in 1950.,NULL,<object facet>\n"
    )
    join = {
        "path": "notes.csv",
        "on": "id",
        "order_by": "seq",
        "columns": {"description": "note", "category": "type", "taxonomy": "term"},
    }
    result = read("csv", tmp_path / "objects.csv", columns={"record_id": "id", "name": "title"}, joins=[join])
    [record] = result.records().values()
    assert (record["description"], record["category"], record["taxonomy"]) == (
        "Black bakelite. Made in 1950.",
        "Communications",
        "telephone > handset",
    )
    assert sorted(d[1:] for d in result.dropped()) == [
        ("notes.csv:note", "Made in 1950.", "repeats an earlier value"),
        ("notes.csv:term", "<object facet>", "guide term (in angle brackets), not part of the taxonomy path"),
        ("notes.csv:type", "Telephones", "a further category (a record keeps one)"),
    ]
    assert sum(read for read, _ in result.fields().values()) == 9


@pytest.mark.parametrize("path", ["docs", "docs/*.json"])
def test_images_of_json_documents_resolve_against_their_folder(tmp_path, path):
    (tmp_path / "docs" / "img").mkdir(parents=True)
    (tmp_path / "docs" / "img" / "a.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "docs" / "a.json").write_text('{"id": "1", "title": "Jug", "images": ["img/a.jpg", "img/b.jpg"]}')
    result = read("jsonl", tmp_path / path, columns={"record_id": "id", "name": "title", "images": "images"})
    assert result.records()["1"]["images"] == [str((tmp_path / "docs" / "img" / "a.jpg").resolve())]
    assert result.dropped_of("1") == [("images", "img/b.jpg", "neither a URL nor an existing file")]


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
    result = read("jsonl", tmp_path / "docs", columns={"record_id": "id", "name": "title", "images": "images"})
    records = result.records()
    assert records["1"]["images"] == [
        str((tmp_path / "docs" / "a" / "img" / "x.jpg").resolve()),
        str((tmp_path / "docs" / "img" / "y.jpg").resolve()),
    ]
    assert records["2"]["source_file"] == str(tmp_path / "docs" / "a" / "B.JSON")
    assert (len(result.rows), result.rejects(), result.dropped()) == (2, [], [])
