"""Does the calibrated threshold keep its promise on a demo study's own candidates and design?

Per comparison of a demo study (after `make demo`, or `NO_LABELSTUDIO=1 make demo`), the candidates,
their strata and their truth as the simulated annotators would label them (the demo's catalogue
facts, `--noise` annotator error) are fixed; each simulated study draws the design's labelled pairs
per stratum again (the batches' counts times `--scale`), labels them at random by that truth,
calibrates on them and chooses a threshold at `--target` as `hw calibrate` does. Three ways of
deciding whether a labelled pair is above a threshold are compared side by side on the same draws:

- `in-sample`: by the probability fitted on all labels, its own included (the stage before cross-fitting);
- `cross-fitted`: by its out-of-fold probability (what `hw calibrate` does);
- `label-free`: thresholds on the models' mean rank instead of a probability (no fit at all).

Printed per comparison and way: studies in which a threshold was chosen, and in which the true
precision of the links above it fell below the target (at most 5% is the promise, at 95%).

    .venv/bin/python benchmarks/calibration_coverage.py demo-study --studies 300 --target 0.6 --scale 2

`--population FILE --comparison C` also writes that comparison's candidates (scores, flags, stratum,
truth as labelled) and design for tests/analysis/test_analysis_thresholds.py.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import calibrate, calibration, reference, thresholds
from demo.reference import reference_standard
from demo.truth import read_truth
from heritage_weaver.workspace import Workspace
from sampler.artifacts import BATCH_PURPOSE, LINKS, shown_pairs

WAYS = ("in-sample", "cross-fitted", "label-free")


def design_counts(shown: pd.DataFrame, comparison: str) -> dict[str, int]:
    """The labelled pairs per stratum of the probability sample in the batches."""
    sampled = shown[shown[BATCH_PURPOSE] != "learn"]
    return calibration.stratum_of(sampled["link_types"], comparison).dropna().value_counts().to_dict()


def simulate(
    scores: np.ndarray,
    flags: np.ndarray,
    strata: np.ndarray,
    chance: np.ndarray,
    design: dict[str, int],
    studies: int,
    target: float,
    seed: int = 0,
) -> dict[str, tuple[int, int]]:
    """Per way: (studies with a threshold, studies whose chosen set's true precision is below `target`)."""
    rng = np.random.default_rng(seed)
    names, sizes = np.unique(strata, return_counts=True)
    populations = dict(zip(names.tolist(), sizes.tolist(), strict=True))
    scale = calibration.ScoreScale.of(scores)
    combined = scale.combined(scores)
    found = {way: [0, 0] for way in WAYS}
    for study in range(studies):
        drawn = np.concatenate(
            [rng.choice(np.flatnonzero(strata == h), min(n, populations[h]), replace=False) for h, n in design.items()]
        )
        outcome = (rng.random(len(drawn)) < chance[drawn]).astype(float)
        weights = calibration.inverse_inclusion_weights(strata[drawn], populations)
        try:
            fitted = calibration.calibrate(scores, scores[drawn], flags[drawn], outcome, weights, seed=study)
        except calibration.CalibrationError:
            continue
        probability = fitted.model.predict(scores, flags)
        placed = {
            "in-sample": (probability, probability[drawn]),
            "cross-fitted": (probability, fitted.held_out),
            "label-free": (combined, combined[drawn]),
        }
        for way, (score, sample_score) in placed.items():
            sample = thresholds.StratifiedSample(score, strata, sample_score, strata[drawn], outcome)
            grid = thresholds.threshold_grid(score)
            row = thresholds.choose_threshold(thresholds.precision_curve(sample, grid), target)
            if row is not None:
                found[way][0] += 1
                found[way][1] += int(chance[score >= grid[row]].mean() < target)
    return {way: (chosen, short) for way, (chosen, short) in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("study", type=Path)
    parser.add_argument("--studies", type=int, default=300)
    parser.add_argument("--target", type=float, default=0.6)
    parser.add_argument("--scale", type=float, default=1.0, help="labelled pairs per stratum, times the design's")
    parser.add_argument("--noise", type=float, default=0.15, help="the simulated annotators' error")
    parser.add_argument("--population", type=Path, help="write one comparison's candidates here (parquet)")
    parser.add_argument("--comparison", default="text-image")
    args = parser.parse_args()
    ws = Workspace.open(args.study)
    models = list(ws.config.models)
    links = LINKS.read(ws)
    known = reference_standard(links, read_truth(ws), args.noise)
    truth = reference.pair_truth(links, known, ws.config.analysis.positive_labels)
    chance = pd.Series(truth["chance"].to_numpy(), index=links["pair_id"])
    shown = shown_pairs(ws)
    print(f"{args.studies} studies per comparison, target {args.target}, {args.scale:g}× the design's labels")
    print(f"{'comparison':12} {'way':13} {'chosen':>7} {'short':>6} {'short %':>8}")
    for comparison in [c.name for c in ws.config.comparisons]:
        candidates = calibrate.Candidates.of(links, comparison, models)
        design = {h: max(2, round(n * args.scale)) for h, n in design_counts(shown, comparison).items()}
        truth_as_labelled = chance.reindex(candidates.pair_ids).to_numpy()
        if args.population and comparison == args.comparison:
            frame = pd.DataFrame(candidates.scores, columns=[f"score.{m}" for m in models])
            frame[[f"link.{m}" for m in models]] = candidates.flags
            frame["stratum"], frame["chance"] = candidates.strata, truth_as_labelled
            frame.to_parquet(args.population, index=False)
            args.population.with_suffix(".json").write_text(json.dumps(design_counts(shown, comparison), indent=1))
        results = simulate(
            candidates.scores, candidates.flags, candidates.strata, truth_as_labelled, design, args.studies, args.target
        )
        for way, (chosen, short) in results.items():
            print(f"{comparison:12} {way:13} {chosen:7d} {short:6d} {short / args.studies:8.1%}")


if __name__ == "__main__":
    main()
