"""Precision of the links above a score threshold, its lower confidence bound, and the threshold to publish at.

The candidate links (one comparison, or one model's links in it) fall into the sampler's strata;
stratum h has N_h(t) links scoring at least t, all known. The labelled pairs are a simple random
sample of each stratum, so those of them scoring at least t are a simple random sample of the
stratum's N_h(t) links above t (a domain of the stratum, whose size is known). With n_h(t) of
them and x_h(t) the sum of their outcomes, the share of positive links above t is estimated by

    P̂(t) = Σ_h c_h p̂_h,   c_h = N_h(t) / Σ_g N_g(t),   p̂_h = x_h(t) / n_h(t),

the stratified estimator with the stratum weights of the links above t.

The bound: Clopper–Pearson on an effective sample size (after Korn & Graubard 1998). Over the
strata with labelled pairs above t, with d_h = c_h / Σ c and f_h = (N_h − n_h)/(N_h − 1) the
finite-population correction, the variance of P̂ is taken as the larger of the stratified estimate
Σ d_h² f_h p̂_h(1 − p̂_h)/n_h and the design-effect (Kish) one P̂(1 − P̂) Σ d_h² f_h / n_h, and the
effective sample size is n* = P̂(1 − P̂) / variance, i.e. n* = min(1 / Σ d_h² f_h / n_h, the
stratified one); the bound is the exact binomial (Clopper–Pearson) limit for P̂ n* successes in n*
trials (beta quantiles, so n* need not be whole). The one-sided lower bound at confidence 1 − α is
Beta⁻¹(α; P̂ n*, n* (1 − P̂) + 1); the two-sided interval uses α/2 at each end. A stratum labelled in
full has f_h = 0; all of them labelled in full gives a bound equal to P̂.
Why this bound: thresholds worth publishing at have precisions near 1 and a few labelled pairs per
stratum above them. There the stratified normal bound claims precision 1 whenever every labelled
pair is positive (zero variance); the Kish term keeps n* at the labelled count then. While choosing,
three bounds were run over the demo's stratum structure (the two 40-pairs-per-stratum populations of
tests/analysis/test_analysis_thresholds.py, 1,000 studies each, 95%, target 0.9): Wilson's interval on
the same n* covered as little as 93.4% one-sided and 87.6% two-sided (one negative among ~30 pairs of
a precision-0.99 set puts Wilson's upper limit below the truth); MOVER over per-stratum Wilson
intervals (as `analysis.precision` reports model precision) was so wide with a few pairs per stratum
that no study reached the target; Clopper–Pearson on n* covered at least 95.4% one-sided and 95.1%
two-sided at every threshold with ten or more labelled pairs above it, and is the one kept.

A stratum with links above t but no labelled pair above t has no estimate of its own: P̂(t) is then
the estimate over the other strata (d_h weights), the lower bound counts its links as negatives and
the upper bound as positives, so the bounds hold for every link above t; `unlabelled_links` counts
the links left out of P̂(t).

Choosing the threshold (fixed-sequence testing). Scanning every threshold for the lowest whose bound
reaches the target tests many hypotheses at once, and nothing bounds its error rate by α; instead the thresholds
are tested in a fixed order, from high to low, and the scan stops at the first that fails. The first
threshold whose true precision is below the target is then passed with probability at most α, and
every chosen threshold lies above it, so P(true precision of the chosen set < target) ≤ α, whether
or not precision falls monotonically with the threshold. The order must not depend on the labels:
the grid is fixed by the candidates' scores (`threshold_grid`), and the scan starts at the highest
threshold with at least `min_labelled` labelled pairs above it (a count that depends on which pairs
were sampled, not on their labels), because above it a bound from a handful of pairs cannot reach a
high target and would stop the scan at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_CONFIDENCE = 0.95
DEFAULT_GRID = 100
DEFAULT_MIN_LABELLED = 30
CURVE_COLUMNS = [
    "threshold",
    "links",
    "labelled",
    "unlabelled_links",
    "precision",
    "lower_bound",
    "ci_low",
    "ci_high",
]


def threshold_grid(scores: np.ndarray, points: int = DEFAULT_GRID) -> np.ndarray:
    """Distinct thresholds, highest first: the candidates' scores at quantiles 0, 1/points, …, 1
    (numpy's `lower` method, so each is a candidate's score). Label-free by construction."""
    finite = np.asarray(scores, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not len(finite):
        raise ValueError("no finite scores to take thresholds from")
    return np.unique(np.quantile(finite, np.linspace(0.0, 1.0, points + 1), method="lower"))[::-1]


@dataclass(frozen=True)
class StratifiedSample:
    """One score over a stratified candidate set, and the labelled probability sample of it.

    `population_scores`/`population_strata`: every candidate link's score and stratum (a link whose
    score is NaN is above no threshold).
    `sample_scores`/`sample_strata`/`sample_outcomes`: each labelled pair's score, stratum and
    outcome in [0, 1]; the labelled pairs must be candidates, drawn by simple random sampling within
    their stratum (no learning-stream pairs). Strata are any labels that compare equal.
    """

    population_scores: np.ndarray
    population_strata: np.ndarray
    sample_scores: np.ndarray
    sample_strata: np.ndarray
    sample_outcomes: np.ndarray

    def counts_above(self, thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(N, n, x), each (thresholds × strata): links, labelled pairs and their outcome sum at or above t."""
        t = np.asarray(thresholds, dtype=float)
        strata = np.unique(np.concatenate([self.population_strata, self.sample_strata]))
        shape = (len(t), len(strata))
        links, pairs, positives = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        scored = np.isfinite(self.population_scores)
        for h, stratum in enumerate(strata):
            population = np.sort(self.population_scores[scored & (self.population_strata == stratum)])
            links[:, h] = len(population) - np.searchsorted(population, t, side="left")
            member = self.sample_strata == stratum
            order = np.argsort(self.sample_scores[member], kind="stable")
            sample = self.sample_scores[member][order]
            cumulative = np.concatenate([[0.0], np.cumsum(self.sample_outcomes[member][order])])
            below = np.searchsorted(sample, t, side="left")
            pairs[:, h] = len(sample) - below
            positives[:, h] = cumulative[-1] - cumulative[below]
        return links, pairs, positives


def _bounds(
    links: np.ndarray, pairs: np.ndarray, positives: np.ndarray, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(P̂ over the labelled strata, lower limit, upper limit) per threshold, each limit at error α; the
    strata without labelled pairs above t count at their worst in the limits."""
    from scipy.special import betaincinv

    total = links.sum(axis=1, keepdims=True)
    weights = np.divide(links, total, out=np.zeros_like(links), where=total > 0)
    labelled = pairs > 0
    covered = np.where(labelled, weights, 0.0).sum(axis=1)
    share = np.divide(weights, covered[:, None], out=np.zeros_like(weights), where=labelled & (covered[:, None] > 0))
    n = np.where(labelled, pairs, 1.0)
    p_h = np.where(labelled, positives / n, 0.0)
    fpc = np.where(links > 1, (links - pairs) / np.maximum(links - 1, 1), 0.0)
    estimate = (share * p_h).sum(axis=1)
    design = (share**2 * fpc / n).sum(axis=1)
    stratified = (share**2 * fpc * p_h * (1 - p_h) / n).sum(axis=1)
    spread = estimate * (1 - estimate)
    with np.errstate(divide="ignore", invalid="ignore"):
        effective = np.minimum(1 / design, np.where(stratified > 0, spread / stratified, np.inf))
        hits, misses = estimate * effective, (1 - estimate) * effective
        low = np.where(hits > 0, betaincinv(hits, misses + 1, alpha), 0.0)
        high = np.where(misses > 0, betaincinv(hits + 1, misses, 1 - alpha), 1.0)
    exact = np.isinf(effective)
    low, high = np.where(exact, estimate, low), np.where(exact, estimate, high)
    return np.where(covered > 0, estimate, np.nan), covered * low, covered * high + (1 - covered)


def precision_curve(
    sample: StratifiedSample, thresholds: np.ndarray, confidence: float = DEFAULT_CONFIDENCE
) -> pd.DataFrame:
    """Per threshold t: links scoring at least t, labelled pairs among them, links in strata without a
    labelled pair above t, P̂(t) (NaN when no stratum has one), its one-sided lower bound at
    `confidence`, and its two-sided `confidence` interval (`ci_low`, `ci_high`). A threshold above
    every link has NaN precision, bound 0."""
    if not 0.5 < confidence < 1:
        raise ValueError(f"confidence must lie between 0.5 and 1, got {confidence!r}")
    links, pairs, positives = sample.counts_above(thresholds)
    estimate, lower, _ = _bounds(links, pairs, positives, 1 - confidence)
    _, ci_low, ci_high = _bounds(links, pairs, positives, (1 - confidence) / 2)
    nothing = links.sum(axis=1) == 0
    return pd.DataFrame(
        {
            "threshold": np.asarray(thresholds, dtype=float),
            "links": links.sum(axis=1).astype(np.int64),
            "labelled": pairs.sum(axis=1).astype(np.int64),
            "unlabelled_links": np.where((pairs <= 0) & (links > 0), links, 0).sum(axis=1).astype(np.int64),
            "precision": np.where(nothing, np.nan, estimate),
            "lower_bound": np.where(nothing, 0.0, lower),
            "ci_low": np.where(nothing, 0.0, ci_low),
            "ci_high": np.where(nothing, 1.0, ci_high),
        },
        columns=CURVE_COLUMNS,
    )


def choose_threshold(curve: pd.DataFrame, target: float, min_labelled: int = DEFAULT_MIN_LABELLED) -> int | None:
    """The row of `curve` (thresholds highest first) to publish at, by fixed-sequence testing, or None.

    The scan starts at the first row with at least `min_labelled` labelled pairs and goes down the
    rows while `lower_bound` ≥ `target`; the answer is the last row it passed (None when it fails
    at once, or no row has enough labelled pairs)."""
    thresholds = curve["threshold"].to_numpy()
    if np.any(np.diff(thresholds) >= 0):
        raise ValueError("the curve's thresholds must be strictly decreasing")
    eligible = np.flatnonzero(curve["labelled"].to_numpy() >= min_labelled)
    if not len(eligible):
        return None
    passed = curve["lower_bound"].to_numpy()[eligible[0] :] >= target
    run = len(passed) if passed.all() else int(np.argmin(passed))
    return int(eligible[0] + run - 1) if run else None


def expected_recall(probabilities: np.ndarray, scores: np.ndarray, thresholds: np.ndarray) -> pd.DataFrame:
    """Per threshold t, from calibrated probabilities p_i of the candidates: expected positives among the
    links scoring at least t (Σ p_i), the share of all expected positives that they keep
    (Σ_{s_i ≥ t} p_i / Σ p_i), and their calibrated precision (Σ_{s_i ≥ t} p_i / #{s_i ≥ t}). A candidate
    whose score is NaN (not among the links being thresholded) counts in Σ p_i and is above no threshold."""
    p = np.asarray(probabilities, dtype=float)
    s = np.asarray(scores, dtype=float)
    scored = np.isfinite(s)
    order = np.argsort(s[scored], kind="stable")
    cumulative = np.concatenate([[0.0], np.cumsum(p[scored][order])])
    below = np.searchsorted(s[scored][order], np.asarray(thresholds, dtype=float), side="left")
    kept = cumulative[-1] - cumulative[below]
    links = int(scored.sum()) - below
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {
                "threshold": np.asarray(thresholds, dtype=float),
                "expected_positives": kept,
                "expected_recall": kept / p.sum(),
                "calibrated_precision": np.where(links > 0, kept / links, np.nan),
            }
        )
