"""EDM collections in a study: a folder of every EDM form reconciled, config errors, the ingest counts.
How EDM is read: tests/museum_formats/test_formats_edm.py."""

from pathlib import Path

import pytest
from ingest_helpers import assert_reconciles, fixture_study, records_by_id
from typer.testing import CliRunner

from heritage_weaver.config import ConfigError, load_config
from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from ingest import ingest_collections

FIXTURES = Path(__file__).parent / "fixtures" / "edm"
PAINTING = "https://museum.example.nl/object/SK-101"
RECORDING = "https://museum.example.nl/object/AU-7"
COFFEE_POT = "http://data.europeana.eu/item/2048/item_17"
MAP = "/9200579/ark_12148_btv1b8446771"


def _study(folder: Path, path: str = "data", extra: str = "") -> Workspace:
    return fixture_study(folder, FIXTURES, f'name = "edm"\nformat = "edm"\npath = "{path}"\n{extra}')


def test_a_folder_reads_rdf_xml_and_json_files(tmp_path):
    result = ingest_collections(_study(tmp_path, "data"))
    counts = result.counts[0]
    # external.rdf 2, oai-internal.xml 3 (1 deleted, 1 without an object), record-api*.json 2 (1 error).
    assert (counts.rows, counts.accepted, counts.rejected) == (7, 4, 3)
    assert sorted(records_by_id(result)) == sorted([PAINTING, RECORDING, COFFEE_POT, MAP])
    assert_reconciles(result)


def test_fields_name_edm_properties(tmp_path):
    _study(tmp_path, "data", 'fields = { maker = "creator" }\n')
    with pytest.raises(ConfigError, match=r"collections\.0") as error:
        load_config(tmp_path / "study.toml")
    assert "an edm collection maps dc:, dcterms: or edm: properties (dc:creator), not ['creator']" in str(error.value)


def test_hw_ingest_prints_the_edm_counts(tmp_path):
    _study(tmp_path, "data")
    result = CliRunner().invoke(app, ["ingest", "--study", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "edm:isShownBy" in result.output
