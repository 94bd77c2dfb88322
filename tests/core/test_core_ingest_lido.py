"""LIDO collections in a study: their config errors, the ingest counts, ids repeated across files, and
the fingerprint of a folder. How LIDO is read: tests/museum_formats/test_formats_lido.py."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from ingest_helpers import assert_reconciles, fixture_study, records_by_id
from typer.testing import CliRunner

from heritage_weaver.config import ConfigError, load_config
from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from ingest import ingest_collections

FIXTURES = Path(__file__).parent / "fixtures" / "lido"
WRAP = "wrap-v1.0.xml"


def _study(folder: Path, path: str, extra: str = "") -> Workspace:
    return fixture_study(
        folder, FIXTURES, f'name = "lido"\nformat = "lido"\npath = "{path}"\nimage_roots = ["data/images"]\n{extra}'
    )


def test_folder_reads_every_xml_file_bom_and_crlf_included(tmp_path):
    workspace = _study(tmp_path, "data")
    result = ingest_collections(workspace)
    counts = result.counts[0]
    # 3 + 1 + 2 + 1 + 1 rows in the five files: the missing lidoRecID and the deleted record are rejected.
    assert (counts.rows, counts.accepted, counts.rejected) == (8, 6, 2)
    assert records_by_id(result)["bom-1"]["name"] == "Tea bowl"
    assert records_by_id(result)["bom-1"]["source_position"] == 4
    assert_reconciles(result)
    # The manifest fingerprints the folder, so a new file makes the records stale.
    assert workspace.artifact_state("records/records.parquet") == "done"
    (tmp_path / "data" / "more.xml").write_bytes((FIXTURES / "bare-v1.1.xml").read_bytes())
    assert workspace.artifact_state("records/records.parquet") == "stale"


@pytest.mark.parametrize(
    ("path", "extra", "message"),
    [
        ("data/images", "", "collections.0.path: no file, and no .xml file in or matching"),
        ("data/nothing-*.xml", "", "collections.0.path: no file, and no .xml file in or matching"),
        (f"data/{WRAP}", 'fields = { maker = "creator" }\n', "a lido collection maps ['maker', 'maker_uri'"),
    ],
)
def test_config_errors_name_the_key(tmp_path, path, extra, message):
    _study(tmp_path, path, extra)
    with pytest.raises(ConfigError, match=r"collections\.0") as error:
        load_config(tmp_path / "study.toml")
    assert message in str(error.value)


def test_hw_ingest_prints_the_lido_counts(tmp_path):
    _study(tmp_path, "data")
    result = CliRunner().invoke(app, ["ingest", "--study", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "linkResource" in result.output
    assert pq.read_table(tmp_path / "records" / "records.parquet").num_rows == 6


def test_a_record_id_repeated_in_another_file_is_rejected_naming_the_first(tmp_path):
    (tmp_path / "data").mkdir()
    for name in ("a.xml", "b.xml"):
        (tmp_path / "data" / name).write_bytes((FIXTURES / "bare-v1.1.xml").read_bytes())
    result = ingest_collections(_study(tmp_path, "data/[ab].xml"))
    [reject] = result.rejects.to_pylist()
    assert (reject["source_file"], reject["reason"]) == (
        str(tmp_path / "data" / "b.xml"),
        "duplicate record_id (first kept at a.xml:5)",
    )
    assert_reconciles(result)
