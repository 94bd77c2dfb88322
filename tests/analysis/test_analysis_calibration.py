"""Link probabilities: planted score→probability curves recovered from 2,000 stratified labels, and the metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import calibration
from analysis.calibration import CalibrationError, ScoreScale
from sampler.strata import pattern_codes


def _candidates(rng: np.random.Generator, records: int = 30_000) -> tuple[np.ndarray, np.ndarray]:
    """Three models' correlated scores; a model links its top 30%; the candidates are the union of the links."""
    latent = rng.normal(size=records)
    scores = 0.3 + 0.08 * latent[:, None] + 0.04 * rng.normal(size=(records, 3))
    flags = scores >= np.quantile(scores, 0.7, axis=0)
    linked = flags.any(axis=1)
    return scores[linked], flags[linked]


def _stratified_sample(rng: np.random.Generator, flags: np.ndarray, labels: int) -> tuple[np.ndarray, np.ndarray]:
    """Equal-sized simple random samples of every agreement pattern, and their inverse inclusion weights."""
    codes = pattern_codes(flags).astype(str)
    strata, sizes = np.unique(codes, return_counts=True)
    per = labels // len(strata)
    drawn = np.concatenate([rng.choice(np.flatnonzero(codes == h), per, replace=False) for h in strata])
    return drawn, calibration.inverse_inclusion_weights(codes[drawn], dict(zip(strata, sizes.tolist(), strict=True)))


def _planted(kind: str, scale: ScoreScale, scores: np.ndarray, flags: np.ndarray) -> np.ndarray:
    if kind == "step":  # a jump in the combined score: only the monotone family can follow it
        return np.where(scale.combined(scores) < 0.6, 0.1, 0.85)
    linear = -1.0 + 1.5 * scale.standardised(scores).sum(axis=1) + 0.8 * flags[:, 0]
    return 1 / (1 + np.exp(-linear))


@pytest.mark.parametrize(("kind", "family"), [("step", "isotonic"), ("logistic", "logistic")])
def test_calibration_recovers_a_planted_curve_from_2000_labels(kind: str, family: str):
    rng = np.random.default_rng(3)
    scores, flags = _candidates(rng)
    truth = _planted(kind, ScoreScale.of(scores), scores, flags)
    outcomes = (rng.random(len(truth)) < truth).astype(float)
    drawn, weights = _stratified_sample(rng, flags, 2_000)
    assert len(drawn) >= 1_990

    fitted = calibration.calibrate(scores, scores[drawn], flags[drawn], outcomes[drawn], weights, seed=0)
    probabilities = fitted.model.predict(scores, flags)

    assert fitted.model.family == family
    assert fitted.cv_log_loss[family] == min(fitted.cv_log_loss.values())
    # against the planted probabilities of every candidate, not against noisy outcomes
    assert calibration.expected_calibration_error(probabilities, truth, np.ones(len(truth))) < 0.03
    assert np.mean(np.abs(probabilities - truth)) < 0.04
    assert fitted.pairs == len(drawn) and fitted.folds == 5
    assert 0 < fitted.brier < 0.25 and 0 <= fitted.ece < 0.06
    assert len(fitted.reliability) == 10 and fitted.reliability["pairs"].sum() == len(drawn)


def test_probabilities_stay_inside_the_floor():
    rng = np.random.default_rng(0)
    scores, flags = _candidates(rng, 5_000)
    outcomes = (scores.mean(axis=1) > np.median(scores.mean(axis=1))).astype(float)  # separable
    fitted = calibration.calibrate(scores, scores, flags, outcomes, np.ones(len(outcomes)))
    probabilities = fitted.model.predict(scores, flags)
    assert probabilities.min() >= calibration.PROBABILITY_FLOOR
    assert probabilities.max() <= 1 - calibration.PROBABILITY_FLOOR


def test_a_split_vote_counts_as_half_a_positive_and_half_a_negative():
    rng = np.random.default_rng(1)
    scores, flags = _candidates(rng, 3_000)
    scale = ScoreScale.of(scores)
    outcomes = (rng.random(len(scores)) < scores.mean(axis=1) * 2).astype(float)
    outcomes[:40] = 0.5
    weights = rng.uniform(1, 3, size=len(scores))
    split = calibration.fit_isotonic(scale, scores, flags, outcomes, weights)
    twice = np.r_[np.arange(len(scores)), np.arange(40)]
    doubled = np.r_[np.where(outcomes == 0.5, 1.0, outcomes), np.zeros(40)]
    doubled_weights = np.r_[np.where(outcomes == 0.5, weights / 2, weights), weights[:40] / 2]
    whole = calibration.fit_isotonic(scale, scores[twice], flags[twice], doubled, doubled_weights)
    np.testing.assert_allclose(split.predict(scores, flags), whole.predict(scores, flags), atol=1e-4)


def test_metrics_equal_a_hand_computation():
    p = np.array([0.05, 0.15, 0.95, 1.0])
    y = np.array([0.0, 1.0, 1.0, 0.5])
    w = np.array([1.0, 3.0, 2.0, 2.0])
    assert calibration.brier_score(p, y, w) == pytest.approx((0.05**2 + 3 * 0.85**2 + 2 * 0.05**2 + 2 * 0.25) / 8)
    floor = calibration.PROBABILITY_FLOOR
    expected_loss = -(
        np.log(0.95) + 3 * np.log(0.15) + 2 * np.log(0.95) + 2 * 0.5 * (np.log(1 - floor) + np.log(floor))
    )
    assert calibration.log_loss(p, y, w) == pytest.approx(expected_loss / 8)
    table = calibration.reliability_bins(p, y, w, bins=2)
    # bin [0, ½): weights 1 and 3, mean p (0.05 + 0.45)/4, observed 3/4; bin [½, 1]: weights 2 and 2
    assert table["pairs"].tolist() == [2, 2] and table["weight"].tolist() == [4.0, 4.0]
    assert table["mean_probability"].tolist() == pytest.approx([0.125, 0.975])
    assert table["observed"].tolist() == pytest.approx([0.75, 0.75])
    assert calibration.expected_calibration_error(p, y, w, bins=2) == pytest.approx((0.625 + 0.225) / 2)
    assert calibration.reliability_bins(p, y, w)["weight"].isna().sum() == 0  # empty bins weigh 0


def test_inverse_inclusion_weights_are_stratum_size_over_labelled_pairs():
    weights = calibration.inverse_inclusion_weights(
        np.array(["x/all", "x/all", "x/base-only"]), {"x/all": 100, "x/base-only": 30}
    )
    assert weights.tolist() == [50.0, 50.0, 30.0]
    with pytest.raises(CalibrationError, match="x/ft-only"):
        calibration.inverse_inclusion_weights(np.array(["x/ft-only"]), {"x/all": 100})


def test_one_outcome_class_is_refused():
    scores = np.linspace(0, 1, 20)[:, None]
    flags = scores > 0.5
    outcomes = np.r_[np.ones(19), 0.0]
    with pytest.raises(CalibrationError, match="20 labelled pairs, 19 positive"):
        calibration.calibrate(scores, scores, flags, outcomes, np.ones(20))


def test_score_scale_ranks_and_fills_missing_scores_with_the_lowest():
    scale = ScoreScale.of(np.array([[0.1, 0.5], [0.2, np.nan], [0.4, 0.7], [0.3, 0.6]]))
    ranks = scale.ranks(np.array([[0.2, np.nan], [0.4, 0.65]]))
    assert ranks.tolist() == [[0.5, 1 / 3], [1.0, 2 / 3]]
    assert scale.combined(np.array([[0.4, 0.7]])).tolist() == [1.0]
    with pytest.raises(CalibrationError):
        ScoreScale.of(np.array([[0.1, np.nan]]))


def test_targets_binarise_the_labels_and_strata_are_found_per_comparison():
    labelled = pd.DataFrame(
        {
            "pair_id": ["p1", "p1", "p2", "p3"],
            "label": ["same object", "same category", "similar object", "same category"],
            "link_types": [["x/all", "y/base-only"]] * 2 + [["x/base-only"], []],
        }
    )
    study = calibration.target_outcomes(labelled, ["same object", "similar object", "same category"])
    match = calibration.target_outcomes(labelled, calibration.MATCH_LABELS)
    assert study.set_index("pair_id")["outcome"].tolist() == [1.0, 1.0, 1.0]
    assert match.set_index("pair_id")["outcome"].tolist() == [0.5, 1.0, 0.0]
    assert calibration.stratum_of(study["link_types"], "y").tolist() == ["y/base-only", None, None]


def test_comparison_features_read_every_models_score_and_flag():
    frame = pd.DataFrame(
        {
            "score.x.base": [0.5, np.nan],
            "score.x.ft": [0.7, 0.2],
            "link.x.base": [True, None],
            "link.x.ft": [False, True],
        }
    )
    scores, flags = calibration.comparison_features(frame, "x", ["base", "ft"])
    np.testing.assert_array_equal(scores, [[0.5, 0.7], [np.nan, 0.2]])
    assert flags.tolist() == [[True, False], [False, True]]
