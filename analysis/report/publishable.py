"""The report's "What can be published" section: per comparison the threshold `hw calibrate` chose on the
calibrated probability, the links above it with their precision, and how well the probability is calibrated."""

from __future__ import annotations

import math

import pandas as pd

from analysis import figures
from analysis.artifacts import (
    CALIBRATION,
    PRECISION_CURVES,
    PROBABILITY_SCORE,
    PUBLISHABLE,
    RELIABILITY,
)
from analysis.report.parts import Section, read_or_note
from analysis.report.truth import threshold_truth
from analysis.thresholds import CURVE_COLUMNS
from heritage_weaver.workspace import Workspace
from sampler.artifacts.design import study_comparisons

COUNTS = {"links": "Int64", "labelled": "Int64", "unlabelled_links": "Int64"}
SET_COLUMNS = ["comparison", *CURVE_COLUMNS, "expected_recall"]


def probability_rows(frame: pd.DataFrame, comparisons: list[str]) -> pd.DataFrame:
    """The rows of a publishable or precision-curve table for the calibrated probability of the study's
    binarisation, in the config's comparison order."""
    rows = frame[(frame["target"] == "study") & (frame["score"] == PROBABILITY_SCORE)]
    rank = {name: index for index, name in enumerate(comparisons)}
    return rows.sort_values("comparison", key=lambda column: column.map(rank), kind="stable").reset_index(drop=True)


def stale_target_notes(publishable: pd.DataFrame, target: float, confidence: float) -> list[str]:
    """A note when `hw calibrate` chose its thresholds at another target or confidence than the study's now."""
    chosen_at = publishable[["target_precision", "confidence"]].dropna().drop_duplicates()
    if chosen_at.empty or all(
        math.isclose(row.target_precision, target) and math.isclose(row.confidence, confidence)
        for row in chosen_at.itertuples()
    ):
        return []
    was = ", ".join(f"{row.target_precision:g} at {row.confidence:.0%}" for row in chosen_at.itertuples())
    return [
        f"these thresholds were chosen for a target precision of {was}; the study now asks for "
        f"{target:g} at {confidence:.0%}: run `hw calibrate` again"
    ]


def publishable_section(ws: Workspace) -> Section:
    publishing = ws.config.publishing
    level = f"{publishing.confidence:.0%}"
    section = Section(
        "publishable",
        "What can be published",
        f"Per comparison, the lowest threshold on the calibrated probability whose links have a {level} one-sided "
        f"lower confidence bound on precision of at least {publishing.target_precision:g} ([publishing] "
        "target_precision), chosen by `hw calibrate`: `links` are all candidates above it, `labelled` the "
        "labelled pairs among them, `unlabelled_links` those in strata without a labelled pair above it (they "
        f"count as negatives in the bound). The interval is two-sided at {level}; `expected_recall` is the share "
        "of the comparison's expected positives the links keep, and rests on the calibration being right. "
        "`hw export-links --precision` publishes the unjudged ones.",
    )
    comparisons = [c.name for c in study_comparisons(ws)]
    publishable = read_or_note(ws, PUBLISHABLE, section)
    curves = read_or_note(ws, PRECISION_CURVES, section)
    reliability = read_or_note(ws, RELIABILITY, section)
    fits = read_or_note(ws, CALIBRATION, section)
    if publishable is not None:
        section.notes += stale_target_notes(publishable, publishing.target_precision, publishing.confidence)
        chosen = probability_rows(publishable, comparisons)
        shown = chosen[SET_COLUMNS].astype(COUNTS)
        truth = threshold_truth(ws, chosen, section)
        if truth is not None:
            shown = shown.merge(truth, on="comparison", how="left")
            known = shown["lower_bound"].notna() & shown["truth_as_labelled"].notna()  # no threshold: no verdict
            holds = shown.loc[known, "lower_bound"] <= shown.loc[known, "truth_as_labelled"]
            shown["bound holds"] = holds.astype("boolean").reindex(shown.index)
        section.table("Publishable threshold per comparison", shown)
        section.notes += [f"{r.comparison}: {r.message}" for r in chosen.itertuples() if r.message]
        own = publishable[(publishable["target"] == "study") & (publishable["score"] != PROBABILITY_SCORE)]
        section.table(
            "Each model's own score at the same target",
            own[["comparison", "score", "threshold", "links", "precision", "lower_bound", "message"]]
            .rename(columns={"score": "model"})
            .astype({"links": "Int64"})
            .reset_index(drop=True),
        )
        if curves is not None:
            shown = probability_rows(curves, comparisons)
            if not shown.empty:
                section.figure(
                    f"Precision of the links above each threshold, with its {level} interval and lower bound",
                    figures.precision_threshold_chart(shown, chosen, publishing.target_precision),
                )
    if fits is not None:
        section.table("Calibration per comparison and target", fits)
    if reliability is not None and not reliability.empty:
        section.figure(
            "Reliability of the calibrated probabilities (out of fold; dot size: labelled pairs)",
            figures.reliability_diagram(reliability),
        )
    return section
