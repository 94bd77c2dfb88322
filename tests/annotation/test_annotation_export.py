"""`hw push --export-only`: Label Studio import files, blind, with images linked for local file serving."""

import json
import xml.etree.ElementTree as ET

import pandas as pd
from annotation_helpers import make_batch
from typer.testing import CliRunner

from annotation.tasks import TASK_FIELDS
from heritage_weaver.atomic import write_table
from hw_cli.app import app
from ingest import ingest_collections


def test_export_writes_blind_import_files(study_copy):
    ingest_collections(study_copy)  # records now point at the copy's own images, inside the study folder
    records = pd.read_parquet(study_copy.path("records", "records.parquet"))
    write_table(study_copy.path("sampler", "batches", "A01.parquet"), make_batch(records, "A01", 0, 5))
    write_table(study_copy.path("sampler", "batches", "A02.parquet"), make_batch(records, "A02", 9, 3))

    result = CliRunner().invoke(app, ["push", "--study", str(study_copy.root), "--export-only"])
    assert result.exit_code == 0, result.output
    folder = study_copy.path("annotation", "import")
    tasks = json.loads((folder / "A01.json").read_text())
    assert len(tasks) == 5 and len(json.loads((folder / "A02.json").read_text())) == 3
    for task in tasks:
        assert set(task["data"]) == set(TASK_FIELDS)
        image = task["data"]["image_a"]
        assert image.startswith("/data/local-files/?d=")
        assert study_copy.path("annotation", "import", "media", image.split("?d=")[1]).is_file()
    choices = [c.get("value") for c in ET.fromstring((folder / "label_config.xml").read_text()).iter("Choice")]
    assert choices == ["same object", "similar object", "same category", "unrelated"]
    assert not study_copy.path("annotation", "ledger.sqlite").exists()
