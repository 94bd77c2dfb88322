"""`hw calibrate`: the labelled sample + the sampler's links → link probabilities and publishable thresholds.

Per comparison the candidate set is every pair some model links in it (`sampler/links.parquet`);
its strata are the pairs' link types in the comparison, and candidates in an agreement pattern the
sampler does not sample form one more stratum, `<comparison>/unsampled`, which never has labels (its
links count at their worst in every bound). The labelled pairs are the analysis's (`hw analyze`),
each with its outcome under two targets: the study's binarisation (`[analysis] positive_labels`)
and `match` (same or similar object). Per comparison and target the stage fits the calibration
(analysis.calibration), writes every candidate's probability, and for the probability and for each
model's own score over its links, the precision curve and the lowest threshold whose lower bound
reaches `[publishing] target_precision` (analysis.thresholds).

The batches say how the sample was drawn (`SampleDesign`): in score bands, the estimation cells are
the bands within each link type; the learning stream's labels (`purpose` = `learn`) join the
calibration, each pair standing for itself, and never the precision curves, which take the
probability sample alone (docs/methods.md says why). The inclusion probabilities the batches record
are as of each pair's round; the weights here count the labelled pairs per cell now, N_h / n_h.

The probability is fitted on the same labelled pairs that then bound its precision. Judged by that
fit, a labelled pair sits above a threshold partly because of its own label (an isotonic step ends
just below a run of positives; a logistic fit on a few dozen pairs leans toward them), so the
labelled pairs above t would no longer be a random sample of the links above t, and the bound
would be optimistic. The precision curves of the probability therefore place each labelled pair by
its out-of-fold probability (cross-fitting: the family fitted without the pair's fold), the rule the
unlabelled links are placed by applied to a pair the rule has not seen; every candidate is counted
by the full fit. On the demo's own text-image candidates at twice its labels, the bound fell short in
7–8% of simulated studies with in-sample placement and in 0.7–2.3% cross-fitted (docs/analyst.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis import calibration, labels, thresholds
from analysis.artifacts import (
    CALIBRATION,
    CALIBRATION_TARGETS,
    CURVE_VALUES,
    LABELLED,
    LINK_PROBABILITIES,
    PRECISION_CURVES,
    PROBABILITY_SCORE,
    PUBLISHABLE,
    RELIABILITY,
)
from analysis.design import link_column
from analysis.tables import write_result
from heritage_weaver.config import StudyConfig
from heritage_weaver.progress import Progress
from heritage_weaver.score_bands import band_scores, cell_names, stratum_bands
from heritage_weaver.workspace import Workspace
from sampler.artifacts import BATCH_BANDS, BATCH_PURPOSE, LINKS, round_batches, shown_pairs
from sampler.artifacts.design import study_comparisons, study_models

PROBABILITY = PROBABILITY_SCORE


@dataclass(frozen=True)
class SampleDesign:
    """What the batches say of the sample: its score bands, the learning stream's pairs, and those of them
    that a later round of the probability sample could no longer draw (shown before its last round)."""

    bands: int = 1
    learning: frozenset[str] = frozenset()
    unreachable: frozenset[str] = frozenset()

    @classmethod
    def of(cls, ws: Workspace) -> SampleDesign:
        shown = shown_pairs(ws)
        learn = shown[BATCH_PURPOSE] == labels.LEARN
        estimate = shown.loc[~learn]
        last = int(estimate["round"].max()) if len(estimate) else 0
        return cls(
            int(estimate[BATCH_BANDS].max()) if len(estimate) else 1,
            frozenset(shown.loc[learn, "pair_id"]),
            frozenset(shown.loc[learn & (shown["round"] < last), "pair_id"]),
        )


@dataclass(frozen=True)
class Candidates:
    """One comparison's candidate pairs: ids, (pairs × models) scores and flags, and strata."""

    comparison: str
    pair_ids: pd.Index
    scores: np.ndarray
    flags: np.ndarray
    link_types: pd.Series
    strata: np.ndarray

    @classmethod
    def of(
        cls, links: pd.DataFrame, comparison: str, models: list[str], design: SampleDesign = SampleDesign()
    ) -> Candidates:
        """The stratum of a candidate is its cell: its link type, and its score band when the sample
        was drawn in bands (heritage_weaver.score_bands); a learning pair the probability sample could
        no longer reach is in `<link type>#learning`, which has no labels in any estimate."""
        linked = links[[link_column(comparison, m) for m in models]].fillna(False).astype(bool).any(axis=1)
        rows = links.loc[linked].reset_index(drop=True)
        scores, flags = calibration.comparison_features(rows, comparison, models)
        link_types = calibration.stratum_of(rows["link_types"], comparison)
        bands = stratum_bands(link_types.tolist(), band_scores(rows, comparison, models), design.bands)
        cells = pd.Series(cell_names(link_types.tolist(), bands, design.bands), dtype=object)
        unreachable = rows["pair_id"].isin(design.unreachable) & link_types.notna()
        cells[unreachable] = link_types[unreachable] + "#learning"
        strata = cells.fillna(f"{comparison}/unsampled").to_numpy(dtype=str)
        return cls(comparison, pd.Index(rows["pair_id"]), scores, flags, link_types, strata)

    def populations(self) -> dict[str, int]:
        names, sizes = np.unique(self.strata, return_counts=True)
        return dict(zip(names.tolist(), sizes.tolist(), strict=True))


@dataclass(frozen=True)
class Labelled:
    """The labelled candidates of one comparison under one target: their rows in `Candidates`, outcomes,
    calibration weights, and which of them are of the probability sample (`sample`: all but the learning
    stream's, the only pairs an estimate of precision may use)."""

    rows: np.ndarray
    outcomes: np.ndarray
    weights: np.ndarray
    sample: np.ndarray

    @classmethod
    def of(cls, candidates: Candidates, outcomes: pd.DataFrame, learning: frozenset[str] = frozenset()) -> Labelled:
        sampled = calibration.stratum_of(outcomes["link_types"], candidates.comparison).notna().to_numpy()
        pair_ids = outcomes.loc[sampled, "pair_id"]
        rows = candidates.pair_ids.get_indexer(pair_ids)
        found = rows >= 0
        rows = rows[found]
        chosen = pair_ids.isin(learning).to_numpy()[found]
        weights = calibration.design_weights(candidates.strata[rows], candidates.populations(), chosen)
        return cls(rows, outcomes.loc[sampled, "outcome"].to_numpy(dtype=float)[found], weights, ~chosen)


@dataclass
class CalibrationSummary:
    fits: pd.DataFrame
    publishable: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def _score_sources(
    candidates: Candidates,
    labelled: Labelled,
    probability: np.ndarray | None,
    fitted: calibration.Calibration | None,
    models: list[str],
) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """(score name, each candidate's score, each labelled pair's score to judge it by); NaN where the
    pair is not among that score's links. The probability judges a labelled pair by its out-of-fold
    value; a model's score is label-free, so a labelled pair keeps its own."""
    if probability is not None and fitted is not None:
        yield PROBABILITY, probability, fitted.held_out
    for m, model in enumerate(models):
        score = np.where(candidates.flags[:, m], candidates.scores[:, m], np.nan)
        yield model, score, score[labelled.rows]


def _threshold_rows(
    candidates: Candidates,
    labelled: Labelled,
    score: np.ndarray,
    sample_score: np.ndarray,
    probability: np.ndarray | None,
    config: StudyConfig,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """The precision curve of one score, with expected recall, and the chosen row (or why there is none)."""
    publishing = config.publishing
    members = np.isfinite(score)
    in_sample = np.isfinite(sample_score) & labelled.sample
    sample = thresholds.StratifiedSample(
        score[members],
        candidates.strata[members],
        sample_score[in_sample],
        candidates.strata[labelled.rows[in_sample]],
        labelled.outcomes[in_sample],
    )
    grid = thresholds.threshold_grid(score[members])
    curve = thresholds.precision_curve(sample, grid, publishing.confidence)
    recall = np.full(len(grid), np.nan)
    if probability is not None:
        recall = thresholds.expected_recall(probability, score, grid)["expected_recall"].to_numpy()
    curve["expected_recall"] = recall
    row = thresholds.choose_threshold(curve, publishing.target_precision)
    chosen: dict[str, object] = {"target_precision": publishing.target_precision, "confidence": publishing.confidence}
    if row is None:
        chosen |= {c: np.nan for c in (*CURVE_VALUES, "expected_recall")}
        chosen["message"] = (
            f"no threshold with {thresholds.DEFAULT_MIN_LABELLED} or more labelled pairs above it has a "
            f"lower bound of {publishing.target_precision}"
        )
    else:
        chosen |= curve.iloc[row].to_dict() | {"message": ""}
    return curve, chosen


@dataclass
class Tables:
    """The rows every comparison adds to the stage's tables."""

    fits: list[dict[str, object]] = field(default_factory=list)
    publishable: list[dict[str, object]] = field(default_factory=list)
    reliability: list[pd.DataFrame] = field(default_factory=list)
    curves: list[pd.DataFrame] = field(default_factory=list)
    probabilities: list[pd.DataFrame] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_comparison(
        self,
        candidates: Candidates,
        outcomes: dict[str, pd.DataFrame],
        models: list[str],
        config: StudyConfig,
        learning: frozenset[str] = frozenset(),
    ) -> None:
        columns: dict[str, object] = {
            "pair_id": candidates.pair_ids,
            "comparison": candidates.comparison,
            "link_type": candidates.link_types.to_numpy(),
        }
        for target in CALIBRATION_TARGETS:
            keys: dict[str, object] = {"comparison": candidates.comparison, "target": target}
            sample = Labelled.of(candidates, outcomes[target], learning)
            fitted, fit = _fit(candidates, sample, config.study.seed)
            self.fits.append(keys | fit)
            probability = None
            if fitted is not None:
                self.reliability.append(fitted.reliability.assign(**keys))
                probability = fitted.model.predict(candidates.scores, candidates.flags)
            else:
                self.notes.append(f"{candidates.comparison}, {target}: no calibration: {fit['message']}")
            columns[PROBABILITY if target == "study" else "match_probability"] = (
                probability if probability is not None else np.full(len(candidates.pair_ids), np.nan)
            )
            for name, score, sample_score in _score_sources(candidates, sample, probability, fitted, models):
                if not np.isfinite(score).any():
                    message = f"{name} has no links in {candidates.comparison}"
                    self.publishable.append(keys | {"score": name, "message": message})
                    continue
                curve, row = _threshold_rows(candidates, sample, score, sample_score, probability, config)
                self.curves.append(curve.assign(**keys, score=name))
                self.publishable.append(keys | {"score": name} | row)
        self.probabilities.append(pd.DataFrame(columns))


def run_calibrate(ws: Workspace, progress: Progress) -> CalibrationSummary:
    config = ws.config
    models = study_models(ws)
    comparisons = [c.name for c in study_comparisons(ws)]
    flags = [link_column(c, m) for c in comparisons for m in models]
    scores = [calibration.score_column(c, m) for c in comparisons for m in models]
    links = LINKS.read(ws, columns=["pair_id", "link_types", *flags, *scores])
    labelled = LABELLED.read(ws)
    positives = {"study": config.analysis.positive_labels, "match": list(calibration.MATCH_LABELS)}
    outcomes = {target: calibration.target_outcomes(labelled, labels) for target, labels in positives.items()}
    design = SampleDesign.of(ws)
    tables = Tables()
    advance = progress.task("calibrate", len(comparisons), "comparisons")
    for comparison in comparisons:
        candidates = Candidates.of(links, comparison, models, design)
        tables.add_comparison(candidates, outcomes, models, config, design.learning)
        advance(1)
    missing = set(outcomes["study"]["pair_id"]) - set(links["pair_id"])
    missing -= set(labelled.loc[labelled["is_control"].astype(bool), "pair_id"])
    if missing:
        tables.notes.append(f"{len(missing)} labelled pair(s) are not in {LINKS.path} and are left out")
    inputs = [LINKS, LABELLED, *(batch.artifact for batch in round_batches(ws))]
    details = {"seed": config.study.seed, "target_precision": config.publishing.target_precision}
    LINK_PROBABILITIES.write(ws, pd.concat(tables.probabilities, ignore_index=True), inputs, **details)
    frames = {
        CALIBRATION: pd.DataFrame(tables.fits),
        RELIABILITY: pd.concat(tables.reliability, ignore_index=True) if tables.reliability else None,
        PRECISION_CURVES: pd.concat(tables.curves, ignore_index=True) if tables.curves else None,
        PUBLISHABLE: pd.DataFrame(tables.publishable),
    }
    written = {}
    for artifact, frame in frames.items():
        written[artifact] = (frame if frame is not None else pd.DataFrame()).reindex(columns=list(artifact.columns))
        write_result(ws, artifact, written[artifact], inputs, **details)
    return CalibrationSummary(written[CALIBRATION], written[PUBLISHABLE], tables.notes)


def _fit(
    candidates: Candidates, sample: Labelled, seed: int
) -> tuple[calibration.Calibration | None, dict[str, object]]:
    """The calibration and the fit's row; or None and the reason."""
    try:
        fitted = calibration.calibrate(
            candidates.scores,
            candidates.scores[sample.rows],
            candidates.flags[sample.rows],
            sample.outcomes,
            sample.weights,
            seed=seed,
        )
    except calibration.CalibrationError as error:
        return None, {"pairs": len(sample.rows), "message": str(error)}
    row: dict[str, object] = {
        "family": fitted.model.family,
        "pairs": fitted.pairs,
        "folds": fitted.folds,
        **{f"cv_log_loss_{family}": loss for family, loss in fitted.cv_log_loss.items()},
        "brier": fitted.brier,
        "ece": fitted.ece,
        "message": "",
    }
    return fitted, row
