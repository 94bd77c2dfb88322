"""Pure parts of the annotation stage: interface, batch reading, image links, pull tables."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from annotation.interface import LABEL_VALUES, TASK_FIELDS, instructions, label_config
from annotation.pull import PullReport, labels_table, read_result, versions_from_export
from annotation.sync import TITLE_LIMIT, project_title
from annotation.tasks import INLINE_SIDE, NO_IMAGE, NOT_PUBLIC, Batch, BatchError, ImageLinks, read_batch
from heritage_weaver.atomic import write_table
from heritage_weaver.url_safety import AddressRule

PUBLIC_ONLY = AddressRule(lookup=lambda host: ["93.184.215.14"])  # no DNS in tests


def test_label_config_shows_both_objects_and_requires_one_of_the_four_labels():
    root = ElementTree.fromstring(label_config())
    variables = {element.get("value") for element in root.iter() if (element.get("value") or "").startswith("$")}
    assert variables == {f"${field}" for field in TASK_FIELDS if field != "pair_id"}
    choices = root.find(".//Choices")
    assert choices.get("required") == "true" and choices.get("choice") == "single-radio"
    assert tuple(choice.get("value") for choice in choices.iter("Choice")) == LABEL_VALUES
    assert root.find(".//TextArea").get("name") == "comment"
    assert all(label in instructions() for label in LABEL_VALUES) and "700-series" in instructions()


def batch_frame(**changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "pair_id": ["p1", "p2"],
            "annotator": ["A01", "A01"],
            "position": [1, 0],
            "record_a": ["a1", "a2"],
            "collection_a": ["smg", "smg"],
            "record_b": ["b1", "b2"],
            "collection_b": ["nms", "nms"],
            "link_types": [["image-image/all models"], []],
            "is_control": [False, True],
            "is_overlap": [False, False],
            "score.image-image.base": [0.91, 0.2],
            "link.image-image.base": [True, False],
        }
    )
    return frame.assign(**changes)


def test_read_batch_orders_pairs_and_keeps_provenance_apart(tmp_path):
    write_table(tmp_path / "A01.parquet", batch_frame())
    batch = read_batch(tmp_path / "A01.parquet")
    assert [pair.pair_id for pair in batch.pairs] == ["p2", "p1"] and batch.annotator == "A01"
    assert batch.pairs[1].provenance == {
        "link_types": ["image-image/all models"],
        "is_control": False,
        "is_overlap": False,
        "score.image-image.base": 0.91,
        "link.image-image.base": True,
    }
    assert batch.batch_id.startswith("A01-") and read_batch(tmp_path / "A01.parquet").batch_id == batch.batch_id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pair_id": ["p1", "p1"]}, "row 1: field pair_id repeats"),
        ({"record_b": ["b1", None]}, "row 1: field record_b is empty"),
        ({"annotator": ["A01", "A02"]}, "one annotator per batch"),
    ],
)
def test_read_batch_names_the_bad_row_and_field(tmp_path, changes, message):
    write_table(tmp_path / "A01.parquet", batch_frame(**changes))
    with pytest.raises(BatchError, match=message):
        read_batch(tmp_path / "A01.parquet")


def test_image_links_put_local_files_alone_in_the_desks_document_root_under_blind_names(tmp_path):
    media = tmp_path / "desk" / "media"
    links = ImageLinks(media, PUBLIC_ONLY)
    image = tmp_path / "study" / "data" / "images" / "smg-record-17 telephone.jpg"
    image.parent.mkdir(parents=True)
    Image.new("RGB", (8, 8)).save(image)
    assert links("https://example.org/x.jpg") == "https://example.org/x.jpg"
    link = links(str(image))
    name = link.removeprefix("/data/local-files/?d=images/")
    assert name.endswith(".jpg") and len(name) == 36 and "smg" not in name and "telephone" not in name
    served = media / "images" / name
    assert served.read_bytes() == image.read_bytes() and links(str(image)) == link  # linked once
    assert [path for path in media.rglob("*") if path.is_file()] == [served]  # nothing else in the root
    assert links(None) == NO_IMAGE
    assert links.storage_folder([str(image), "http://x/y.jpg"]) == media.resolve() / "images"
    assert links.storage_folder(["http://x/y.jpg"]) is None
    with pytest.raises(BatchError, match="no such file"):
        links(str(tmp_path / "missing.jpg"))


def test_a_remote_server_gets_local_images_embedded_and_downscaled(tmp_path):
    Image.new("RGB", (1600, 400), (200, 30, 30)).save(tmp_path / "wide.png")
    link = ImageLinks(None, PUBLIC_ONLY)(str(tmp_path / "wide.png"))
    assert link.startswith("data:image/jpeg;base64,")
    embedded = Image.open(io.BytesIO(base64.b64decode(link.split(",", 1)[1])))
    assert embedded.size == (INLINE_SIDE, 200) and embedded.format == "JPEG"
    assert ImageLinks(None, PUBLIC_ONLY)("https://example.org/x.jpg") == "https://example.org/x.jpg"


def test_an_image_url_the_study_would_not_fetch_is_not_given_to_curators_browsers():
    links = ImageLinks(None, AddressRule(["images.intranet.example"], lookup=lambda host: ["10.0.0.7"]))
    assert links("http://127.0.0.1:8089/api/projects") == NOT_PUBLIC
    assert links("http://localhost/a.jpg") == NOT_PUBLIC
    assert links("https://images.intranet.example/a.jpg") == "https://images.intranet.example/a.jpg"
    assert links("https://elsewhere.intranet.example/a.jpg") == NOT_PUBLIC


def test_project_titles_fit_label_studios_limit():
    title = project_title("a-very-long-study-name-" * 4, Batch("A01-0123abcd", "A01", Path("b"), []))
    assert len(title) == TITLE_LIMIT and title.endswith(" · A01 · 0123abcd")
    later = project_title("study", Batch("A01-0123abcd", "A01", Path("b"), [], round=2))
    assert later == "study · round 2 · A01 · 0123abcd"
    judge = Batch("L01-adjudication-89abcdef", "L01", Path("b"), [], round=0, kind="adjudication")
    assert project_title("study", judge) == "study · adjudication · L01 · 89abcdef"


def choice(label):
    return [{"from_name": "label", "value": {"choices": [label]}}]


def test_read_result_takes_label_and_comment():
    comment = [{"from_name": "comment", "value": {"text": ["first", "second"]}}]
    assert read_result(choice("unrelated") + comment) == ("unrelated", "first\nsecond")
    assert read_result([]) == (None, None)


def test_versions_from_export_records_skips_drafts_and_unknown_tasks():
    tasks = [
        {
            "id": 1,
            "annotations": [
                {
                    "id": 10,
                    "completed_by": 7,
                    "result": choice("same object"),
                    "was_cancelled": False,
                    "created_at": "2026-01-01T10:00:00Z",
                    "updated_at": "2026-01-01T10:00:05Z",
                    "lead_time": 5.0,
                },
                {
                    "id": 11,
                    "completed_by": 7,
                    "result": [],
                    "was_cancelled": True,
                    "created_at": "2026-01-01T11:00:00Z",
                    "updated_at": "2026-01-01T11:00:00Z",
                    "lead_time": None,
                },
            ],
            "drafts": [
                {
                    "id": 3,
                    "user": "c@x",
                    "result": choice("bogus"),
                    "created_at": "2026-01-01T12:00:00Z",
                    "updated_at": "2026-01-01T12:00:00Z",
                    "lead_time": 1.0,
                }
            ],
        },
        {"id": 2, "annotations": [], "drafts": []},
        {"id": 99, "annotations": [{"id": 50}], "drafts": []},
    ]
    report = PullReport()
    rows, drafts = versions_from_export(
        tasks, {1: ("B", "p1", "A01"), 2: ("B", "p2", "A01")}, {7: "c@x"}, "now", report
    )
    assert [(r["kind"], r["ls_id"], r["status"], r["label"], r["ls_user"]) for r in rows] == [
        ("annotation", 10, "labelled", "same object", "c@x"),
        ("annotation", 11, "skipped", None, "c@x"),
        ("draft", 3, "draft", "bogus", "c@x"),
    ]
    assert drafts == {3} and report.unknown_tasks == [99] and report.unknown_labels == []


def version(kind, ls_id, updated, pair="p1", annotator="A01", status="labelled", label="unrelated"):
    return {
        "kind": kind,
        "ls_id": ls_id,
        "updated_at": updated,
        "created_at": "2026-01-01T00:00:00Z",
        "pair_id": pair,
        "annotator": annotator,
        "status": status,
        "label": label,
        "comment": None,
        "lead_time": 1.0,
    }


def test_labels_table_keeps_newest_version_and_flags_latest_per_annotator_and_pair():
    history = [
        version("annotation", 1, "2026-01-01T01:00:00Z", label="similar object"),
        version("annotation", 1, "2026-01-01T03:00:00Z", label="same object"),  # edited later
        version("annotation", 2, "2026-01-01T02:00:00Z", status="skipped", label=None),
        version("annotation", 3, "2026-01-01T01:00:00Z", annotator="A02"),
        version("draft", 4, "2026-01-01T05:00:00Z", status="draft"),
        version("draft", 5, "2026-01-01T05:00:00Z", status="draft-closed"),
    ]
    table = labels_table(history)
    rows = table[["annotation_id", "annotator", "label", "status", "is_latest"]].astype(object)
    assert rows.where(rows.notna(), None).values.tolist() == [
        ["A01/annotation/2", "A01", None, "skipped", False],
        ["A01/annotation/1", "A01", "same object", "labelled", True],
        ["A01/draft/4", "A01", "unrelated", "draft", False],
        ["A02/annotation/3", "A02", "unrelated", "labelled", True],
    ]
    assert str(table["created_at"].dtype) == "datetime64[us, UTC]"
    assert labels_table([]).columns.tolist() == table.columns.tolist()
