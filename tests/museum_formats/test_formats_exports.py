"""Real collection exports, as museums publish them: every SMG shape, spreadsheet CSVs, nested JSON, nothing silently lost."""

import json

import pytest
from formats_helpers import Read, read

from museum_formats.reading import ExportError

SMG_BASE = {"image_base_url": "https://coimages.example/"}


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
GENERIC = {"record_id": "id", "name": "title", "description": "text", "images": "image"}


def _values_read(result: Read) -> int:
    return sum(count for count, _ in result.fields().values())


def test_smg_current_api_object(tmp_path):
    (tmp_path / "smg.jsonl").write_text(json.dumps({"_id": "co205752", "_source": LOCOMOTIVE}) + "\n")
    result = read("smg", tmp_path / "smg.jsonl", **SMG_BASE)
    [record] = result.records().values()
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
    dropped = result.dropped()
    assert len(dropped) == 305 + 3 + 2
    assert sum(d[3] == "over the cap of 10 images per record (max_images)" for d in dropped) == 305
    assert sum(d[1] != "multimedia" for d in dropped) == 5  # listed in the next test
    fields = result.fields()
    assert fields["multimedia"] == (315, 10)
    assert (fields["title"], fields["description"][1], fields["terms"][1]) == ((3, 2), 1, 2)
    assert _values_read(result) == 315 + 3 + 3 + 4 + 1 + 1


def test_smg_guide_terms_and_text_drops_are_listed(tmp_path):
    (tmp_path / "smg.jsonl").write_text(json.dumps({"_id": "co205752", "_source": LOCOMOTIVE}) + "\n")
    result = read("smg", tmp_path / "smg.jsonl", **SMG_BASE, max_images=400)
    assert [d[1:] for d in result.dropped()] == [
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
    page, lines = (read("smg", tmp_path / name, **SMG_BASE) for name in ("page.json", "lines.jsonl"))
    records = page.records() | lines.records()
    assert {k: (r["source_position"], r["images"]) for k, r in records.items()} == {
        "co1": (1, ["https://coimages.example/a/1-medium.jpg"]),  # medium preferred over zoom
        "co2": (2, ["https://coimages.example/b/2-thumb.jpg"]),  # the first rendition with a location
        "co3": (1, ["https://coimages.example/c/3.jpg"]),
        "co4": (2, []),
    }
    assert [(r["source_position"], r["reason"]) for r in page.rejects()] == [
        (3, "a JSON:API resource that is not an object (type 'people')")
    ]
    assert lines.rejects() == []
    assert [d[:2] + d[3:] for d in page.dropped() + lines.dropped()] == [
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
    result = read("smg", tmp_path / "smg.jsonl", **SMG_BASE, image_renditions=["zoom", "medium"])
    [record] = result.records().values()
    assert (record["record_id"], record["source_id"]) == ("co8245103", "smgc-object-8245103")
    assert (record["name"], record["category"], record["images"]) == (
        "phial",
        "Nuclear Physics",
        ["https://coimages.example/z/1.jpg"],
    )
    assert result.dropped() == [("co8245103", "name", '{"nested": "not text"}', "not text (a JSON dict)")]


def test_utf8_with_byte_order_mark_and_semicolons(tmp_path):
    text = "id;title;text;image\n1;Métier à tisser;A loom.;\n2;Navette;A shuttle.;\n"
    (tmp_path / "objects.csv").write_bytes("\ufeff".encode() + text.encode())
    with pytest.raises(
        ExportError, match=r"the header is semicolon-separated: set delimiter = \";\" for collection 'mill'"
    ):
        read("csv", tmp_path / "objects.csv", name="mill", columns=GENERIC)
    (tmp_path / "comma.csv").write_bytes("\ufeff".encode() + text.replace(";", ",").encode())
    semicolons = read("csv", tmp_path / "objects.csv", columns=GENERIC, delimiter=";")
    commas = read("csv", tmp_path / "comma.csv", columns=GENERIC)
    for result in (semicolons, commas):
        assert [(r["record_id"], r["name"]) for r in result.records().values()] == [
            ("1", "Métier à tisser"),
            ("2", "Navette"),
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
    mapping = {"record_id": "id", "name": "id", "images": "image"}
    outside = "a file outside the export's folder and the collection's image_roots"
    assert [d[::3] for d in read("csv", tmp_path / "export" / "objects.csv", columns=mapping).dropped()] == [
        ("2", outside),
        ("3", outside),
        ("4", outside),
        ("5", "a file: reference, not an http(s) URL or a file"),
        ("6", "a javascript: reference, not an http(s) URL or a file"),
    ]
    shared = read("csv", tmp_path / "export" / "objects.csv", columns=mapping, image_roots=[tmp_path / "shared-images"])
    assert [r["images"] for r in shared.records().values()][::3] == [
        [str(tmp_path / "export" / "a.jpg")],
        [str(tmp_path / "shared-images" / "b.jpg")],
    ]


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
    dotted = {
        "record_id": "id",
        "name": "attributes.title[0].value",
        "images": "attributes.multimedia[0].@processed.large.location",
    }
    jmes = {
        "record_id": "id",
        "description": "attributes.description[?primary].value",
        "images": 'attributes.multimedia[*]."@processed".large.location',
    }
    records = [
        *read("jsonl", tmp_path / "dump.jsonl", columns=dotted).records().values(),
        *read("jsonl", tmp_path / "dump.jsonl", columns=jmes, column_paths="jmespath").records().values(),
    ]
    assert [(r["record_id"], r["name"], r["description"], r["images"]) for r in records] == [
        ("co1", "Loom", "", ["https://x.example/1.jpg"]),
        ("co1", "", "A power loom.", ["https://x.example/1.jpg"]),
        ("co2", "", "A reed.", []),
    ]


def test_windows_1252_csv_needs_its_encoding(tmp_path):
    (tmp_path / "objects.csv").write_bytes(CP1252)
    with pytest.raises(
        ExportError, match=r"objects\.csv: line 2: byte 0xe9 is not valid utf-8; set `encoding` for collection 'mill'"
    ):
        read("csv", tmp_path / "objects.csv", name="mill", columns=GENERIC)
    result = read("csv", tmp_path / "objects.csv", name="mill", columns=GENERIC, encoding="cp1252")
    assert [r["name"] for r in result.records().values()] == NAMES
