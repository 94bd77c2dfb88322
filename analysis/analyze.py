"""`hw analyze`: labels + batch provenance → distributions, regressions, agreement."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis import agreement, labels
from analysis.logit import AnnotatorEffects
from analysis.regressions import run_regressions, study_designs
from analysis.tables import batches as batch_artifacts
from analysis.tables import read_batches, write_result
from heritage_weaver import artifacts
from heritage_weaver.workspace import Workspace


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
    raw = artifacts.LABELS.read(ws)
    batches = read_batches(ws)
    provenance = labels.pair_provenance(batches)
    kept, excluded = labels.usable_labels(raw, provenance)
    kept["binary"] = labels.binarise(kept["label"], config.analysis.positive_labels)

    base = config.sampling.base_model
    comparisons, models = linked_models(batches, [c.name for c in config.comparisons], list(config.models))
    notes = [f"model {m!r} has no link flags in the batches and is left out" for m in config.models if m not in models]
    fine_tuned = [m for m in models if m != base]
    if base not in models:
        notes.append(f"the base model {base!r} has no link flags in the batches: no regressions")
        fine_tuned = []
    designs = study_designs(kept, comparisons, base, fine_tuned)
    coefficients, fits = run_regressions(
        designs, config.analysis.intercept, effects, config.analysis.permutations, config.study.seed
    )

    inputs = [artifacts.LABELS, *batch_artifacts(ws)]
    details = {"intercept": config.analysis.intercept, "annotator_effects": list(effects), "seed": config.study.seed}
    tables = {
        artifacts.LABELLED: kept,
        artifacts.EXCLUDED: excluded,
        artifacts.LABEL_DISTRIBUTION: labels.label_distribution(kept, config.analysis.positive_labels),
        artifacts.LABELS_BY_ANNOTATOR: labels.label_distribution_by_annotator(kept),
        artifacts.LABELS_BY_LINK_TYPE: labels.label_distribution_by_link_type(kept),
        artifacts.REGRESSION_COEFFICIENTS: coefficients,
        artifacts.REGRESSION_FITS: fits,
        artifacts.AGREEMENT_ALPHA: agreement.alpha_table(kept),
        artifacts.AGREEMENT_KAPPA: agreement.pairwise_kappa(kept),
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
