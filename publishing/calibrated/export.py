"""`hw export-links --precision`: read `hw calibrate`'s tables and build the calibrated links (their RDF: publishing.calibrated.rdf)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from analysis.artifacts import CALIBRATION, LINK_PROBABILITIES, PUBLISHABLE
from heritage_weaver.artifacts import Artifact
from heritage_weaver.workspace import Workspace
from publishing.calibrated.links import calibrated_links, calibrated_relation, publishable_sets
from publishing.calibrated.rdf import Calibration
from publishing.uris import record_templates
from sampler.artifacts import LINKS
from sampler.artifacts.design import study_comparisons, study_models


@dataclass(frozen=True)
class CalibratedExport:
    links: pd.DataFrame  # publishing.calibrated.links columns
    sets: pd.DataFrame  # one row per comparison (publishing.calibrated.links SET_COLUMNS)
    calibration: Calibration  # what the RDF says of the sets and calibrations
    inputs: tuple[Artifact, ...]


def calibrated_export(
    ws: Workspace,
    precision: float,
    judged_pairs: set[str],
    thresholds: pd.DataFrame,
    calibrated_at: datetime | None,
) -> CalibratedExport:
    """The calibrated links at `precision`; ValueError when `precision` is not the target `hw calibrate`
    chose its thresholds at."""
    config = ws.config
    publishable = PUBLISHABLE.read(ws)
    targets = sorted(set(publishable["target_precision"].dropna()))
    if not targets or any(not math.isclose(precision, t) for t in targets):
        chosen_at = ", ".join(f"{t:g}" for t in targets) or "no target"
        raise ValueError(
            f"{PUBLISHABLE.path} holds thresholds for a precision of {chosen_at}, not {precision:g}: set "
            f"[publishing] target_precision = {precision:g} and run `hw calibrate` again"
        )
    comparisons = [c.name for c in study_comparisons(ws)]
    sets = publishable_sets(publishable, comparisons)
    models = study_models(ws)
    candidate_columns = [f"{kind}.{c}.{m}" for c in comparisons for m in models for kind in ("link", "score")]
    candidates = LINKS.read(
        ws, columns=["pair_id", "record_a", "collection_a", "record_b", "collection_b", *candidate_columns]
    )
    probabilities = LINK_PROBABILITIES.read(ws, columns=["pair_id", "comparison", "probability"])
    relation = calibrated_relation(config.analysis.positive_labels, dict(config.publishing.relations))
    links = calibrated_links(
        config.study.name,
        sets,
        probabilities,
        candidates,
        judged_pairs,
        thresholds,
        record_templates(config),
        relation,
    )
    counts = links["comparison"].value_counts()
    sets["calibrated_links"] = sets["comparison"].map(counts).fillna(0).astype("int64")
    fits = CALIBRATION.read(ws)
    calibration = Calibration(sets, fits[fits["target"] == "study"], len(judged_pairs), calibrated_at)
    return CalibratedExport(links, sets, calibration, (PUBLISHABLE, CALIBRATION, LINK_PROBABILITIES, LINKS))
