"""Classifiers, fusion, scores and proposals on a planted signal (pure computation, no workspace)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from prediction_fixtures import CLASSES, planted_modalities, planted_records, planted_target
from sklearn.metrics import accuracy_score, f1_score

from prediction import fusion
from prediction.artifacts import PREDICTION_HELD_OUT, PREDICTION_PROPOSALS, PREDICTION_SCORES
from prediction.experiment import PredictionError, Settings, run_experiment
from prediction.features import Modality, pooled_vectors, tabular_features
from prediction.metrics import intervals, resamples, scores
from prediction.targets import OTHER, build_target, field_values

SETTINGS = Settings(folds=5, bootstrap=200, candidates=3, seed=7)


@pytest.fixture(scope="module")
def planted():
    target = planted_target()
    return target, run_experiment("category", target, {"base": planted_modalities(target)}, None, SETTINGS)


def _macro(outcome, modality: str) -> float:
    frame = outcome.scores
    return float(frame[(frame["modality"] == modality) & (frame["metric"] == "macro_f1")]["value"].iloc[0])


def test_fusion_recovers_a_signal_each_modality_holds_half_of(planted):
    _, outcome = planted
    image, text, stacked, mean = (_macro(outcome, m) for m in ("image", "text", "stacked", "mean"))
    assert image < 0.6 and text < 0.6  # one bit of two: at best half the classes apart
    assert stacked > 0.85 and stacked > max(image, text) + 0.3
    assert mean > max(image, text)


def test_intervals_hold_the_point_estimate_and_repeat_with_the_seed(planted):
    target, outcome = planted
    rows = outcome.scores
    assert ((rows["ci_low"] <= rows["value"]) & (rows["value"] <= rows["ci_high"])).all()
    assert (rows["ci_high"] - rows["ci_low"] > 0).all()
    again = run_experiment("category", target, {"base": planted_modalities(target)}, None, SETTINGS)
    pd.testing.assert_frame_equal(outcome.scores, again.scores)


def test_only_training_records_are_fitted_and_only_held_out_ones_scored(monkeypatch):
    target = planted_target()
    fitted: list[np.ndarray] = []
    original = fusion._probabilities

    def spy(modality, fit_rows, codes, use_rows, prior, seed):
        fitted.append(fit_rows)
        return original(modality, fit_rows, codes, use_rows, prior, seed)

    monkeypatch.setattr(fusion, "_probabilities", spy)
    outcome = run_experiment("category", target, {"base": planted_modalities(target)}, None, SETTINGS)
    train = set(target.records["record_id"].iloc[target.rows("train")])
    held_out = set(target.records["record_id"].iloc[target.rows("eval")])
    assert fitted and all(set(target.records["record_id"].iloc[rows]) <= train for rows in fitted)
    assert set(outcome.held_out["record_id"]) == held_out and not held_out & train
    scored = outcome.scores["n_eval"].unique().tolist()
    assert scored == [len(held_out)]


def test_proposals_schema_and_order(planted):
    target, outcome = planted
    proposals = outcome.proposals
    assert list(proposals.columns) == list(PREDICTION_PROPOSALS.columns)
    assert set(PREDICTION_SCORES.columns) <= set(outcome.scores.columns)
    assert set(PREDICTION_HELD_OUT.columns) <= set(outcome.held_out.columns)
    unlabelled = set(target.records.loc[target.records["value"].isna(), "record_id"])
    assert set(proposals["record_id"]) == unlabelled
    assert all(ranks == [1, 2, 3] for ranks in proposals.groupby("record_id")["rank"].apply(list))
    for _, rows in proposals.groupby("record_id"):
        assert rows["probability"].is_monotonic_decreasing and rows["value"].is_unique
    assert proposals["probability"].between(0, 1).all() and set(proposals["value"]) <= set(CLASSES)
    assert (proposals["model"] == "base").all() and (proposals["modalities"] == "image,text").all()
    assert proposals["field"].eq("category").all() and proposals["collection"].eq("nms").all()


def test_scores_match_scikit_learn():
    rng = np.random.default_rng(3)
    truth, predicted = rng.integers(0, 5, 300), rng.integers(0, 6, 300)
    truth[:20] = predicted[:20]
    ours = scores(truth, predicted, 6)
    assert ours["macro_f1"] == pytest.approx(f1_score(truth, predicted, average="macro"))
    assert ours["weighted_f1"] == pytest.approx(f1_score(truth, predicted, average="weighted"))
    assert ours["accuracy"] == pytest.approx(accuracy_score(truth, predicted))
    draws = resamples(300, 50, [1, 2])
    assert (draws == resamples(300, 50, [1, 2])).all()
    by_hand = [f1_score(truth[d], predicted[d], average="macro") for d in draws]
    low, high = intervals(truth, predicted, 6, draws)["macro_f1"]
    assert (low, high) == pytest.approx(tuple(np.percentile(by_hand, [2.5, 97.5])))


def test_field_values_read_taxonomy_levels_and_category():
    records = pd.DataFrame({"category": ["Energy", None, " "], "taxonomy": ["energy > lamp", "communications", None]})
    assert field_values(records, "taxonomy.2").tolist() == ["lamp", None, None]
    assert field_values(records, "taxonomy.1").tolist() == ["energy", "communications", None]
    assert field_values(records, "taxonomy").tolist() == ["energy > lamp", "communications", None]
    assert field_values(records, "category").tolist() == ["Energy", None, None]


def test_rare_and_unseen_values_are_grouped_and_unsplit_records_left_out():
    records, split = planted_records(n=60, n_unlabelled=0)
    records.loc[:2, "category"] = "rare"
    split.loc[:2, "split"] = "train"
    records.loc[3, "category"] = "unseen"
    split.loc[3, "split"] = "eval"
    split = split.drop(index=4)
    target = build_target(records, split, "category", min_examples=4)
    assert target.grouped == {"rare": 3} and target.classes[-1] == OTHER
    assert target.records.loc[3, "label"] == OTHER and target.records.loc[4, "role"] == "unsplit"
    assert target.records.loc[4, "label"] is None


def test_a_missing_modality_counts_as_the_prior_and_records_without_any_get_no_proposal():
    target = planted_target()
    image, text = planted_modalities(target)
    unlabelled = target.rows("apply")
    no_image = image.available.copy()
    no_image[unlabelled[:5]] = False
    no_text = text.available.copy()
    no_text[unlabelled[:3]] = False
    modalities = [Modality("image", image.features, no_image), Modality("text", text.features, no_text)]
    outcome = run_experiment("category", target, {"base": modalities}, None, SETTINGS)
    proposed = outcome.proposals.drop_duplicates("record_id").set_index("record_id")["modalities"]
    ids = target.records["record_id"].to_numpy()
    assert not set(ids[unlabelled[:3]]) & set(proposed.index)
    assert set(proposed[ids[unlabelled[3:5]]]) == {"text"}
    assert any("3 record(s) without the field have no embedded unit" in note for note in outcome.notes)


def test_tabular_fields_are_a_third_modality():
    target = planted_target()
    records = target.records.assign(category=target.records["value"], taxonomy=None)
    records["collection"] = np.where(target.records["value"].isin(["bit00", "bit01"]), "a", "b")  # the first bit
    tabular = tabular_features(records, ["collection"], target.rows("train"))
    outcome = run_experiment("category", target, {"base": planted_modalities(target)[1:]}, tabular, SETTINGS)
    assert _macro(outcome, "tabular") < 0.6 and _macro(outcome, "text") < 0.6 and _macro(outcome, "stacked") > 0.85


def test_pooled_vectors_mean_or_first_per_record():
    keys = pd.DataFrame({"collection": ["c", "c", "c"], "record_id": ["a", "b", "z"]})
    units = pd.DataFrame({"collection": ["c", "c", "c"], "record_id": ["a", "a", "b"]})
    vectors = np.array([[1, 0], [0, 1], [3, 4]], dtype=np.float32)
    mean = pooled_vectors("image", keys, units, vectors)
    assert mean.available.tolist() == [True, True, False]
    np.testing.assert_allclose(mean.features, [[0.7071068, 0.7071068], [0.6, 0.8], [0, 0]], rtol=1e-6)
    first = pooled_vectors("image", keys, units, vectors, pooling="first")
    np.testing.assert_allclose(first.features[0], [1, 0])


def test_a_field_without_training_classes_says_why():
    records, split = planted_records(n=40, n_unlabelled=0)
    records["category"] = "telephone"
    target = build_target(records, split, "category", 5)
    with pytest.raises(PredictionError, match="hold 1 class"):
        run_experiment("category", target, {"base": planted_modalities(target)}, None, SETTINGS)
