"""`hw predict` on the small demo study, with planted vectors in real vector stores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from embeddings.artifacts import UNITS
from embeddings.artifacts.vectors import ModelStore
from heritage_weaver.progress import SILENT
from heritage_weaver.stages import UP_TO_DATE
from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from ingest.artifacts import RECORDS
from prediction.artifacts import (
    PREDICTION_CONFUSION,
    PREDICTION_HELD_OUT,
    PREDICTION_NOTES,
    PREDICTION_PROPOSALS,
    PREDICTION_SCORES,
)
from prediction.experiment import PredictionError
from prediction.stage import PREDICT, PredictOptions
from training.artifacts import SPLIT
from training.split import split_records

DIMENSION = 32


def _write_store(ws: Workspace, model: str, signal: float, seed: int) -> None:
    """An image unit per image and a name unit per record; image vectors point towards the record's type."""
    records = RECORDS.read(ws)
    truth = pd.read_csv(ws.path("data", "ground_truth.csv"))
    types = {t: i for i, t in enumerate(sorted(truth["type"].unique()))}
    type_of = dict(zip(truth["record_id"], truth["type"].map(types)))
    rows = []
    for record in records.itertuples():
        for position, location in enumerate(record.images):
            rows.append(
                (
                    f"{record.record_id}#img{position}",
                    record.record_id,
                    record.collection,
                    "image",
                    "image",
                    None,
                    location,
                )
            )
        rows.append(
            (f"{record.record_id}#name", record.record_id, record.collection, "text", "name", record.name, None)
        )
    units = pd.DataFrame(rows, columns=list(UNITS.columns)).astype({"text": object, "image": object})
    rng = np.random.default_rng(seed)
    vectors = rng.normal(0, 1, size=(len(units), DIMENSION))
    images = (units["modality"] == "image").to_numpy()
    codes = units["record_id"].map(type_of).to_numpy()
    vectors[np.flatnonzero(images), codes[images] % DIMENSION] += signal
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    UNITS.at(model=model).write(ws, units)
    ModelStore.of(ws, model).write_shard(0, units, vectors, {})


@pytest.fixture
def embedded(study_copy: Workspace) -> Workspace:
    records = RECORDS.read(study_copy)
    SPLIT.write(study_copy, split_records(records, 0.25, seed=0))
    _write_store(study_copy, "base", signal=2.0, seed=1)
    _write_store(study_copy, "ft-best", signal=6.0, seed=2)
    config = study_copy.path("study.toml")
    config.write_text(
        config.read_text()
        .replace("min_examples = 5", "min_examples = 3")
        .replace("bootstrap = 1000", "bootstrap = 100")
    )
    return Workspace.open(study_copy.root)


def test_predict_writes_scores_confusion_held_out_and_proposals(embedded: Workspace):
    assert PREDICT.state(embedded) == "ready"
    result = PREDICT.run(embedded, SILENT, PredictOptions())
    assert not result.failures and result.skipped_models == {
        "ft-last": "no embeddings (embeddings/ft-last/units.parquet is missing (run `hw embed` first))"
    }
    (outcome,) = result.outcomes
    part = {"field": "taxonomy.2"}
    scores = PREDICTION_SCORES.at(**part).read(embedded)
    macro = scores[scores["metric"] == "macro_f1"].set_index(["model", "modality"])["value"]
    assert set(macro.index.get_level_values("modality")) == {"image", "text", "tabular", "mean", "stacked"}
    assert macro["ft-best", "image"] > macro["base", "image"] + 0.2  # a stronger planted signal scores higher
    assert macro["ft-best", "stacked"] >= macro["ft-best", "image"] - 0.05
    assert outcome.chosen_model == "ft-best"

    split = SPLIT.read(embedded).set_index("record_id")["split"]
    records = RECORDS.read(embedded).set_index("record_id")
    held_out = PREDICTION_HELD_OUT.at(**part).read(embedded)
    has_type = records["taxonomy"].str.count(" > ").fillna(0) >= 1
    assert set(held_out["record_id"]) == set(split[split == "eval"].index) & set(records.index[has_type])
    assert (split[held_out["record_id"]] == "eval").all()

    confusion = PREDICTION_CONFUSION.at(**part).read(embedded)
    n_eval = int(scores["n_eval"].iloc[0])
    assert (confusion.groupby("model")["count"].sum() == n_eval).all()

    proposals = PREDICTION_PROPOSALS.at(**part).read(embedded)
    assert list(proposals.columns) == list(PREDICTION_PROPOSALS.columns)
    assert set(proposals["record_id"]) == set(records.index[~has_type])
    assert set(proposals["collection"]) == {"smg", "nms"}  # unclassified SMG records and every NMS record
    assert proposals["model"].eq("ft-best").all() and proposals["rank"].max() == 3
    assert proposals["modalities"].str.contains("tabular").sum() > 0  # SMG categories are known to training
    assert not proposals.loc[proposals["collection"] == "nms", "modalities"].str.contains("tabular").any()
    truth = pd.read_csv(embedded.path("data", "ground_truth.csv")).set_index("record_id")["type"]
    top = proposals[proposals["rank"] == 1].set_index("record_id")["value"]
    assert (top == truth[top.index]).mean() > 0.3  # chance is 1 in 24: the planted image signal carries over
    notes = PREDICTION_NOTES.at(**part).read(embedded)["note"].tolist()
    assert any("model ft-last left out" in note for note in notes)
    assert PREDICT.state(Workspace.open(embedded.root)) == UP_TO_DATE


def test_hw_predict_command_prints_the_table_and_rejects_unknown_fields(embedded: Workspace):
    runner = CliRunner()
    done = runner.invoke(app, ["predict", "taxonomy.2", "--study", str(embedded.root), "--model", "base"])
    assert done.exit_code == 0, done.output
    assert "held-out macro F1" in done.output and "stacked" in done.output
    wrong = runner.invoke(app, ["predict", "material", "--study", str(embedded.root)])
    assert wrong.exit_code == 1 and "unknown field(s) ['material']" in wrong.output


def test_a_field_no_record_holds_is_reported_not_crashed(embedded: Workspace):
    result = PREDICT.run(embedded, SILENT, PredictOptions(fields=("taxonomy.5",)))
    assert result.outcomes == [] and "no record of the training split holds the field" in result.failures["taxonomy.5"]
    with pytest.raises(PredictionError, match="not among the study's models"):
        PREDICT.run(embedded, SILENT, PredictOptions(models=("nope",)))
