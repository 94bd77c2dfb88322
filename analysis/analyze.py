"""`hw analyze`: labels + batch provenance → distributions, regressions, agreement.

The regressions and the population precision take the probability sample only: labels of the
learning stream (`purpose` = `learn`) count in the label distributions and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis import agreement, labels, precision
from analysis.artifacts import (
    AGREEMENT_ALPHA,
    AGREEMENT_KAPPA,
    EXCLUDED,
    LABEL_DISTRIBUTION,
    LABELLED,
    LABELS_BY_ANNOTATOR,
    LABELS_BY_LINK_TYPE,
    LABELS_BY_ROUND,
    PRECISION,
    PRECISION_DIFFERENCE,
    PRECISION_STRATA,
    REGRESSION_COEFFICIENTS,
    REGRESSION_FITS,
)
from analysis.design import link_column
from analysis.logit import AnnotatorEffects
from analysis.regressions import run_regressions, study_designs
from analysis.tables import batches as batch_artifacts
from analysis.tables import read_batches, write_result
from annotation.artifacts import LABEL_ROUND, LABELS
from heritage_weaver.artifacts import Artifact, ArtifactError
from heritage_weaver.workspace import Workspace
from sampler.artifacts import LINKS
from sampler.artifacts.design import study_comparisons, study_models
from training.artifacts.fine_tuning import fine_tuning_skipped


@dataclass
class AnalysisSummary:
    n_annotations: int
    n_used: int
    n_excluded: int
    excluded_reasons: dict[str, int]
    fits: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def linked_models(batches: pd.DataFrame, comparisons: list[str], models: list[str]) -> tuple[list[str], list[str]]:
    """The comparisons and models that have link flags in the batches."""
    present = set(batches.columns)
    kept_models = [m for m in models if any(f"link.{c}.{m}" in present for c in comparisons)]
    kept_comparisons = [c for c in comparisons if all(f"link.{c}.{m}" in present for m in kept_models)]
    return kept_comparisons, kept_models


def run_analyze(ws: Workspace, effects: list[AnnotatorEffects]) -> AnalysisSummary:
    config = ws.config
    raw = LABELS.read(ws)
    if LABEL_ROUND not in raw.columns:  # pulled before labelling rounds existed: all round 1
        raw[LABEL_ROUND] = 1
    batches = read_batches(ws)
    provenance = labels.pair_provenance(batches)
    kept, excluded = labels.usable_labels(raw, provenance)
    kept["binary"] = labels.binarise(kept["label"], config.analysis.positive_labels)

    base = config.sampling.base_model
    study = study_models(ws)
    comparisons, models = linked_models(batches, [c.name for c in study_comparisons(ws)], study)
    notes = [f"model {m!r} has no link flags in the batches and is left out" for m in study if m not in models]
    fine_tuned = [m for m in models if m != base]
    if base not in models:
        notes.append(f"the base model {base!r} has no link flags in the batches: no regressions")
        fine_tuned = []
    elif not fine_tuned:
        why = fine_tuning_skipped(ws)
        notes.append(
            "no regressions: each sets a fine-tuned model's link flags beside the base model's, and the study has "
            "no fine-tuned model" + (f" (fine-tuning was skipped: {why})" if why else "")
        )
    designs = study_designs(labels.probability_sample(kept), comparisons, base, fine_tuned)
    coefficients, fits = run_regressions(
        designs, config.analysis.intercept, effects, config.analysis.permutations, config.study.seed
    )

    population_tables, population_notes = population_precision(ws, kept, comparisons, models, base)
    notes += population_notes

    inputs = [LABELS, *batch_artifacts(ws)]
    if LINKS.exists(ws):
        inputs.append(LINKS)
    by_round = labels.label_counts_by_round(kept)
    details = {
        "intercept": config.analysis.intercept,
        "annotator_effects": list(effects),
        "seed": config.study.seed,
        "annotations_per_round": {str(row.round): int(row.annotations) for row in by_round.itertuples()},
        "adjudicated_pairs": int(by_round["adjudicated"].sum()) if len(by_round) else 0,
    }
    tables = {
        LABELLED: kept,
        EXCLUDED: excluded,
        LABEL_DISTRIBUTION: labels.label_distribution(kept, config.analysis.positive_labels),
        LABELS_BY_ANNOTATOR: labels.label_distribution_by_annotator(kept),
        LABELS_BY_LINK_TYPE: labels.label_distribution_by_link_type(kept),
        LABELS_BY_ROUND: by_round,
        REGRESSION_COEFFICIENTS: coefficients,
        REGRESSION_FITS: fits,
        AGREEMENT_ALPHA: agreement.alpha_table(kept),
        AGREEMENT_KAPPA: agreement.pairwise_kappa(kept),
        **population_tables,
    }
    for artifact, frame in tables.items():
        write_result(ws, artifact, frame, inputs, **details)
    return AnalysisSummary(
        n_annotations=len(raw),
        n_used=len(kept),
        n_excluded=len(excluded),
        excluded_reasons=excluded["reason"].value_counts().to_dict(),
        fits=fits,
        notes=notes,
    )


def population_precision(
    ws: Workspace, kept: pd.DataFrame, comparisons: list[str], models: list[str], base: str
) -> tuple[dict[Artifact, pd.DataFrame], list[str]]:
    """The precision tables (empty, with a note, when the sampler's links table cannot be read)."""
    empty = {a: pd.DataFrame(columns=list(a.columns)) for a in precision.TABLES}
    flags = [link_column(c, m) for c in comparisons for m in models]
    try:
        links = LINKS.read(ws, columns=["pair_id", "link_types", *flags])
    except ArtifactError as error:
        return empty, [f"no population precision: {error}"]
    strata = precision.stratum_precision(
        precision.stratum_populations(links, comparisons, models),
        precision.pair_outcomes(labels.probability_sample(kept), ws.config.analysis.positive_labels),
    )
    notes = []
    unknown = set(kept["pair_id"]) - set(links["pair_id"]) - set(kept.loc[kept["is_control"].astype(bool), "pair_id"])
    if unknown:
        notes.append(
            f"{len(unknown)} labelled pair(s) are not in {LINKS.path} (was it sampled again?): "
            "their labels count in their batch's strata but the population sizes are today's"
        )
    fine_tuned = [m for m in models if m != base] if base in models else []
    return {
        PRECISION_STRATA: strata,
        PRECISION: precision.model_precision(strata, precision.model_links(links, comparisons, models)),
        PRECISION_DIFFERENCE: precision.precision_difference(strata, comparisons, base, fine_tuned),
    }, notes
