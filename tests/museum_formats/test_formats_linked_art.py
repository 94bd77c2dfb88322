"""Linked Art JSON-LD: names, statements, every image pattern, pre-1.0 records; every value accounted for."""

import json

from formats_helpers import FIXTURES, read

LINKED_ART = FIXTURES / "linked_art"
VASE = "https://data.example-museum.org/object/vase-17"
ALL_FIELDS = {
    "materials": "materials",
    "maker": "maker",
    "date": "date",
    "accession": "accession_number",
    "manifest": "manifest",
    "work_type": "type_uri",
    "dimensions": "aat:300435430",
}


def test_a_1_0_object_every_field_and_image_pattern():
    result = read("linked_art", LINKED_ART / "vase.json", fields=ALL_FIELDS)
    vase = result.records()[VASE]
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
    assert result.dropped_of(VASE) == [
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
    fields = result.fields()
    # 4 access points and 2 direct ids read: 3 images kept.
    assert fields["digitally_shown_by"] == (4, 2)
    assert fields["representation"] == (2, 1)
    assert fields["referred_to_by"] == (4, 1)


def test_unmapped_statements_and_the_manifest_are_counted_as_not_used():
    result = read("linked_art", LINKED_ART / "vase.json")
    dropped = result.dropped_of(VASE)
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
    assert result.records()[VASE]["images"][0].endswith("/vase-17-front/full/max/0/default.jpg")


def test_languages_choose_the_french_name_and_description():
    result = read("linked_art", LINKED_ART / "vase.json", languages=["fr", "en"])
    vase = result.records()[VASE]
    # The French description, and the one that states no language (it is not a repeat in French).
    assert (vase["name"], vase["description"]) == (
        "Vase à décor de grues",
        "Vase en porcelaine peint de grues en vol. Porcelain vase painted with cranes in flight.",
    )


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
    (tmp_path / "print.json").write_text(json.dumps(record))
    result = read("linked_art", tmp_path, fields={"materials": "materials"})
    printed = result.records()["https://museum.example.edu/data/object/print-1"]
    assert (printed["name"], printed["description"]) == ("The Print", "A print of a harbour.")
    assert (printed["category"], printed["materials"]) == ("etching", "Etching")
    assert (
        "referred_to_by",
        "By request",
        "a statement not used (Access Statement); map its concept in `fields` to keep it",
    ) in result.dropped_of("https://museum.example.edu/data/object/print-1")


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
    (tmp_path / "minerva.json").write_text(json.dumps(record))
    result = read("linked_art", tmp_path, fields={"materials": "materials"})
    minerva = result.records()["https://data.example-museum.org/object/minerva"]
    assert minerva["description"] == "Goddess of war and wisdom. A marble statue."
    assert minerva["materials"] == "Marble"
    assert [(value, reason.split(";")[0]) for _, value, reason in result.dropped_of(minerva["record_id"])] == [
        ("Object: 144 cm", "a statement not used (Dimensions Description, Brief Text)"),
        ("England", "a statement not used (Creation Place Description, Brief Text)"),
    ]


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
    (tmp_path / "bust.json").write_text(json.dumps(record))
    result = read("linked_art", tmp_path, fields={"manifest": "manifest"})
    bust = result.records()["https://data.example-museum.org/object/bust"]
    assert bust["manifest"] == "https://media.example-museum.org/iiif/manifest/bust-1"
    assert result.dropped_of(bust["record_id"]) == [
        (
            "subject_of",
            "https://www.example-museum.org/object/bust",
            "a page about the object (subject_of), neither an IIIF manifest nor an image",
        )
    ]


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
    result = read("linked_art", LINKED_ART / "vase.json", manifests=manifests)
    images = result.records()[VASE]["images"]
    assert images[-2:] == [
        "https://images.example-museum.org/vase-17-base.jpg",
        "https://images.example-museum.org/vase-17-lid.jpg",
    ]
    dropped = [value for field, value, _ in result.dropped_of(VASE) if field == "subject_of"]
    assert dropped == ["https://www.example-museum.org/collection/vase-17"]  # the web page; the manifest was used
