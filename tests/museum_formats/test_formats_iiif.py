"""IIIF Presentation manifests, v2 and v3: every manifest, canvas, text and image accounted for."""

import json
import shutil
from pathlib import Path

import pytest
from formats_helpers import FIXTURES, Read, read

from museum_formats.iiif.image_api import sized

IIIF = FIXTURES / "iiif"
OTHER_LANGUAGE = "in another language than the value kept (languages)"
NOT_MAPPED = "a metadata pair whose label neither `fields` nor `columns` names"
IMAGES = "https://images.example.org"
V2 = "https://iiif.example.org/presentation/hw-v2-001"
V3 = "https://iiif.example.org/presentation/hw-v3-002"
ALBUM = "https://iiif.example.org/presentation/hw-album-005"


def _dropped(result: Read) -> list[tuple[str, str, str]]:
    return [(field, value, reason) for _, field, value, reason in result.dropped()]


def _field_counts(result: Read) -> dict[str, tuple[int, int]]:
    """Per source field: (values kept, values dropped)."""
    return {name: (kept, read - kept) for name, (read, kept) in sorted(result.fields().items())}


def _reconciles(result: Read, rows: int, accepted: int, read: int) -> None:
    """The rows, accepted rows and values read this test expects."""
    values_read = sum(count for count, _ in result.fields().values())
    assert (len(result.rows), len(result.accepted), values_read) == (rows, accepted, read)


def test_v2_manifest_every_field_and_reason():
    fields = {"artist": "Artist", "date": "date"}  # labels match whatever their case
    result = read("iiif", IIIF / "v2-manifest.json", fields=fields)
    [record] = result.records().values()
    assert record["record_id"] == f"{V2}/manifest" and record["source_position"] == 1
    assert record["name"] == "Portrait of a woman"
    # The English description of two paragraphs, its markup and &nbsp; out.
    assert record["description"] == "Oil on panel. Bought in 1902 at auction."
    assert (record["artist"], record["date"]) == ("Unknown Netherlandish painter", "about 1530")
    # One image per canvas of the first sequence, in order: the v2 service at full size (Image API 2: `full`),
    # the plain JPEG, a Choice's default; the frame canvas paints nothing.
    assert record["images"] == [
        f"{IMAGES}/iiif/2/hw-v2-001-front/full/full/0/default.jpg",
        f"{IMAGES}/photos/hw-v2-001-back.jpg",
        f"{IMAGES}/photos/hw-v2-001-xray.jpg",
    ]
    assert sorted(_dropped(result)) == sorted(
        [
            ("label", "Bildnis einer Frau", OTHER_LANGUAGE),
            ("description", "Öl auf Holz.", OTHER_LANGUAGE),
            ("metadata[date]", "um 1530", OTHER_LANGUAGE),
            ("metadata[Credit line]", "Purchased, 1902", NOT_MAPPED),
            (
                "sequences",
                f"{V2}/sequence/reverse",
                "a further sequence (another order of the same canvases; the first is read)",
            ),
            ("image", f"{IMAGES}/photos/hw-v2-001-infrared.jpg", "another option of a Choice (the first is kept)"),
            ("canvas", f"{V2}/canvas/c4", "a canvas without a painting annotation"),
        ]
    )
    assert _field_counts(result) == {
        "canvas": (0, 1),
        "description": (1, 1),
        "id": (1, 0),
        "image": (3, 1),
        "label": (1, 1),
        "metadata[Artist]": (1, 0),
        "metadata[Credit line]": (0, 1),
        "metadata[date]": (1, 1),
        "sequences": (0, 1),
    }
    _reconciles(result, rows=1, accepted=1, read=15)


def test_v3_manifest_language_maps_html_and_metadata():
    result = read("iiif", IIIF / "v3-manifest.json", fields={"maker": "Maker", "material": "Material"})
    [record] = result.records().values()
    assert record["name"] == "Tea bowl"
    # The English summary (two paragraphs, <b> out) and the value in no language, as sentences.
    assert record["description"] == "Stoneware with a tenmoku glaze. Fired in Seto. Seto ware."
    assert (record["maker"], record["material"]) == ("Kato Tamikichi", "stoneware")
    assert record["images"] == [
        f"{IMAGES}/iiif/3/hw-v3-002-a/full/max/0/default.jpg",
        f"{IMAGES}/iiif/3/hw-v3-002-b/full/max/0/default.jpg",
    ]
    assert sorted(_dropped(result)) == sorted(
        [
            ("label", "茶碗", OTHER_LANGUAGE),
            ("label", "Bol à thé", OTHER_LANGUAGE),
            ("summary", "Grès à glaçure tenmoku.", OTHER_LANGUAGE),
            ("metadata[Material]", "grès", OTHER_LANGUAGE),
            ("metadata[Material]", "iron glaze", "a further value (a record keeps one per extra field)"),
            ("metadata[Dimensions]", "7.2 cm high", NOT_MAPPED),
            ("image", f"{IMAGES}/media/hw-v3-002-turntable.mp4", "a Video body, not an image"),
            (
                "image",
                f"{IMAGES}/photos/hw-v3-002-b-label.png",
                "a further painting of the same canvas (one image per canvas)",
            ),
        ]
    )
    # id, label, the two summary values, maker, material and two images are kept.
    _reconciles(result, rows=1, accepted=1, read=16)


def test_languages_choose_among_the_translations():
    fields = {"maker": "Auteur", "material": "matériau"}
    result = read("iiif", IIIF / "v3-manifest.json", languages=["fr", "en"], fields=fields)
    [record] = result.records().values()
    assert record["name"] == "Bol à thé"
    assert record["description"] == "Grès à glaçure tenmoku. Seto ware."  # French, and the value in no language
    # A label matches in any of its languages; the value in no language goes with any.
    assert (record["maker"], record["material"]) == ("Kato Tamikichi", "grès")
    german = read("iiif", IIIF / "v3-manifest.json", languages=["de"])
    assert german.accepted[0].name == "Tea bowl"  # no German label: the first value


def test_v3_manifest_with_v2_services_and_their_sized_urls():
    result = read("iiif", IIIF / "v3-with-v2-service.json")
    [record] = result.records().values()
    assert (record["name"], record["description"]) == ("Astrolabe", "Brass, engraved; Persian, 17th century.")
    # The v2 services (an @id with @type ImageService2; one named by its @context only, after an auth service)
    # give their full size as Image API 2 asks for it, not the 600-pixel body nor the thumbnail.
    full = [
        f"{IMAGES}/iiif/2/hw-v3-003-front/full/full/0/default.jpg",
        f"{IMAGES}/iiif/2/hw-v3-003-back/full/full/0/default.jpg",
    ]
    assert record["images"] == full
    assert [sized(url, 448) for url in full] == [
        f"{IMAGES}/iiif/2/hw-v3-003-front/full/!448,448/0/default.jpg",
        f"{IMAGES}/iiif/2/hw-v3-003-back/full/!448,448/0/default.jpg",
    ]
    _reconciles(result, rows=1, accepted=1, read=5)  # id, label, summary, two images, nothing dropped


def test_a_service_without_a_body_url_and_a_body_without_a_service_id():
    result = read("iiif", IIIF / "service-without-body-url.json")
    [record] = result.records().values()
    assert record["images"] == [
        f"{IMAGES}/iiif/3/hw-v3-004-a/full/max/0/default.jpg",  # the service, though the body states no id
        f"{IMAGES}/photos/hw-v3-004-c.jpg",  # the body's URL, its service stating no id
    ]
    assert _dropped(result) == [
        (
            "image",
            '{"type": "Image", "format": "image/jpeg"}',
            "a painting body with neither an IIIF image service nor a URL",
        )
    ]
    assert [sized(url, 300) for url in record["images"]] == [
        f"{IMAGES}/iiif/3/hw-v3-004-a/full/!300,300/0/default.jpg",
        None,  # not an IIIF image: fetched as it is
    ]
    _reconciles(result, rows=1, accepted=1, read=5)


def test_each_canvas_a_record():
    result = read("iiif", IIIF / "canvas-per-record.json", iiif_records="canvas", fields={"artist": "Artist"})
    records = list(result.records().values())
    assert [(r["record_id"], r["source_position"]) for r in records] == [
        (f"{ALBUM}/canvas/f1", 1),
        (f"{ALBUM}/canvas/f2", 2),
    ]
    assert [(r["name"], r["description"], r["artist"]) for r in records] == [
        ("Rosa canina", "Dog rose, watercolour over graphite.", "M. Hartley"),
        ("Bellis perennis", "", "M. Hartley"),
    ]
    assert [r["images"] for r in records] == [
        [f"{IMAGES}/iiif/3/hw-album-005-f1/full/max/0/default.jpg"],
        [f"{IMAGES}/iiif/3/hw-album-005-f2/full/max/0/default.jpg"],
    ]
    # The third canvas has neither label nor summary; the Range among the items is counted on the first canvas.
    assert [(r["source_position"], r["reason"]) for r in result.rejects()] == [(3, "empty name and description")]
    assert sorted(_dropped(result)) == [
        ("canvas", f"{ALBUM}/range/flowers", "not a Canvas"),
        ("label", "Hunds-Rose", OTHER_LANGUAGE),
    ]
    _reconciles(result, rows=3, accepted=2, read=11)
    # By default the same file is one record, one image per canvas.
    [album] = read("iiif", IIIF / "canvas-per-record.json").records().values()
    assert (album["name"], len(album["images"])) == ("Album of botanical drawings", 3)


@pytest.mark.parametrize("path", ["", "*.json", "**/*.json"])
def test_a_folder_or_glob_reads_every_manifest_and_refuses_a_collection(path):
    result = read("iiif", IIIF / path)
    assert sorted(Path(r["source_file"]).name for r in result.records().values()) == [
        "canvas-per-record.json",
        "service-without-body-url.json",
        "v2-manifest.json",
        "v3-manifest.json",
        "v3-with-v2-service.json",
    ]
    [reject] = result.rejects()
    assert Path(reject["source_file"]).name == "collection.json"
    assert reject["reason"].startswith("an IIIF Collection, not a Manifest")
    assert sum(len(row.image_refs) for row in result.accepted) == 12
    _reconciles(result, rows=6, accepted=5, read=48)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"type": "Manifest", "label": ', "malformed JSON (Expecting value at line 1, column 31)"),
        ('[{"type": "Manifest"}]', "expected a JSON object (got list)"),
        ('{"@type": "dcat:Dataset", "title": "x"}', "not an IIIF Presentation manifest (type 'dcat:Dataset')"),
        ('{"type": "Manifest", "label": {"en": ["No id"]}}', "missing record_id (no id)"),
        (
            '{"type": "Manifest", "id": "https://x.example/m", "items": [{"id": "c", "type": "Canvas"}]}',
            "empty name and description",
        ),
    ],
)
def test_files_that_hold_no_manifest_are_rejected_with_the_reason(tmp_path, content, reason):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bad.json").write_text(content)
    shutil.copy(IIIF / "v3-manifest.json", tmp_path / "data")
    result = read("iiif", tmp_path / "data")
    assert [(Path(r["source_file"]).name, r["reason"]) for r in result.rejects()] == [("bad.json", reason)]
    assert len(result.accepted) == 1


def test_canvas_records_of_a_manifest_without_canvases_are_one_reject(tmp_path):
    (tmp_path / "data").mkdir()
    manifest = {"type": "Manifest", "id": "https://x.example/m", "label": {"en": ["Empty"]}, "items": []}
    (tmp_path / "data" / "m.json").write_text(json.dumps(manifest))
    result = read("iiif", tmp_path / "data", iiif_records="canvas")
    assert [r["reason"] for r in result.rejects()] == ['a manifest without canvases (iiif_records = "canvas")']
    _reconciles(result, rows=1, accepted=0, read=0)


def test_annotations_that_do_not_paint_are_dropped_with_their_motivation(tmp_path):
    (tmp_path / "data").mkdir()
    annotations = [
        {
            "type": "Annotation",
            "motivation": "supplementing",
            "body": {"id": "https://x.example/t.vtt", "type": "Text"},
        },
        {"type": "Annotation", "motivation": ["painting"], "body": {"id": "https://x.example/a.jpg", "type": "Image"}},
    ]
    canvas = {"id": "c1", "type": "Canvas", "items": [{"type": "AnnotationPage", "items": annotations}]}
    manifest = {"type": "Manifest", "id": "https://x.example/m", "label": {"en": ["Jug"]}, "items": [canvas]}
    (tmp_path / "data" / "m.json").write_text(json.dumps(manifest))
    result = read("iiif", tmp_path / "data")
    assert result.accepted[0].image_refs == ["https://x.example/a.jpg"]
    assert _dropped(result) == [
        ("image", "https://x.example/t.vtt", "an annotation that does not paint the canvas (motivation supplementing)")
    ]
    _reconciles(result, rows=1, accepted=1, read=4)


def test_columns_take_the_description_and_category_from_metadata_pairs(tmp_path):
    """As some museums publish: the label in `@none`, the description and object type only as metadata."""
    (tmp_path / "data").mkdir()
    pairs = [
        {"label": {"@none": ["Object Type"]}, "value": {"@none": ["Painting", "Panel painting"]}},
        {
            "label": {"@none": ["Description"]},
            "value": {"@none": ["<div>Two lovers in a park; <i>a</i> guitarist.</div>"]},
        },
        {"label": {"@none": ["Medium"]}, "value": {"@none": ["Oil on panel"]}},
    ]
    manifest = {
        "@context": ["http://www.w3.org/ns/anno.jsonld", "http://iiif.io/api/presentation/3/context.json"],
        "id": "https://x.example/m",
        "type": "Manifest",
        "label": {"@none": ["The surprise"]},
        "summary": {"en": ["A fête galante."]},
        "metadata": pairs,
    }
    (tmp_path / "data" / "m.json").write_text(json.dumps(manifest))
    columns = {"description": "description", "category": "Object Type"}
    result = read("iiif", tmp_path / "data", columns=columns, fields={"medium": "Medium"})
    [record] = result.records().values()
    assert (record["name"], record["category"], record["medium"]) == ("The surprise", "Painting", "Oil on panel")
    assert record["description"] == "A fête galante. Two lovers in a park; a guitarist."
    assert _dropped(result) == [("metadata[Object Type]", "Panel painting", "a further category (a record keeps one)")]
    _reconciles(result, rows=1, accepted=1, read=7)


def test_a_v3_choice_keeps_its_first_option(tmp_path):
    (tmp_path / "data").mkdir()
    options = [
        {"id": "https://x.example/natural.jpg", "type": "Image", "label": {"en": ["Natural light"]}},
        {"id": "https://x.example/x-ray.jpg", "type": "Image", "label": {"en": ["X-ray"]}},
    ]
    painting = {"type": "Annotation", "motivation": "painting", "body": {"type": "Choice", "items": options}}
    canvas = {"id": "c1", "type": "Canvas", "items": [{"type": "AnnotationPage", "items": [painting]}]}
    # No Presentation context (only the annotation one): the type says v3.
    manifest = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Manifest", "id": "m", "label": "Map"}
    (tmp_path / "data" / "m.json").write_text(json.dumps({**manifest, "items": [canvas]}))
    result = read("iiif", tmp_path / "data")
    assert result.accepted[0].image_refs == ["https://x.example/natural.jpg"]
    assert _dropped(result) == [
        ("image", "https://x.example/x-ray.jpg", "another option of a Choice (the first is kept)")
    ]
