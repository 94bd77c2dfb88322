"""Real collection exports, as museums publish them: every SMG shape, spreadsheet CSVs, nested JSON, nothing silently lost."""

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

SMG_BASE = 'image_base_url = "https://coimages.example/"\n'


def _study(folder: Path, collections: str) -> Workspace:
    (folder / "study.toml").write_text(f'[study]\nname = "t"\n[models]\nbase = "models/base"\n{collections}')
    return Workspace.open(folder)


def _collection(name: str, fmt: str, path: str, extra: str = "") -> str:
    return f'[[collections]]\nname = "{name}"\nformat = "{fmt}"\npath = "{path}"\n{extra}'


def _dropped(workspace: Workspace) -> list[tuple]:
    rows = pq.read_table(workspace.path("records", "dropped.parquet")).to_pylist()
    return [(r["record_id"], r["field"], r["value"], r["reason"]) for r in rows]


def _media(location: str, key: str = "@processed", rendition: str = "large", **extra) -> dict:
    return {key: {rendition: {"location": location, "format": "jpeg"}}, **extra}


# An object as the current SMG collection site serves it, in Elasticsearch form.
LOCOMOTIVE = {
    "@admin": {"uid": "co205752", "id": "object-205752"},
    "name": [{"primary": True, "type": "object name", "value": "steam locomotive"}],
    "title": [
        {"type": "display title", "value": "LMS steam locomotive 'Duchess of Hamilton', No 46229, 1938"},
        {
            "primary": True,
            "type": "display title",
            "value": "LMS steam locomotive 'Duchess of Hamilton', No 6229, 1938",
        },
        {"type": "display title", "value": "LMS  steam locomotive 'duchess of hamilton', no 6229, 1938."},
    ],
    "description": [
        {"type": "description", "value": "Steam locomotive and tender, built at Crewe in 1938."},
        {
            "primary": True,
            "type": "description",
            "value": "Steam locomotive and tender, built at Crewe in 1938. Streamlined when new.",
        },
        {"type": "description", "value": "lms steam locomotive 'Duchess of Hamilton', No 6229, 1938"},
    ],
    "category": [{"value": "Locomotives and Rolling Stock"}],
    "terms": [
        {"summary_title": "Locomotive and Rolling Stock"},
        {
            "hierarchy": [
                {"sort": 1, "name": [{"primary": True, "value": "locomotive"}]},
                {"sort": 0, "name": [{"primary": True, "value": "<locomotives by power source>"}]},
                {"sort": 2, "name": [{"primary": True, "value": "vehicle"}]},
                {"sort": 3, "name": [{"primary": True, "value": "<object facet>"}]},
            ]
        },
    ],
    "multimedia": [_media(f"2/{i}/Large_{i}.JPG") for i in range(315)],
}
LOCOMOTIVE["multimedia"][200]["primary"] = True


def test_smg_current_api_object(tmp_path):
    (tmp_path / "smg.jsonl").write_text(json.dumps({"_id": "co205752", "_source": LOCOMOTIVE}) + "\n")
    workspace = _study(tmp_path, _collection("smg", "smg", "smg.jsonl", SMG_BASE))
    result = ingest_collections(workspace)
    record = result.records.to_pylist()[0]
    # The only rendition is `@processed.large`; the primary image first, then the entries in order; 10 kept.
    assert record["images"][:2] == [
        "https://coimages.example/2/200/large_200.jpg",
        "https://coimages.example/2/0/large_0.jpg",
    ]
    assert len(record["images"]) == 10
    # Primary title, then the other title (it adds text); the third is the primary again. Primary description, the
    # historical one lies inside it, the last repeats the primary title.
    assert record["description"] == (
        "LMS steam locomotive 'Duchess of Hamilton', No 6229, 1938. LMS steam locomotive 'Duchess of Hamilton', No 46229, 1938. "
        "Steam locomotive and tender, built at Crewe in 1938. Streamlined when new."
    )
    assert record["taxonomy"] == "locomotive > vehicle"
    assert record["category"] == "Locomotives and Rolling Stock"
    dropped = _dropped(workspace)
    assert len(dropped) == 305 + 3 + 2
    assert sum(d[3] == "over the cap of 10 images per record (max_images)" for d in dropped) == 305
    assert sum(d[1] != "multimedia" for d in dropped) == 5  # listed in the next test
    fields = result.counts[0].fields
    assert (fields["multimedia"].read, fields["multimedia"].kept) == (315, 10)
    assert (fields["title"].read, fields["title"].kept, fields["description"].kept, fields["terms"].kept) == (
        3,
        2,
        1,
        2,
    )
    counts = result.counts[0]
    assert counts.values_read == counts.values_kept + counts.values_dropped == 315 + 3 + 3 + 4 + 1 + 1


def test_smg_guide_terms_and_text_drops_are_listed(tmp_path):
    (tmp_path / "smg.jsonl").write_text(json.dumps({"_id": "co205752", "_source": LOCOMOTIVE}) + "\n")
    workspace = _study(tmp_path, _collection("smg", "smg", "smg.jsonl", SMG_BASE + "max_images = 400\n"))
    ingest_collections(workspace)
    assert [d[1:] for d in _dropped(workspace)] == [
        ("title", "LMS steam locomotive 'duchess of hamilton', no 6229, 1938.", "repeats an earlier value"),
        (
            "description",
            "Steam locomotive and tender, built at Crewe in 1938.",
            "adds no text to an earlier variant of the field",
        ),
        ("description", "lms steam locomotive 'Duchess of Hamilton', No 6229, 1938", "repeats an earlier value"),
        ("terms", "<locomotives by power source>", "guide term (in angle brackets), not part of the taxonomy path"),
        ("terms", "<object facet>", "guide term (in angle brackets), not part of the taxonomy path"),
    ]


def _jsonapi_object(number: int, multimedia: list, **attributes) -> dict:
    return {
        "type": "objects",
        "id": f"co{number}",
        "links": {"self": f"https://collection.example/objects/co{number}"},
        "attributes": {"name": [{"value": f"telephone {number}"}], "multimedia": multimedia, **attributes},
    }


def test_smg_jsonapi_document_and_lines(tmp_path):
    page = {
        "data": [
            _jsonapi_object(
                1, [{"@processed": {"zoom": {"location": "a/1.jpg"}, "medium": {"location": "a/1-medium.jpg"}}}]
            ),
            _jsonapi_object(
                2, [{"@processed": {"small_thumbnail": {"location": "b/2-thumb.jpg"}}}, {"title": "a video"}]
            ),
            {"type": "people", "id": "cp1", "attributes": {"name": [{"value": "Alexander Graham Bell"}]}},
        ],
        "links": {"next": "https://collection.example/search?page[number]=2"},
    }
    (tmp_path / "page.json").write_text(json.dumps(page, indent=2))  # pretty-printed, as the API serves it
    (tmp_path / "lines.jsonl").write_text(
        "\n".join(
            json.dumps(o)
            for o in [
                _jsonapi_object(3, [_media("c/3.jpg", rendition="large")]),
                {"data": _jsonapi_object(4, ["not a media entry"])},
            ]
        )
        + "\n"
    )
    workspace = _study(
        tmp_path,
        _collection("page", "smg", "page.json", SMG_BASE) + _collection("lines", "smg", "lines.jsonl", SMG_BASE),
    )
    result = ingest_collections(workspace)
    records = {r["record_id"]: r for r in result.records.to_pylist()}
    assert {k: (r["source_position"], r["images"]) for k, r in records.items()} == {
        "co1": (1, ["https://coimages.example/a/1-medium.jpg"]),  # medium preferred over zoom
        "co2": (2, ["https://coimages.example/b/2-thumb.jpg"]),  # the first rendition with a location
        "co3": (1, ["https://coimages.example/c/3.jpg"]),
        "co4": (2, []),
    }
    rejects = result.rejects.to_pylist()
    assert [(r["collection"], r["source_position"], r["reason"]) for r in rejects] == [
        ("page", 3, "a JSON:API resource that is not an object (type 'people')")
    ]
    assert [d[:2] + d[3:] for d in _dropped(workspace)] == [
        ("co2", "multimedia", "a media entry without an image location"),
        ("co4", "multimedia", "a media entry without an image location"),
    ]


def test_smg_older_layout_and_rendition_preference(tmp_path):
    entry = {
        "_id": "smgc-object-8245103",
        "_source": {
            "admin": {"uid": "co8245103"},
            "categories": [{"name": "Nuclear Physics", "value": "SCM - Nuclear Physics"}],
            "name": [{"value": "phial"}, {"value": {"nested": "not text"}}],
            "multimedia": [{"processed": {"medium": {"location": "m/1.jpg"}, "zoom": {"location": "z/1.jpg"}}}],
        },
    }
    (tmp_path / "smg.jsonl").write_text(json.dumps(entry) + "\n")
    workspace = _study(
        tmp_path, _collection("smg", "smg", "smg.jsonl", SMG_BASE + 'image_renditions = ["zoom", "medium"]\n')
    )
    record = ingest_collections(workspace).records.to_pylist()[0]
    assert (record["record_id"], record["source_id"]) == ("co8245103", "smgc-object-8245103")
    assert (record["name"], record["category"], record["images"]) == (
        "phial",
        "Nuclear Physics",
        ["https://coimages.example/z/1.jpg"],
    )
    assert _dropped(workspace) == [("co8245103", "name", '{"nested": "not text"}', "not text (a JSON dict)")]


# 11 rows, as Excel's plain "CSV" writes them on Windows (Windows-1252), four with accented names.
NAMES = [
    "Métier à tisser",
    "Loom",
    "Spinning jenny",
    "Bobine de fil",
    "Navette",
    "Carding engine",
    "Rouet à filer",
    "Shuttle",
    "Heddle",
    "Dévidoir",
    "Reed",
]
CP1252 = (
    "id,title,text,image\r\n" + "".join(f"{i},{n},Catalogue entry {i}.,\r\n" for i, n in enumerate(NAMES, 1))
).encode("cp1252")
GENERIC = 'columns = { record_id = "id", name = "title", description = "text", images = "image" }\n'


def test_windows_1252_csv_needs_its_encoding(tmp_path):
    (tmp_path / "objects.csv").write_bytes(CP1252)
    workspace = _study(tmp_path, _collection("mill", "csv", "objects.csv", GENERIC))
    with pytest.raises(
        ExportError, match=r"objects\.csv: line 2: byte 0xe9 is not valid utf-8; set `encoding` for collection 'mill'"
    ):
        ingest_collections(workspace)
    result = CliRunner().invoke(app, ["ingest", "--study", str(tmp_path)])
    assert result.exit_code == 1 and 'encoding = "cp1252"' in result.output
    workspace = _study(tmp_path, _collection("mill", "csv", "objects.csv", GENERIC + 'encoding = "cp1252"\n'))
    records = ingest_collections(workspace).records.to_pylist()
    assert [r["name"] for r in records] == NAMES


def test_utf8_with_byte_order_mark_and_semicolons(tmp_path):
    text = "id;title;text;image\n1;Métier à tisser;A loom.;\n2;Navette;A shuttle.;\n"
    (tmp_path / "objects.csv").write_bytes("\ufeff".encode() + text.encode())
    workspace = _study(tmp_path, _collection("mill", "csv", "objects.csv", GENERIC))
    with pytest.raises(
        ExportError, match=r"the header is semicolon-separated: set delimiter = \";\" for collection 'mill'"
    ):
        ingest_collections(workspace)
    (tmp_path / "comma.csv").write_bytes("\ufeff".encode() + text.replace(";", ",").encode())
    workspace = _study(
        tmp_path,
        _collection("mill", "csv", "objects.csv", GENERIC + 'delimiter = ";"\n')
        + _collection("comma", "csv", "comma.csv", GENERIC),
    )
    records = ingest_collections(workspace).records.to_pylist()
    assert [(r["record_id"], r["source_id"], r["name"]) for r in records] == [
        ("mill:1", "1", "Métier à tisser"),
        ("mill:2", "2", "Navette"),
        ("comma:1", "1", "Métier à tisser"),
        ("comma:2", "2", "Navette"),
    ]


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


def test_image_paths_are_confined_to_their_roots(tmp_path):
    (tmp_path / "export").mkdir()
    (tmp_path / "shared-images").mkdir()
    (tmp_path / "export" / "a.jpg").write_bytes(b"x")
    (tmp_path / "shared-images" / "b.jpg").write_bytes(b"x")
    rows = [
        "1,a.jpg",
        "2,../../../../etc/passwd",
        "3,/etc/passwd",
        "4,../shared-images/b.jpg",
        "5,file:///etc/passwd",
        "6,javascript:alert(1)",
    ]
    (tmp_path / "export" / "objects.csv").write_text("id,image\n" + "\n".join(rows) + "\n")
    mapping = 'columns = { record_id = "id", name = "id", images = "image" }\n'
    workspace = _study(tmp_path, _collection("x", "csv", "export/objects.csv", mapping))
    ingest_collections(workspace)
    outside = "a file outside the export's folder and the collection's image_roots"
    assert [d[::3] for d in _dropped(workspace)] == [
        ("x:2", outside),
        ("x:3", outside),
        ("x:4", outside),
        ("x:5", "a file: reference, not an http(s) URL or a file"),
        ("x:6", "a javascript: reference, not an http(s) URL or a file"),
    ]
    workspace = _study(
        tmp_path, _collection("x", "csv", "export/objects.csv", mapping + 'image_roots = ["shared-images"]\n')
    )
    records = ingest_collections(workspace).records.to_pylist()
    assert [r["images"] for r in records][::3] == [
        [str(tmp_path / "export" / "a.jpg")],
        [str(tmp_path / "shared-images" / "b.jpg")],
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


def test_jsonl_nested_paths_and_jmespath(tmp_path):
    entries = [
        {
            "id": "co1",
            "attributes": {
                "title": [{"value": "Loom"}],
                "description": [{"value": "Old."}, {"value": "A power loom.", "primary": True}],
                "multimedia": [{"@processed": {"large": {"location": "https://x.example/1.jpg"}}}],
            },
        },
        {
            "id": "co2",
            "attributes": {"title": [], "description": [{"value": "A reed.", "primary": True}], "multimedia": []},
        },
    ]
    (tmp_path / "dump.jsonl").write_text("\n".join(json.dumps(e) for e in entries) + "\n")
    dotted = 'columns = { record_id = "id", name = "attributes.title[0].value", images = "attributes.multimedia[0].@processed.large.location" }\n'
    jmes = (
        'column_paths = "jmespath"\n'
        'columns = { record_id = "id", description = "attributes.description[?primary].value", '
        'images = "attributes.multimedia[*].\\"@processed\\".large.location" }\n'
    )
    workspace = _study(
        tmp_path, _collection("d", "jsonl", "dump.jsonl", dotted) + _collection("j", "jsonl", "dump.jsonl", jmes)
    )
    records = ingest_collections(workspace).records.to_pylist()
    assert [(r["record_id"], r["name"], r["description"], r["images"]) for r in records] == [
        ("d:co1", "Loom", "", ["https://x.example/1.jpg"]),
        ("j:co1", "", "A power loom.", ["https://x.example/1.jpg"]),
        ("j:co2", "", "A reed.", []),
    ]


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
