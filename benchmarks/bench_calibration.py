"""Calibration and threshold selection over one comparison's candidate set (issue 24).

Synthetic: three models' correlated scores; each model links its top 40% of the record pairs drawn,
and the candidate set is the first `--candidates` pairs that some model links; the strata are their
agreement patterns; `--labels` pairs are drawn equally from every stratum and labelled from a planted
probability. Timed: `calibrate` (both families, 5-fold cross-validation, the refit), the probability
of every candidate, the precision curve on that probability with the threshold choice and expected
recall, and the same curve and choice on each model's own score over its links. Prints figures; no
asserts. Run: .venv/bin/python benchmarks/bench_calibration.py [--candidates N] [--labels N]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

from analysis import calibration, thresholds
from sampler.strata import pattern_codes

MODELS = ("base", "ft-last", "ft-best")


def candidate_set(rng: np.random.Generator, candidates: int) -> tuple[np.ndarray, np.ndarray]:
    drawn = candidates * 2
    latent = rng.standard_normal(drawn, dtype=np.float32)
    scores = 0.3 + 0.08 * latent[:, None] + 0.04 * rng.standard_normal((drawn, len(MODELS)), dtype=np.float32)
    flags = scores >= np.quantile(scores, 0.6, axis=0)
    linked = np.flatnonzero(flags.any(axis=1))[:candidates]
    if len(linked) < candidates:
        raise SystemExit(f"only {len(linked)} linked pairs drawn; raise the draw")
    return scores[linked].astype(np.float64), flags[linked]


def stratified_labels(
    rng: np.random.Generator, strata: np.ndarray, truth: np.ndarray, labels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    names, sizes = np.unique(strata, return_counts=True)
    per = labels // len(names)
    drawn = np.concatenate([rng.choice(np.flatnonzero(strata == h), per, replace=False) for h in names])
    outcomes = (rng.random(len(drawn)) < truth[drawn]).astype(float)
    weights = calibration.inverse_inclusion_weights(strata[drawn], dict(zip(names, sizes.tolist(), strict=True)))
    return drawn, outcomes, weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2_000_000)
    parser.add_argument("--labels", type=int, default=1_000)
    parser.add_argument("--target", type=float, default=0.8)
    options = parser.parse_args()

    rng = np.random.default_rng(0)
    scores, flags = candidate_set(rng, options.candidates)
    strata = pattern_codes(flags).astype(str)
    scale = calibration.ScoreScale.of(scores)
    truth = 1 / (1 + np.exp(-(-2.0 + 1.2 * scale.standardised(scores).sum(axis=1))))
    drawn, outcomes, weights = stratified_labels(rng, strata, truth, options.labels)
    print(f"{len(scores):,} candidates, {len(np.unique(strata))} strata, {len(drawn):,} labels")

    start = time.perf_counter()
    import sklearn.isotonic  # noqa: F401  (imported once per run; timed apart)
    import sklearn.linear_model  # noqa: F401
    import sklearn.model_selection  # noqa: F401

    print(f"scikit-learn import: {time.perf_counter() - start:.2f} s")
    tracemalloc.start()
    start = time.perf_counter()
    fitted = calibration.calibrate(scores, scores[drawn], flags[drawn], outcomes, weights)
    calibrated = time.perf_counter()
    probability = fitted.model.predict(scores, flags)
    predicted = time.perf_counter()
    grid = thresholds.threshold_grid(probability)
    sample = thresholds.StratifiedSample(probability, strata, fitted.held_out, strata[drawn], outcomes)
    curve = thresholds.precision_curve(sample, grid)
    row = thresholds.choose_threshold(curve, options.target)
    recall = thresholds.expected_recall(probability, probability, grid)
    selected = time.perf_counter()
    for m, model in enumerate(MODELS):
        own = flags[:, m]
        labelled = own[drawn]
        model_sample = thresholds.StratifiedSample(
            scores[own, m], strata[own], scores[drawn[labelled], m], strata[drawn[labelled]], outcomes[labelled]
        )
        model_curve = thresholds.precision_curve(model_sample, thresholds.threshold_grid(scores[own, m]))
        model_row = thresholds.choose_threshold(model_curve, options.target)
        chosen = "none" if model_row is None else f"{model_curve['threshold'][model_row]:.4f}"
        print(f"  {model}: {int(own.sum()):,} links, threshold at {options.target} {chosen}")
    end = time.perf_counter()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(
        f"calibration: {fitted.model.family} (cv log-loss "
        + ", ".join(f"{f} {v:.4f}" for f, v in fitted.cv_log_loss.items())
        + f"), Brier {fitted.brier:.4f}, ECE {fitted.ece:.4f}"
    )
    if row is None:
        print(f"no threshold on the probability reaches a lower bound of {options.target}")
    else:
        chosen_row = curve.iloc[row]
        print(
            f"threshold on the probability: {chosen_row['threshold']:.4f}, {int(chosen_row['links']):,} links, "
            f"precision {chosen_row['precision']:.3f} (lower bound {chosen_row['lower_bound']:.3f}, "
            f"{int(chosen_row['unlabelled_links']):,} links in strata without labels above it), "
            f"expected recall {recall['expected_recall'][row]:.3f}"
        )
    print(f"calibrate (2 families × 5 folds + refit): {calibrated - start:.2f} s")
    print(f"probability of every candidate: {predicted - calibrated:.2f} s")
    print(f"precision curve ({len(grid)} thresholds) + choice + expected recall: {selected - predicted:.2f} s")
    print(f"the same per model on its own score: {end - selected:.2f} s")
    print(f"total: {end - start:.2f} s")
    print(f"peak traced allocations in the timed part: {traced_peak / 2**20:,.0f} MiB")
    print(f"peak RSS of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10:,.0f} MiB")


if __name__ == "__main__":
    main()
