"""The NMS export's fixed columns, and the generic csv and jsonl formats read through a column mapping."""

import json

from formats_helpers import read


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
    result = read("nms", tmp_path / "nms.csv")
    records = list(result.records().values())
    assert [r["record_id"] for r in records] == ["T.1", "T.2", "T.4"]
    assert records[2]["name"] == "café"
    assert records[0]["description"] == "Black bakelite telephone."
    assert records[0]["images"] == [str((tmp_path / "images" / "PF1.jpg").resolve())]
    assert (records[0]["category"], records[0]["taxonomy"]) == ("Communications", "Science and Technology")
    reasons = {(r["source_position"], r["field"]): r["reason"] for r in result.rejects()}
    assert reasons == {
        (4, "(row)"): "cells beyond the header (1 unknown cell(s))",
        (6, "record_id"): "missing record_id",
    }
    assert result.dropped() == [
        ("T.1", "media.reference", "DOC1", "not an image (NMS image references start with PF or MP)"),
        ("T.1", "media.reference", "images/MP9.jpg", "neither a URL nor an existing file"),
    ]
    assert len(result.rows) == 5


def test_nms_image_base_url(tmp_path):
    (tmp_path / "nms.csv").write_text("object_number,object_name,description,media.reference\nT.1,lamp,,PF001|XX2\n")
    result = read("nms", tmp_path / "nms.csv", image_base_url="https://nms.example/img?value=")
    assert result.records()["T.1"]["images"] == ["https://nms.example/img?value=PF001"]


def test_generic_csv_and_jsonl_with_mapping(tmp_path):
    (tmp_path / "a.csv").write_text(
        "id,title,text,pics,kind\nA1,Loom,A loom.,https://x/1.jpg;https://x/2.jpg,textiles\n"
    )
    (tmp_path / "b.jsonl").write_text(json.dumps({"ref": "B1", "label": "Bobbin", "pics": ["https://x/3.jpg"]}) + "\n")
    columns = {"record_id": "id", "name": "title", "description": "text", "images": "pics", "category": "kind"}
    [csv] = read("csv", tmp_path / "a.csv", image_separator=";", columns=columns).records().values()
    assert csv == {
        "record_id": "A1",
        "name": "Loom",
        "description": "A loom.",
        "images": ["https://x/1.jpg", "https://x/2.jpg"],
        "category": "textiles",
        "taxonomy": None,
        "source_file": str(tmp_path / "a.csv"),
        "source_position": 2,
        "source_id": "A1",
    }
    columns = {"record_id": "ref", "name": "label", "images": "pics"}
    [jsonl] = read("jsonl", tmp_path / "b.jsonl", columns=columns).records().values()
    assert (jsonl["record_id"], jsonl["name"], jsonl["images"]) == ("B1", "Bobbin", ["https://x/3.jpg"])
