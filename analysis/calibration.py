"""Link probabilities: P(positive | a pair's scores under every model, its agreement flags).

One comparison at a time. The candidate set is the union of every model's links in the
comparison; the labelled pairs are the sampler's stratified sample of it, so pair i of stratum h
stands for w_i = N_h / n_h candidates (its inverse inclusion probability; N_h the stratum's links,
n_h its labelled pairs). Fits and scores weight each pair by w_i, so they target the whole
candidate set rather than the sample, whose strata are equal-sized by design. Weights are scaled
to mean 1 before a fit, so the logistic model's L2 penalty acts as on n unweighted pairs.

An outcome y may be fractional (½ where two annotators split): every loss uses y and 1 − y as the
weights of the two classes, exactly as if the pair were counted once per class.

Scores become features through `ScoreScale`, fixed by the candidate set alone and never by the
labels: a model's score becomes its rank (the share of candidates scoring at most as high) and
its z-score; a missing score (a record with no units in a modality) takes the lowest candidate
score of that model. Two families:
- `isotonic`: a non-decreasing step function of the combined score, the mean of the models' ranks
  (pool-adjacent-violators, scikit-learn's `IsotonicRegression`);
- `logistic`: logistic regression on the z-scores and the flags, L2 penalty with C = 1.
Both predict within [PROBABILITY_FLOOR, 1 − PROBABILITY_FLOOR], so no pair is called certain.
`calibrate` fits both, scores each by the weighted log-loss of its out-of-fold predictions
(stratified k-fold on y ≥ ½), keeps the lower, and refits it on every labelled pair.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from analysis.design import link_column
from analysis.labels import binarise
from analysis.precision import pair_outcomes

Family = Literal["isotonic", "logistic"]
PROBABILITY_FLOOR = 1e-3
MATCH_LABELS = ("same object", "similar object")
"""The second target: pairs a museum would call matches."""
DEFAULT_BINS = 10
DEFAULT_FOLDS = 5


class CalibrationError(ValueError):
    """The labelled pairs cannot support a calibration; the message says why."""


def score_column(comparison: str, model: str) -> str:
    return f"score.{comparison}.{model}"


def comparison_features(frame: pd.DataFrame, comparison: str, models: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(scores, flags) of every row, both (rows × models): float64 scores (NaN kept) and boolean link flags."""
    scores = np.column_stack([frame[score_column(comparison, m)].to_numpy(dtype=float) for m in models])
    flags = np.column_stack([frame[link_column(comparison, m)].fillna(False).to_numpy(dtype=bool) for m in models])
    return scores, flags


def target_outcomes(labelled: pd.DataFrame, positive_labels: Sequence[str]) -> pd.DataFrame:
    """One row per labelled pair (pair_id, link_types, annotations, outcome, adjudicated) for a target.

    The outcome is binarised with `positive_labels` (the study's, or `MATCH_LABELS`): an adjudicated
    label where there is one, else the mean of the annotators' binary labels.
    """
    relabelled = labelled.assign(binary=binarise(labelled["label"], positive_labels).astype(float))
    return pair_outcomes(relabelled, positive_labels)


def stratum_of(link_types: pd.Series, comparison: str) -> pd.Series:
    """Each pair's link type within `comparison` (`<comparison>/<stratum>`), or None where it has none."""
    prefix = f"{comparison}/"
    found = [
        next((str(v) for v in (values if values is not None else ()) if str(v).startswith(prefix)), None)
        for values in link_types
    ]
    return pd.Series(found, index=link_types.index, dtype=object)


def inverse_inclusion_weights(strata: np.ndarray, populations: dict[str, int]) -> np.ndarray:
    """w_i = N_h / n_h for the stratum h of each labelled pair, n_h counted in `strata` itself.

    `populations` maps each stratum to its links N_h; a stratum missing from it is an error, as a
    weight cannot be known without it.
    """
    names, counts = np.unique(strata, return_counts=True)
    missing = [str(name) for name in names if str(name) not in populations]
    if missing:
        raise CalibrationError(f"no population size for stratum {', '.join(missing)}")
    per_stratum = {str(name): populations[str(name)] / count for name, count in zip(names, counts, strict=True)}
    return np.array([per_stratum[str(h)] for h in strata], dtype=float)


def design_weights(strata: np.ndarray, populations: dict[str, int], learning: np.ndarray) -> np.ndarray:
    """Calibration weights when some labelled pairs are of the learning stream (`learning`, one flag each).

    A learning pair was chosen, not drawn: it stands for itself, w = 1. A pair of the probability sample
    in stratum h stands for the rest of it: w = (N_h − l_h) / n_h, with l_h the stratum's learning pairs
    among `strata` and n_h its other pairs; without learning pairs this is `inverse_inclusion_weights`.
    """
    learning = np.asarray(learning, dtype=bool)
    strata = np.asarray(strata)
    weights = np.ones(len(strata))
    chosen = pd.Series(strata[learning]).value_counts()
    rest = {name: size - int(chosen.get(name, 0)) for name, size in populations.items()}
    weights[~learning] = inverse_inclusion_weights(strata[~learning], rest)
    return weights


@dataclass(frozen=True)
class ScoreScale:
    """Label-free transforms of one comparison's model scores, fixed by the candidate set's scores."""

    sorted_scores: tuple[np.ndarray, ...]
    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def of(cls, scores: np.ndarray) -> ScoreScale:
        """From the candidates' (pairs × models) scores; every model needs some finite score."""
        columns = [np.sort(column[np.isfinite(column)]) for column in np.asarray(scores, dtype=float).T]
        if any(len(column) == 0 for column in columns):
            raise CalibrationError("a model has no finite score on any candidate pair")
        return cls(
            tuple(columns),
            np.array([column.mean() for column in columns]),
            np.array([column.std() or 1.0 for column in columns]),
        )

    def filled(self, scores: np.ndarray) -> np.ndarray:
        lowest = np.array([column[0] for column in self.sorted_scores])
        values = np.asarray(scores, dtype=float)
        return np.where(np.isfinite(values), values, lowest)

    def ranks(self, scores: np.ndarray) -> np.ndarray:
        """Per model, the share of candidates whose score is at most the given one."""
        values = self.filled(scores)
        return np.column_stack(
            [
                np.searchsorted(column, values[:, m], side="right") / len(column)
                for m, column in enumerate(self.sorted_scores)
            ]
        )

    def combined(self, scores: np.ndarray) -> np.ndarray:
        """The mean of the models' ranks: the isotonic family's single score."""
        return self.ranks(scores).mean(axis=1)

    def standardised(self, scores: np.ndarray) -> np.ndarray:
        return (self.filled(scores) - self.mean) / self.std


class Calibrator(Protocol):
    @property
    def family(self) -> Family: ...

    def predict(self, scores: np.ndarray, flags: np.ndarray) -> np.ndarray:
        """P(positive) for each row of (pairs × models) scores and flags."""
        ...


@dataclass(frozen=True)
class IsotonicCalibrator:
    scale: ScoreScale
    knots: np.ndarray
    values: np.ndarray
    family: Family = "isotonic"

    def predict(self, scores: np.ndarray, flags: np.ndarray) -> np.ndarray:
        return _bounded(np.interp(self.scale.combined(scores), self.knots, self.values))


@dataclass(frozen=True)
class LogisticCalibrator:
    scale: ScoreScale
    coefficients: np.ndarray
    intercept: float
    family: Family = "logistic"

    def predict(self, scores: np.ndarray, flags: np.ndarray) -> np.ndarray:
        linear = _logistic_matrix(self.scale, scores, flags) @ self.coefficients + self.intercept
        return _bounded(1 / (1 + np.exp(-linear)))


def _bounded(probabilities: np.ndarray) -> np.ndarray:
    return np.clip(probabilities, PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)


def _logistic_matrix(scale: ScoreScale, scores: np.ndarray, flags: np.ndarray) -> np.ndarray:
    return np.column_stack([scale.standardised(scores), np.asarray(flags, dtype=float)])


def _unit_mean(weights: np.ndarray) -> np.ndarray:
    return np.asarray(weights, dtype=float) / np.mean(weights)


def fit_isotonic(
    scale: ScoreScale, scores: np.ndarray, flags: np.ndarray, outcomes: np.ndarray, weights: np.ndarray
) -> IsotonicCalibrator:
    """The weighted isotonic fit of the outcomes on the combined score."""
    from sklearn.isotonic import IsotonicRegression

    model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    model.fit(scale.combined(scores), np.asarray(outcomes, dtype=float), sample_weight=_unit_mean(weights))
    return IsotonicCalibrator(scale, np.asarray(model.X_thresholds_), np.asarray(model.y_thresholds_))


def fit_logistic(
    scale: ScoreScale, scores: np.ndarray, flags: np.ndarray, outcomes: np.ndarray, weights: np.ndarray
) -> LogisticCalibrator:
    """The weighted, L2-penalised (C = 1) logistic fit on z-scores and flags; y and 1 − y weight the classes."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(outcomes, dtype=float)
    w = _unit_mean(weights)
    matrix = _logistic_matrix(scale, scores, flags)
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit(
        np.vstack([matrix, matrix]),
        np.concatenate([np.ones(len(y)), np.zeros(len(y))]),
        sample_weight=np.concatenate([w * y, w * (1 - y)]),
    )
    return LogisticCalibrator(scale, model.coef_[0].copy(), float(model.intercept_[0]))


FITS: dict[Family, Callable[..., Calibrator]] = {"isotonic": fit_isotonic, "logistic": fit_logistic}


def log_loss(probabilities: np.ndarray, outcomes: np.ndarray, weights: np.ndarray) -> float:
    """−Σ w (y log p + (1 − y) log(1 − p)) / Σ w, with p clipped to [PROBABILITY_FLOOR, 1 − PROBABILITY_FLOOR]."""
    p = _bounded(np.asarray(probabilities, dtype=float))
    y = np.asarray(outcomes, dtype=float)
    return float(-np.average(y * np.log(p) + (1 - y) * np.log(1 - p), weights=weights))


def brier_score(probabilities: np.ndarray, outcomes: np.ndarray, weights: np.ndarray) -> float:
    """Σ w (p − y)² / Σ w."""
    return float(np.average((np.asarray(probabilities) - np.asarray(outcomes)) ** 2, weights=weights))


def reliability_bins(
    probabilities: np.ndarray, outcomes: np.ndarray, weights: np.ndarray, bins: int = DEFAULT_BINS
) -> pd.DataFrame:
    """The reliability diagram: per equal-width bin of [0, 1] (the last one closed), its pairs, their weight,
    the weighted mean probability and the weighted observed share of positives. Empty bins are kept with
    NaN means, so every diagram has `bins` rows."""
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(outcomes, dtype=float)
    w = np.asarray(weights, dtype=float)
    index = np.minimum((p * bins).astype(np.intp), bins - 1)
    total = np.bincount(index, weights=w, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        predicted = np.bincount(index, weights=w * p, minlength=bins) / total
        observed = np.bincount(index, weights=w * y, minlength=bins) / total
    edges = np.linspace(0.0, 1.0, bins + 1)
    return pd.DataFrame(
        {
            "bin_low": edges[:-1],
            "bin_high": edges[1:],
            "pairs": np.bincount(index, minlength=bins),
            "weight": total,
            "mean_probability": predicted,
            "observed": observed,
        }
    )


def expected_calibration_error(
    probabilities: np.ndarray, outcomes: np.ndarray, weights: np.ndarray, bins: int = DEFAULT_BINS
) -> float:
    """Σ_b (W_b / W) |observed_b − mean probability_b| over the non-empty bins of `reliability_bins`."""
    table = reliability_bins(probabilities, outcomes, weights, bins)
    used = table["weight"] > 0
    gap = (table.loc[used, "observed"] - table.loc[used, "mean_probability"]).abs()
    return float((table.loc[used, "weight"] * gap).sum() / table.loc[used, "weight"].sum())


def out_of_fold(
    family: Family,
    scale: ScoreScale,
    scores: np.ndarray,
    flags: np.ndarray,
    outcomes: np.ndarray,
    weights: np.ndarray,
    folds: int,
    seed: int,
) -> np.ndarray:
    """Each labelled pair's probability from the family fitted on the other folds (stratified on y ≥ ½)."""
    from sklearn.model_selection import StratifiedKFold

    predicted = np.empty(len(outcomes))
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in split.split(scores, np.asarray(outcomes) >= 0.5):
        model = FITS[family](scale, scores[train], flags[train], outcomes[train], weights[train])
        predicted[test] = model.predict(scores[test], flags[test])
    return predicted


@dataclass(frozen=True)
class Calibration:
    """The chosen model, each family's cross-validated log-loss, and the chosen family's out-of-fold
    Brier score, expected calibration error and reliability diagram (weighted by w_i).

    `held_out` is each labelled pair's out-of-fold probability (the chosen family fitted without the
    pair's fold), in the order of the labelled pairs: the probability to judge that pair by whenever
    its own label is the evidence (analysis.calibrate's precision curves), since `model` has seen it."""

    model: Calibrator
    held_out: np.ndarray
    cv_log_loss: dict[Family, float]
    brier: float
    ece: float
    reliability: pd.DataFrame
    pairs: int
    folds: int


def calibrate(
    candidate_scores: np.ndarray,
    scores: np.ndarray,
    flags: np.ndarray,
    outcomes: np.ndarray,
    weights: np.ndarray,
    folds: int = DEFAULT_FOLDS,
    seed: int = 0,
    bins: int = DEFAULT_BINS,
) -> Calibration:
    """Fit both families on the labelled pairs, keep the one with the lower weighted out-of-fold log-loss.

    `candidate_scores` are the (candidates × models) scores that fix the `ScoreScale`; `scores`,
    `flags`, `outcomes` and `weights` describe the labelled pairs. The folds are `folds`, or fewer
    when the rarer class (y ≥ ½ or not) has fewer pairs; a class with under two pairs is refused.
    Ties in log-loss go to the isotonic family.
    """
    y = np.asarray(outcomes, dtype=float)
    positive = int(np.count_nonzero(y >= 0.5))
    rarer = min(positive, len(y) - positive)
    if rarer < 2:
        raise CalibrationError(
            f"{len(y)} labelled pairs, {positive} positive: a calibration needs at least two of each outcome"
        )
    k = min(folds, rarer)
    scale = ScoreScale.of(candidate_scores)
    predictions = {f: out_of_fold(f, scale, scores, flags, y, weights, k, seed) for f in FITS}
    losses: dict[Family, float] = {f: log_loss(p, y, weights) for f, p in predictions.items()}
    chosen = min(losses, key=lambda f: (losses[f], f != "isotonic"))
    held_out = predictions[chosen]
    return Calibration(
        model=FITS[chosen](scale, scores, flags, y, weights),
        held_out=held_out,
        cv_log_loss=losses,
        brier=brier_score(held_out, y, weights),
        ece=expected_calibration_error(held_out, y, weights, bins),
        reliability=reliability_bins(held_out, y, weights, bins),
        pairs=len(y),
        folds=k,
    )
