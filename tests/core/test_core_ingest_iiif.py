"""IIIF collections in a study: a folder of manifests reconciled, config errors, the ingest counts.
How IIIF manifests are read: tests/museum_formats/test_formats_iiif.py."""

from pathlib import Path

import pytest
from ingest_helpers import assert_reconciles, fixture_study
from typer.testing import CliRunner

from heritage_weaver.config import ConfigError, load_config
from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from ingest import ingest_collections

FIXTURES = Path(__file__).parent / "fixtures" / "iiif"


def _study(folder: Path, path: str, extra: str = "") -> Workspace:
    return fixture_study(folder, FIXTURES, f'name = "iiif"\nformat = "iiif"\npath = "{path}"\n{extra}')


def test_a_folder_of_manifests_reconciles(tmp_path):
    result = ingest_collections(_study(tmp_path, "data"))
    counts = result.counts[0]
    assert (counts.rows, counts.accepted, counts.rejected, counts.images) == (6, 5, 1, 12)
    assert_reconciles(result)


@pytest.mark.parametrize(
    ("path", "extra", "message"),
    [
        ("data/nothing", "", "collections.0.path: no file, and no .json file in or matching"),
        ("data/v2-manifest.json", 'iiif_records = "page"\n', "collections.0.iiif_records"),
    ],
)
def test_config_errors_name_the_key(tmp_path, path, extra, message):
    _study(tmp_path, path, extra)
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path / "study.toml")
    assert message in str(error.value)


def test_iiif_records_is_refused_for_other_formats(tmp_path):
    (tmp_path / "a.csv").write_text("id,name\n1,x\n")
    (tmp_path / "study.toml").write_text(
        '[study]\nname = "t"\n[models]\nbase = "models/base"\n[[collections]]\nname = "c"\nformat = "csv"\n'
        'path = "a.csv"\ncolumns = { record_id = "id", name = "name" }\niiif_records = "canvas"\n'
    )
    with pytest.raises(ConfigError, match=r'collections\.0\.iiif_records: .*it applies to format = "iiif" only'):
        load_config(tmp_path / "study.toml")


def test_hw_ingest_prints_the_iiif_counts(tmp_path):
    _study(tmp_path, "data")
    result = CliRunner().invoke(app, ["ingest", "--study", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "6 rows = 5 accepted + 1 rejected" in text
    assert "48 values read from accepted rows = 27 kept + 21 dropped" in text


def test_columns_of_an_iiif_collection_name_description_and_category_only(tmp_path):
    _study(tmp_path, "data/v3-manifest.json", 'columns = { name = "Title" }\n')
    with pytest.raises(ConfigError, match=r"an iiif collection maps \['description', 'category'\]"):
        load_config(tmp_path / "study.toml")
