"""Open-data dumps in a study: the joined tables' rows and values reconciled, config errors, the CLI's
table of joined rows. How they are read: tests/museum_formats/test_formats_tables.py."""

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heritage_weaver.config import ConfigError, load_config
from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from ingest import ingest_collections
from museum_formats.csv.joins import NO_KEY
from museum_formats.mapping import FURTHER_NAME

FIXTURES = Path(__file__).parent / "fixtures"

NPG = """
[[collections]]
name = "npg"
format = "csv"
path = "npg/NPGObjects.csv"
columns = { record_id = "ObjectID", description = "Medium", category = "Classification" }

[[collections.joins]]
path = "npg/NPGObjTitles.csv"
on = "ObjectID"
order_by = "DisplayOrder"
columns = { name = "Title" }

[[collections.joins]]
path = "npg/NPGWebImageURLs.csv"
on = "ObjectID"
columns = { images = "Web Image Address" }
"""

TATE = """
[[collections]]
name = "tate"
format = "jsonl"
path = "{path}"
columns = {{ record_id = "acno", name = "title", description = "medium", images = "thumbnailUrl", category = "classification" }}
fields = {{ maker = "contributors[0].fc" }}
"""


def _study(tmp_path: Path, collections: str) -> Workspace:
    for folder in ("npg", "tate"):
        shutil.copytree(FIXTURES / folder, tmp_path / folder)
    (tmp_path / "study.toml").write_text(f'[study]\nname = "t"\n[models]\nbase = "models/base"\n{collections}')
    return Workspace.open(tmp_path)


def _data_rows(path: Path, encoding: str = "utf-8-sig", delimiter: str = ",") -> int:
    """The data rows of a CSV file as Python's csv module counts them, independently of the ingest."""
    with path.open(encoding=encoding, newline="") as handle:
        return sum(1 for _ in csv.reader(handle, delimiter=delimiter)) - 1


def test_npg_rows_and_values_reconcile(tmp_path):
    result = ingest_collections(_study(tmp_path, NPG))
    counts = result.counts[0]
    assert (counts.rows, counts.accepted, counts.rejected) == (_data_rows(tmp_path / "npg/NPGObjects.csv"), 3, 2)
    tables = {name: (t.rows, t.merged, t.rejected, t.dropped) for name, t in counts.tables.items()}
    assert tables == {
        # 101 takes two titles, 102 three (one NULL), 103 one; the title of object 999 is dropped.
        "NPGObjTitles.csv": (7, 6, 0, {"its ObjectID matches no object of NPGObjects.csv": 1}),
        # 101 takes three rows (one NULL), 102 one; 104's row goes with its rejected record.
        "NPGWebImageURLs.csv": (7, 4, 1, {"its ObjectID matches no object of NPGObjects.csv": 1, NO_KEY: 1}),
    }
    for name, (rows, *_) in tables.items():
        assert rows == _data_rows(tmp_path / "npg" / name)
    fields = {name: (f.read, f.kept, f.dropped) for name, f in counts.fields.items()}
    assert fields == {
        "Medium": (2, 2, {}),
        "Classification": (2, 2, {}),
        "NPGObjTitles.csv:Title": (5, 3, {FURTHER_NAME: 2}),
        "NPGWebImageURLs.csv:Web Image Address": (3, 3, {}),
    }
    assert (counts.values_read, counts.values_kept, counts.values_dropped) == (12, 10, 2)
    assert counts.images == 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('columns = { name = "Title" }', 'columns = { name = "Title", record_id = "ObjectID" }'), "unknown record"),
        (('columns = { name = "Title" }', 'columns = { description = "Title" }'), "description is mapped more than"),
        (("npg/NPGObjTitles.csv", "npg/missing.csv"), r"collections\.0\.joins\.0\.path: file not found"),
        (
            ('format = "csv"', 'format = "jsonl"'),
            r'collections\.0\.joins: not an option of format "jsonl"; it applies to format = "csv" only',
        ),
    ],
)
def test_join_config_errors_name_the_key(tmp_path, change, message):
    _study(tmp_path, NPG.replace(*change, 1))
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "study.toml")


def test_cli_shows_joined_rows(tmp_path):
    _study(tmp_path, NPG)
    result = CliRunner().invoke(app, ["ingest", "-s", str(tmp_path)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Joined rows" in result.output
    assert "14 joined rows = 10 merged + 1 of rejected rows + 3 dropped" in result.output


def test_a_folder_without_json_documents_is_a_config_error(tmp_path):
    _study(tmp_path, TATE.format(path="npg"))
    with pytest.raises(ConfigError, match=r"collections\.0\.path: no file, and no \.json file in or matching"):
        load_config(tmp_path / "study.toml")
