"""The learning stream in the analysis: the calibration may use its labels, no precision estimate does."""

from __future__ import annotations

import numpy as np
import pandas as pd
from analysis_fixtures import COMPARISONS, MODELS, make_batches, write_links

from analysis import calibration
from analysis.artifacts import CALIBRATION, LABELLED, PRECISION_CURVES, PRECISION_STRATA
from analysis.calibrate import Candidates, SampleDesign
from analysis.labels import probability_sample
from analysis.stage import ANALYZE, CALIBRATE, AnalyzeOptions
from analysis.thresholds import CURVE_COLUMNS
from heritage_weaver.atomic import write_table
from heritage_weaver.progress import SILENT
from heritage_weaver.stages import NO_OPTIONS


def test_design_weights_let_learning_pairs_stand_for_themselves():
    strata = np.array(["a", "a", "a", "b", "b"])
    learning = np.array([False, False, True, False, True])
    weights = calibration.design_weights(strata, {"a": 100, "b": 10}, learning)
    assert weights.tolist() == [49.5, 49.5, 1.0, 9.0, 1.0]  # (100 − 1) / 2 and (10 − 1) / 1
    plain = calibration.design_weights(strata, {"a": 100, "b": 10}, np.zeros(5, dtype=bool))
    assert plain.tolist() == calibration.inverse_inclusion_weights(strata, {"a": 100, "b": 10}).tolist()


def test_probability_sample_drops_the_learning_stream_only():
    frame = pd.DataFrame({"pair_id": ["p", "q", "r"], "purpose": ["estimate", "learn", None]})
    assert probability_sample(frame)["pair_id"].tolist() == ["p", "r"]
    assert probability_sample(frame.drop(columns="purpose"))["pair_id"].tolist() == ["p", "q", "r"]


def _round_batch(ws, rows: pd.DataFrame, round: int, purpose: str) -> None:
    batch = rows.reset_index(drop=True).copy()
    batch.insert(1, "annotator", "A01")
    batch.insert(2, "position", np.arange(len(batch)))
    batch["is_control"], batch["is_overlap"] = False, False
    batch["purpose"], batch["score_bands"] = purpose, 1
    batch["inclusion_probability"] = [[None] * len(types) for types in batch["link_types"]]
    write_table(ws.path("sampler", "batches", f"round-{round}", "A01.parquet"), batch)


def _model_curves(ws) -> pd.DataFrame:
    """The design-based part of each model score's precision curve (expected recall comes from the
    calibrated probabilities, which the learning stream's labels may change)."""
    curves = PRECISION_CURVES.read(ws)
    keys = ["comparison", "target", "score"]
    return curves.loc[curves["score"].isin(MODELS), keys + CURVE_COLUMNS].reset_index(drop=True)


def test_labels_from_the_learning_stream_never_enter_the_estimates(labelled_study):
    ws = labelled_study
    links = write_links(ws, make_batches(seed=1, overlap=6), unlabelled=40)
    ANALYZE.run(ws, SILENT, AnalyzeOptions(annotator_effects=("none",)))
    CALIBRATE.run(ws, SILENT, NO_OPTIONS)
    curves, strata, fits = _model_curves(ws), PRECISION_STRATA.read(ws), CALIBRATION.read(ws)

    # a learning round of 30 pairs no batch has shown, every one labelled `unrelated`
    unshown = links[links["pair_id"].str.endswith("x")]
    learning = unshown.head(30)
    _round_batch(ws, learning, 2, "learn")
    labels_path = ws.path("annotation", "labels.parquet")
    labels = pd.read_parquet(labels_path).assign(round=1)
    extra = labels.head(30).copy()
    extra["annotation_id"] = [f"annotation/learn-{i}" for i in range(30)]
    extra["pair_id"] = learning["pair_id"].to_numpy()
    extra["label"], extra["round"] = "unrelated", 2
    write_table(labels_path, pd.concat([labels, extra], ignore_index=True))
    ANALYZE.run(ws, SILENT, AnalyzeOptions(annotator_effects=("none",)))
    CALIBRATE.run(ws, SILENT, NO_OPTIONS)

    purpose = LABELLED.read(ws)["purpose"]  # the batches' design travels with each annotation
    assert (purpose == "learn").sum() == 30 and (purpose.isna() | (purpose == "learn")).all()
    pd.testing.assert_frame_equal(PRECISION_STRATA.read(ws), strata)  # the model precisions
    pd.testing.assert_frame_equal(_model_curves(ws), curves)  # the precision curves and their bounds
    # the calibration does use them, each standing for itself
    per_comparison = learning["link_types"].map(lambda types: types[0].split("/")[0]).value_counts()
    grown = (
        CALIBRATION.read(ws).set_index(["comparison", "target"])["pairs"]
        - fits.set_index(["comparison", "target"])["pairs"]
    )
    for comparison in COMPARISONS:
        assert (grown.loc[comparison] == per_comparison.get(comparison, 0)).all()

    # once a later round of the probability sample is drawn, it cannot reach the learning pairs:
    # they leave their strata for cells of their own, which count at their worst in every bound
    _round_batch(ws, unshown.iloc[30:32], 3, "estimate")
    CALIBRATE.run(ws, SILENT, NO_OPTIONS)
    after = _model_curves(ws)
    lowest = after.groupby(["comparison", "target", "score"])["threshold"].transform("min") == after["threshold"]
    before_lowest = (
        curves.groupby(["comparison", "target", "score"])["threshold"].transform("min") == curves["threshold"]
    )
    moved = (
        after[lowest].set_index(["comparison", "target", "score"])["unlabelled_links"]
        - curves[before_lowest].set_index(["comparison", "target", "score"])["unlabelled_links"]
    )
    assert moved.sum() > 0 and grown.sum() == 2 * 30
    for (comparison, _, model), change in moved.items():
        assert change == int(learning[f"link.{comparison}.{model}"].fillna(False).astype(bool).sum())


def test_candidates_take_score_bands_and_the_learning_cells_as_strata():
    links = pd.DataFrame(
        {
            "pair_id": ["p0", "p1", "p2", "p3", "p4"],
            "link_types": [["t/all"], ["t/all"], ["t/all"], ["t/all"], []],
            **{f"score.t.{m}": [0.1, 0.4, 0.6, 0.9, 0.5] for m in MODELS},
            **{f"link.t.{m}": [True, True, True, True, m == "base"] for m in MODELS},
        }
    )
    design = SampleDesign(bands=2, learning=frozenset({"p1", "p3"}), unreachable=frozenset({"p3"}))
    candidates = Candidates.of(links, "t", list(MODELS), design)
    assert candidates.strata.tolist() == ["t/all#0", "t/all#0", "t/all#1", "t/all#learning", "t/unsampled"]
    assert Candidates.of(links, "t", list(MODELS)).strata.tolist() == ["t/all"] * 4 + ["t/unsampled"]
