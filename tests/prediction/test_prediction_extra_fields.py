"""`hw predict` on an extra field (`material`) that one generic export maps and the other lacks."""

from __future__ import annotations

from prediction_fixtures import material_study
from typer.testing import CliRunner

from heritage_weaver.progress import SILENT
from hw_cli.app import app
from ingest.artifacts import RECORDS
from prediction.artifacts import PREDICTION_HELD_OUT, PREDICTION_PROPOSALS, PREDICTION_SCORES
from prediction.stage import PREDICT, PredictOptions


def test_an_extra_field_is_predicted_with_another_as_tabular_feature(tmp_path):
    ws = material_study(tmp_path / "study")
    records = RECORDS.read(ws)
    result = PREDICT.run(ws, SILENT, PredictOptions())
    assert not result.failures
    (outcome,) = result.outcomes
    assert outcome.field == "material"
    scores = PREDICTION_SCORES.at(field="material").read(ws)
    macro = scores[scores["metric"] == "macro_f1"].set_index("modality")["value"]
    assert set(macro.index) == {"image", "text", "tabular", "mean", "stacked"}
    assert macro["text"] > 0.6 and macro["stacked"] >= macro["text"] - 0.05
    held_out = PREDICTION_HELD_OUT.at(field="material").read(ws)
    assert set(held_out["collection"]) == {"c"}  # only the CSV export records the material
    proposals = PREDICTION_PROPOSALS.at(field="material").read(ws)
    lacking = records.loc[records["material"].isna(), "record_id"]
    assert set(proposals["record_id"]) == set(lacking)
    assert set(proposals["collection"]) == {"c", "j"}
    assert proposals.groupby("collection")["record_id"].nunique().to_dict() == {"c": 16, "j": 40}
    assert proposals.loc[proposals["collection"] == "c", "modalities"].eq("text,tabular").all()
    assert proposals.loc[proposals["collection"] == "j", "modalities"].eq("text").all()  # no period either


def test_hw_predict_names_the_mapped_fields_when_one_is_unknown(tmp_path):
    ws = material_study(tmp_path / "study")
    wrong = CliRunner().invoke(app, ["predict", "colour", "--study", str(ws.root)])
    assert wrong.exit_code == 1 and "unknown field(s) ['colour']" in wrong.output
    assert "mapped: material, period" in " ".join(wrong.output.split())
