"""Linked Art collections in a study: a folder of 1.0 and pre-1.0 records reconciled, and config errors.
How Linked Art is read: tests/museum_formats/test_formats_linked_art.py."""

from pathlib import Path

import pytest
from ingest_helpers import assert_reconciles, dropped_of, fixture_study, records_by_id

from heritage_weaver.config import ConfigError, load_config
from heritage_weaver.workspace import Workspace
from ingest import ingest_collections

FIXTURES = Path(__file__).parent / "fixtures" / "linked_art"
JUG = "https://data.example-museum.org/object/jug-3"
SHERD = "https://data.example-museum.org/object/sherd-8"
ALL_FIELDS = (
    'fields = { materials = "materials", maker = "maker", date = "date", accession = "accession_number", '
    'manifest = "manifest", work_type = "type_uri", dimensions = "aat:300435430" }\n'
)


def _study(folder: Path, path: str = "data", extra: str = "") -> Workspace:
    return fixture_study(folder, FIXTURES, f'name = "la"\nformat = "linked_art"\npath = "{path}"\n{extra}')


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


def test_manifests_that_hold_no_file_are_a_config_error(tmp_path):
    _study(tmp_path, "data/vase.json", 'manifests = "nowhere"\n')
    with pytest.raises(ConfigError, match=r"collections\.0\.manifests: no file, and no \.json file in or matching"):
        load_config(tmp_path / "study.toml")
