"""Linked Art JSON-LD: names, statements, every image pattern, pre-1.0 records; every value accounted for."""

import json
from pathlib import Path

import pytest
from ingest_helpers import assert_reconciles, dropped_of, fixture_study, records_by_id

from heritage_weaver.config import ConfigError, load_config
from heritage_weaver.workspace import Workspace
from ingest import ingest_collections

FIXTURES = Path(__file__).parent / "fixtures" / "linked_art"
VASE = "https://data.example-museum.org/object/vase-17"
JUG = "https://data.example-museum.org/object/jug-3"
SHERD = "https://data.example-museum.org/object/sherd-8"
ALL_FIELDS = (
    'fields = { materials = "materials", maker = "maker", date = "date", accession = "accession_number", '
    'manifest = "manifest", work_type = "type_uri", dimensions = "aat:300435430" }\n'
)


def _study(folder: Path, path: str = "data", extra: str = "") -> Workspace:
    return fixture_study(folder, FIXTURES, f'name = "la"\nformat = "linked_art"\npath = "{path}"\n{extra}')


def test_a_1_0_object_every_field_and_image_pattern(tmp_path):
    result = ingest_collections(_study(tmp_path, "data/vase.json", ALL_FIELDS))
    vase = records_by_id(result)[VASE]
    # The primary name in English (languages = ["en"]): not the French primary name, nor the other English name.
    assert vase["name"] == "Vase with cranes"
    # The English description, markup out; the French one and the repeat without a language are dropped.
    assert vase["description"] == "Porcelain vase painted with cranes in flight."
    assert vase["category"] == "vases"  # the classification that is a Type of Work comes first
    # digitally_shown_by: the IIIF service at full size, then the JPEG; then a VisualItem's direct id.
    assert vase["images"] == [
        "https://iiif.example-museum.org/image/vase-17-front/full/max/0/default.jpg",
        "https://media.example-museum.org/vase-17-back.jpg",
        "https://media.example-museum.org/vase-17-base.png",
    ]
    assert {key: vase[key] for key in ("materials", "maker", "date", "accession", "manifest", "work_type")} == {
        "materials": "Hard-paste porcelain, overglaze enamels",  # a material statement, though marked Brief Text
        "maker": "Makuzu Kōzan",
        "date": "1890-01-01/1900-12-31",
        "accession": "1921.17",
        "manifest": "https://iiif.example-museum.org/manifest/vase-17",  # recorded, not taken for an image
        "work_type": "http://vocab.getty.edu/aat/300132254",
    }
    assert vase["dimensions"] == "H. 31.5 cm"  # a statement mapped by its AAT concept
    assert dropped_of(result, VASE) == [
        ("identified_by", "Crane vase", "an alternative or further value (one is kept, preferred first)"),
        ("identified_by", "Vase à décor de grues", "in another language than the value kept (languages)"),
        (
            "referred_to_by",
            "Bought in Kyoto, 1921",
            "a statement not used (Provenance Statement); map its concept in `fields` to keep it",
        ),
        (
            "referred_to_by",
            "Vase en porcelaine peint de grues en vol.",
            "in another language than the value kept (languages)",
        ),
        ("referred_to_by", "Porcelain vase painted with cranes in flight.", "repeats an earlier value"),
        ("classified_as", "decorative arts", "a further classification (a record keeps one category)"),
        ("classified_as", "http://vocab.getty.edu/aat/300133025", "a classification without a _label"),
        ("digitally_shown_by", "https://media.example-museum.org/vase-17-tour", "a sound (format audio/mpeg)"),
        ("digitally_shown_by", "https://media.example-museum.org/vase-17-report.pdf", "a PDF file (.pdf)"),
        (
            "representation",
            "https://media.example-museum.org/vase-17-back.jpg",
            "repeats an earlier image of the record",
        ),
        (
            "subject_of",
            "https://www.example-museum.org/collection/vase-17",
            "a page about the object (subject_of), neither an IIIF manifest nor an image",
        ),
        ("type_uri", "http://vocab.getty.edu/aat/300054168", "a further value (a record keeps one per extra field)"),
        ("type_uri", "http://vocab.getty.edu/aat/300133025", "a further value (a record keeps one per extra field)"),
    ]
    fields = result.counts[0].fields
    # 4 access points and 2 direct ids read: 3 images kept.
    assert (fields["digitally_shown_by"].read, fields["digitally_shown_by"].kept) == (4, 2)
    assert (fields["representation"].read, fields["representation"].kept) == (2, 1)
    assert (fields["referred_to_by"].read, fields["referred_to_by"].kept) == (4, 1)
    assert_reconciles(result)


def test_unmapped_statements_and_the_manifest_are_counted_as_not_used(tmp_path):
    result = ingest_collections(_study(tmp_path, "data/vase.json"))
    dropped = dropped_of(result, VASE)
    assert (
        "referred_to_by",
        "Hard-paste porcelain, overglaze enamels",
        "a statement not used (Material Statement); map its concept in `fields` to keep it",
    ) in dropped
    assert (
        "subject_of",
        "https://iiif.example-museum.org/manifest/vase-17",
        "an IIIF manifest of the object, not among the local `manifests` (kept where `fields` maps manifest)",
    ) in dropped
    assert records_by_id(result)[VASE]["images"][0].endswith("/vase-17-front/full/max/0/default.jpg")
    assert_reconciles(result)


def test_a_folder_pre_1_0_records_and_rejects(tmp_path):
    result = ingest_collections(_study(tmp_path, "data", ALL_FIELDS))
    records = records_by_id(result)
    counts = result.counts[0]
    assert (counts.rows, counts.accepted, counts.rejected) == (5, 3, 2)
    # A ManMadeObject with `label` and `value`: read as a 1.0 record.
    jug = records[JUG]
    assert (jug["name"], jug["description"], jug["category"], jug["images"]) == (
        "Stoneware jug",
        "Salt-glazed stoneware jug with a pewter lid.",
        "jugs",
        ["https://media.example-museum.org/jug-3.jpg"],
    )
    assert jug["source_file"] == str(tmp_path / "data" / "more" / "old-jug.jsonld")
    # No Names: the label is the name; the 3D model is no image.
    assert (records[SHERD]["name"], records[SHERD]["images"]) == ("Sherd, blue and white", [])
    assert dropped_of(result, SHERD) == [
        ("digitally_shown_by", "https://media.example-museum.org/sherd-8.glb", "a 3D model (format model/gltf-binary)")
    ]
    rejects = {Path(r["source_file"]).name: (r["field"], r["reason"]) for r in result.rejects.to_pylist()}
    assert rejects == {
        "broken.json": ("(file)", "malformed JSON (Expecting ',' delimiter at line 3, column 1)"),
        "person.json": ("type", "not a Linked Art object (type Person; an object is a HumanMadeObject)"),
    }
    assert_reconciles(result)


def test_languages_choose_the_french_name_and_description(tmp_path):
    result = ingest_collections(_study(tmp_path, "data/vase.json", 'languages = ["fr", "en"]\n'))
    vase = records_by_id(result)[VASE]
    # The French description, and the one that states no language (it is not a repeat in French).
    assert (vase["name"], vase["description"]) == (
        "Vase à décor de grues",
        "Vase en porcelaine peint de grues en vol. Porcelain vase painted with cranes in flight.",
    )
    assert_reconciles(result)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('fields = { maker = "creator" }\n', "a linked_art collection maps ['maker', 'date'"),
        ('fields = { maker = "aat:30043x" }\n', "not ['aat:30043x']"),
    ],
)
def test_config_names_what_fields_may_map(tmp_path, extra, message):
    _study(tmp_path, "data", extra)
    with pytest.raises(ConfigError, match=r"collections\.0") as error:
        load_config(tmp_path / "study.toml")
    assert message in str(error.value)


def _own_concept(number: int, label: str, metatype: str | None = None) -> dict:
    concept = {"id": f"https://museum.example.edu/data/concept/{number}", "type": "Type", "_label": label}
    if metatype:
        concept["classified_as"] = [_own_concept(number + 100, metatype)]
    return concept


def test_concepts_a_museum_names_with_its_own_uris_are_known_by_their_labels(tmp_path):
    # Yale's LUX classifies names, statements and types with its own concept URIs, not AAT ones.
    english = {"id": "https://museum.example.edu/data/concept/1", "type": "Language", "_label": "English"}
    record = {
        "@context": "https://linked.art/ns/v1/linked-art.json",
        "id": "https://museum.example.edu/data/object/print-1",
        "type": "HumanMadeObject",
        "identified_by": [
            {"type": "Name", "content": "Gravure", "language": [_own_concept(2, "French")]},
            {
                "type": "Name",
                "content": "The Print",
                "language": [english],
                "classified_as": [_own_concept(3, "Primary")],
            },
        ],
        "classified_as": [_own_concept(4, "Visual Works", "Super Type"), _own_concept(5, "etching", "Type of Work")],
        "referred_to_by": [
            {
                "type": "LinguisticObject",
                "content": "Etching",
                "classified_as": [_own_concept(6, "Material Statement", "Brief Text")],
            },
            {
                "type": "LinguisticObject",
                "content": "By request",
                "classified_as": [_own_concept(7, "Access Statement", "Brief Text")],
            },
            {
                "type": "LinguisticObject",
                "content": "A print of a harbour",
                "language": [english],
                "classified_as": [_own_concept(8, "Description", "Brief Text")],
            },
        ],
    }
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "print.json").write_text(json.dumps(record))
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "t"\n[models]\nbase = "models/base"\n'
        '[[collections]]\nname = "la"\nformat = "linked_art"\npath = "data"\nfields = { materials = "materials" }\n'
    )
    result = ingest_collections(Workspace.open(tmp_path))
    printed = records_by_id(result)["https://museum.example.edu/data/object/print-1"]
    assert (printed["name"], printed["description"]) == ("The Print", "A print of a harbour.")
    assert (printed["category"], printed["materials"]) == ("etching", "Etching")
    assert (
        "referred_to_by",
        "By request",
        "a statement not used (Access Statement); map its concept in `fields` to keep it",
    ) in dropped_of(result, "https://museum.example.edu/data/object/print-1")
    assert_reconciles(result)


def _aat(number: str, label: str) -> dict:
    return {"id": f"http://vocab.getty.edu/aat/{number}", "type": "Type", "_label": label}


def test_statements_marked_brief_text_beside_their_own_kind_are_not_descriptions(tmp_path):
    # The Getty classifies every statement as Brief Text beside its kind, and its descriptions as aat:300080091.
    brief = _aat("300418049", "Brief Text")

    def statement(text: str, *kinds: dict) -> dict:
        return {"type": "LinguisticObject", "content": text, "classified_as": [*kinds, brief]}

    record = {
        "id": "https://data.example-museum.org/object/minerva",
        "type": "HumanMadeObject",
        "_label": "Minerva",
        "referred_to_by": [
            statement("Goddess of war and wisdom.", _aat("300080091", "Description")),
            statement("Object: 144 cm", _aat("300435430", "Dimensions Description")),
            statement("Marble", _aat("300435429", "Materials Description")),
            statement("England", _aat("300435448", "Creation Place Description")),
            {"type": "LinguisticObject", "content": "A marble statue", "classified_as": [brief]},
        ],
    }
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "minerva.json").write_text(json.dumps(record))
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "t"\n[models]\nbase = "models/base"\n'
        '[[collections]]\nname = "la"\nformat = "linked_art"\npath = "data"\nfields = { materials = "materials" }\n'
    )
    result = ingest_collections(Workspace.open(tmp_path))
    minerva = records_by_id(result)["https://data.example-museum.org/object/minerva"]
    assert minerva["description"] == "Goddess of war and wisdom. A marble statue."
    assert minerva["materials"] == "Marble"
    assert [(value, reason.split(";")[0]) for _, value, reason in dropped_of(result, minerva["record_id"])] == [
        ("Object: 144 cm", "a statement not used (Dimensions Description, Brief Text)"),
        ("England", "a statement not used (Creation Place Description, Brief Text)"),
    ]
    assert_reconciles(result)


def test_a_subject_of_entry_without_a_carrier_is_its_own_manifest_or_page(tmp_path):
    # The Getty writes its IIIF manifest and home page as subject_of entries with their own id and format.
    record = {
        "id": "https://data.example-museum.org/object/bust",
        "type": "HumanMadeObject",
        "_label": "Bust",
        "subject_of": [
            {"id": "https://www.example-museum.org/object/bust", "type": "LinguisticObject", "format": "text/html"},
            {
                "id": "https://media.example-museum.org/iiif/manifest/bust-1",
                "type": "LinguisticObject",
                "conforms_to": [{"id": "http://iiif.io/api/presentation", "type": "InformationObject"}],
                "format": 'application/ld+json;profile="http://iiif.io/api/presentation/2/context.json"',
            },
        ],
    }
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "bust.json").write_text(json.dumps(record))
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "t"\n[models]\nbase = "models/base"\n'
        '[[collections]]\nname = "la"\nformat = "linked_art"\npath = "data"\nfields = { manifest = "manifest" }\n'
    )
    result = ingest_collections(Workspace.open(tmp_path))
    bust = records_by_id(result)["https://data.example-museum.org/object/bust"]
    assert bust["manifest"] == "https://media.example-museum.org/iiif/manifest/bust-1"
    assert dropped_of(result, bust["record_id"]) == [
        (
            "subject_of",
            "https://www.example-museum.org/object/bust",
            "a page about the object (subject_of), neither an IIIF manifest nor an image",
        )
    ]
    assert_reconciles(result)


def test_the_images_of_a_manifest_given_locally_are_read_one_per_canvas(tmp_path):
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    canvas = {
        "id": "https://iiif.example-museum.org/canvas/vase-17/{n}",
        "type": "Canvas",
        "items": [
            {
                "type": "AnnotationPage",
                "items": [
                    {
                        "type": "Annotation",
                        "motivation": "painting",
                        "body": {
                            "id": "https://images.example-museum.org/vase-17-{side}.jpg",
                            "type": "Image",
                            "format": "image/jpeg",
                        },
                    }
                ],
            }
        ],
    }
    items = [
        json.loads(json.dumps(canvas).replace("{n}", str(n)).replace("{side}", side))
        for n, side in ((1, "base"), (2, "lid"))
    ]
    manifest = {
        "@context": "http://iiif.io/api/presentation/3/context.json",
        "id": "http://iiif.example-museum.org/manifest/vase-17/",  # written with another scheme and a slash
        "type": "Manifest",
        "label": {"en": ["Vase"]},
        "items": items,
    }
    (manifests / "vase-17.json").write_text(json.dumps(manifest))  # one line: a manifest, not JSON lines
    (manifests / "broken.json").write_text("{ not json")
    result = ingest_collections(_study(tmp_path, "data/vase.json", 'manifests = "manifests"\n'))
    images = records_by_id(result)[VASE]["images"]
    assert images[-2:] == [
        "https://images.example-museum.org/vase-17-base.jpg",
        "https://images.example-museum.org/vase-17-lid.jpg",
    ]
    dropped = [value for field, value, _ in dropped_of(result, VASE) if field == "subject_of"]
    assert dropped == ["https://www.example-museum.org/collection/vase-17"]  # the web page; the manifest was used
    assert_reconciles(result)
    with pytest.raises(ConfigError, match="manifests: no file"):
        load_config(_study(tmp_path / "other", "data/vase.json", 'manifests = "nowhere"\n').root / "study.toml")
