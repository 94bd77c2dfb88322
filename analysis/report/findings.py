"""The report's opening "Findings": the study's questions answered with its own numbers.

Does fine-tuning help (`precision_difference`: a fine-tuned model's population precision minus the
base model's, per comparison, with its 95% interval); which comparison links best (`precision`: each
comparison's best model); and what can be published at the target precision (`publishable`: the
links above each comparison's threshold on the calibrated probability, and their precision). A
difference *helps* when its whole interval is above 0, *hurts* when it is below, and is otherwise
*no clear difference*.
"""

from __future__ import annotations

import pandas as pd

from analysis.artifacts import PRECISION, PRECISION_DIFFERENCE, PUBLISHABLE
from analysis.report.parts import Section, read_or_note
from analysis.report.publishable import probability_rows
from heritage_weaver.workspace import Workspace
from sampler.artifacts.design import study_comparisons


def _interval(value: float, low: float, high: float, signed: bool = False) -> str:
    spec = "+.3f" if signed else ".3f"
    return f"{value:{spec}} [{low:{spec}}, {high:{spec}}]"


def fine_tuning_findings(difference: pd.DataFrame, comparisons: list[str]) -> list[str]:
    """One sentence per comparison: each fine-tuned model's difference from base, its interval and verdict."""
    sentences = []
    for comparison in comparisons:
        rows = difference[difference["comparison"] == comparison]
        parts = []
        for row in rows.itertuples():
            if pd.isna(row.difference):
                parts.append(f"{row.model} not estimated ({row.message})")
                continue
            verdict = "helps" if row.ci_low > 0 else "hurts" if row.ci_high < 0 else "no clear difference"
            parts.append(
                f"{row.model} − {row.base_model} {_interval(row.difference, row.ci_low, row.ci_high, True)}: {verdict}"
            )
        if parts:
            sentences.append(f"Fine-tuning, {comparison}: " + "; ".join(parts) + ".")
    return sentences


def best_comparison_finding(precision: pd.DataFrame) -> str | None:
    """Which comparison's best model has the highest precision, and whether its interval separates it from the next."""
    estimated = precision.dropna(subset=["precision"])
    if estimated.empty:
        return None
    best = estimated.sort_values("precision", ascending=False, kind="stable").drop_duplicates("comparison")
    top = best.iloc[0]
    sentence = (
        f"Best-linking comparison: {top['comparison']}, whose best model, {top['model']}, has a precision of "
        f"{_interval(top['precision'], top['ci_low'], top['ci_high'])}"
    )
    if len(best) == 1:
        return sentence + "."
    second = best.iloc[1]
    runner_up = f"{second['comparison']} ({second['model']}, {_interval(second['precision'], second['ci_low'], second['ci_high'])})"
    if top["ci_low"] > second["ci_high"]:
        return f"{sentence}; its interval lies above that of the next, {runner_up}."
    return f"{sentence}; the next, {runner_up}, overlaps it, so the labels do not separate the two."


def publishable_finding(chosen: pd.DataFrame) -> str:
    """How many links the thresholds let through at the target they were chosen for, and at what estimated precision."""
    target, confidence = chosen["target_precision"].iloc[0], chosen["confidence"].iloc[0]
    found = chosen.dropna(subset=["threshold"])
    head = f"Publishable at a precision of {target:g} ({confidence:.0%} lower bound): "
    if found.empty:
        return (
            head
            + "no comparison has a threshold that reaches it; more labels near the candidate thresholds would help."
        )
    parts = [
        f"{r.comparison} {int(r.links):,} links above a probability of {r.threshold:.3f} ({int(r.labelled):,} of them "
        f"labelled), estimated precision {_interval(r.precision, r.ci_low, r.ci_high)}, lower bound {r.lower_bound:.3f}"
        for r in found.itertuples()
    ]
    missing = [r.comparison for r in chosen.itertuples() if pd.isna(r.threshold)]
    tail = f"; no threshold reaches it in {', '.join(missing)}" if missing else ""
    return (
        head + f"{int(found['links'].sum()):,} links in all (counted per comparison): " + "; ".join(parts) + tail + "."
    )


def findings_section(ws: Workspace) -> Section:
    section = Section(
        "findings",
        "Findings",
        "The study's questions, answered from its own tables (95% intervals; details in the sections below).",
    )
    comparisons = [c.name for c in study_comparisons(ws)]
    difference = read_or_note(ws, PRECISION_DIFFERENCE, section)
    precision = read_or_note(ws, PRECISION, section)
    publishable = read_or_note(ws, PUBLISHABLE, section)
    if difference is not None:
        section.findings += fine_tuning_findings(difference, comparisons)
    if precision is not None and (best := best_comparison_finding(precision)):
        section.findings.append(best)
    if publishable is not None and not (chosen := probability_rows(publishable, comparisons)).empty:
        section.findings.append(publishable_finding(chosen))
    return section
