"""CLI verbs of the analysis stage: `hw analyze`, `hw calibrate`, `hw evaluate`, `hw report`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from analysis.analyze import AnalysisSummary
from analysis.artifacts import LINK_PROBABILITIES, PRECISION, PRECISION_DIFFERENCE, REGRESSION_COEFFICIENTS
from analysis.calibrate import PROBABILITY, CalibrationSummary
from analysis.stage import ANALYZE, CALIBRATE, EFFECTS, EVALUATE, REPORT, AnalyzeOptions, EvaluateOptions
from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, console, execute, key_column, number_column, open_study, stdout, text_column
from hw_cli.verbs import Verb


def analyze(
    study: StudyOption = Path("."),
    annotator_effects: Annotated[
        list[str] | None,
        typer.Option(
            "--annotator-effects",
            help="How annotators enter the regressions: none (the study's design), cluster (cluster-robust errors), fixed (annotator dummies). Repeat to fit several (default: all three).",
        ),
    ] = None,
) -> None:
    """Binarise labels, count them per link type, fit the study's regressions and measure agreement."""
    workspace = open_study(study)
    show_analyze(
        workspace, execute(ANALYZE, workspace, AnalyzeOptions(annotator_effects=tuple(annotator_effects or EFFECTS)))
    )


def show_analyze(ws: Workspace, summary: AnalysisSummary) -> None:
    console.print(f"annotations: {summary.n_annotations} read, {summary.n_used} used, {summary.n_excluded} left out")
    for reason, count in summary.excluded_reasons.items():
        console.print(f"  left out ({count}): {reason}")
    for note in summary.notes:
        console.print(Text.assemble(("note:", "yellow"), f" {note}"))
    intercept = "with intercept" if ws.config.analysis.intercept else "without intercept, as in the study"
    coefficients = coefficient_table(
        REGRESSION_COEFFICIENTS.read(ws), f"Study design (no annotator effects), {intercept}"
    )
    if coefficients.row_count:
        console.print(coefficients)
    else:
        console.print(f"no regression could be estimated ({intercept})")
    console.print("all fits: analysis/regression_coefficients.csv and analysis/regression_fits.csv")
    precision = precision_table(PRECISION.read(ws), PRECISION_DIFFERENCE.read(ws))
    if precision.row_count:
        console.print(precision)
        console.print("per stratum: analysis/precision_strata.csv")
    for fit in summary.fits.itertuples():
        if fit.status != "ok":
            console.print(
                Text.assemble(
                    ("not estimated", "yellow"), f" {fit.table} {fit.model} ({fit.annotator_effects}): {fit.message}"
                )
            )
    stdout.print(str(REGRESSION_COEFFICIENTS.location(ws).parent), soft_wrap=True)


def coefficient_table(rows: pd.DataFrame, title: str) -> Table:
    """The link-flag rows of the study-design fits (no annotator effects), one line per term."""
    table = Table(title=title)
    text_column(table, "fit")  # "table7 ft-best": wraps between the table and the model at 80 columns
    key_column(table, "term")
    for column in ("coef", "std err", "P>|z|", "95% interval"):
        number_column(table, column)
    for row in rows[(rows["kind"] == "flag") & (rows["annotator_effects"] == "none")].itertuples():
        p = "<0.001" if row.p_value < 0.001 else f"{row.p_value:.3f}"
        table.add_row(
            f"{row.table} {row.model}",
            row.term,
            f"{row.coef:.3f}",
            f"{row.std_err:.3f}",
            p,
            f"[{row.ci_low:.2f}, {row.ci_high:.2f}]",
        )
    return table


def precision_table(by_model: pd.DataFrame, difference: pd.DataFrame) -> Table:
    """Population precision per comparison × model, and each fine-tuned model's difference from base.

    An estimate and its interval share a cell, on two lines, so the table fits 80 columns."""
    table = Table(title="Population precision of each model's links (95% intervals)")
    key_column(table, "comparison")
    key_column(table, "model")
    number_column(table, "links")
    number_column(table, "coverage")
    number_column(table, "precision")
    number_column(table, "− base")
    differences = difference.set_index(["comparison", "model"])
    for row in by_model.itertuples():
        key = (row.comparison, row.model)
        change = differences.loc[key] if key in differences.index else None
        table.add_row(
            row.comparison,
            row.model,
            str(row.links),
            f"{row.coverage:.0%}",
            _estimate(row.precision, row.ci_low, row.ci_high),
            _estimate(change["difference"], change["ci_low"], change["ci_high"]) if change is not None else "",
        )
    return table


def _estimate(value: float, low: float, high: float) -> str:
    if pd.isna(value):
        return "–"
    shown = f"{value:+.3f}" if value < 0 else f"{value:.3f}"
    return f"{shown}\n[{low:.2f}, {high:.2f}]"


def calibrate(study: StudyOption = Path(".")) -> None:
    """Fit each comparison's link probabilities and choose the thresholds that reach the target precision."""
    workspace = open_study(study)
    show_calibrate(workspace, execute(CALIBRATE, workspace))


def show_calibrate(ws: Workspace, summary: CalibrationSummary) -> None:
    for note in summary.notes:
        console.print(Text.assemble(("note:", "yellow"), f" {note}"))
    console.print(publishable_table(summary, ws.config.publishing.target_precision, ws.config.publishing.confidence))
    console.print("per model, and the whole curves: analysis/publishable.csv and analysis/precision_curves.csv")
    stdout.print(str(LINK_PROBABILITIES.location(ws)), soft_wrap=True)


def publishable_table(summary: CalibrationSummary, target: float, confidence: float) -> Table:
    """Per comparison × target: the calibration's fit, and the threshold on its probability that reaches
    the target (its links, precision over its lower bound, expected recall), or "none"."""
    table = Table(
        title=f"Publishable links: lower bound ≥ {target:g} at {confidence:.0%} confidence",
        caption="recall: the expected share of the candidates' positives above the threshold",
    )
    key_column(table, "comparison")
    key_column(table, "target")
    key_column(table, "fit")
    for column in ("threshold", "links", "precision", "recall"):
        number_column(table, column)
    chosen = summary.publishable[summary.publishable["score"] == PROBABILITY].set_index(["comparison", "target"])
    for fit in summary.fits.itertuples():
        key = (fit.comparison, fit.target)
        quality = f"{fit.family}\nBrier {fit.brier:.3f}\nECE {fit.ece:.3f}" if isinstance(fit.family, str) else "–"
        cells = _threshold_cells(chosen.loc[key]) if key in chosen.index else ["none", "", "", ""]
        table.add_row(fit.comparison, fit.target, quality, *cells)
    return table


def _threshold_cells(row: pd.Series) -> list[str]:
    """Threshold, links, precision over its lower bound, expected recall ("none" without a threshold)."""
    if pd.isna(row["threshold"]):
        return ["none", "", "", ""]
    return [
        f"{row['threshold']:.3f}",
        f"{int(row['links']):,}",
        f"{row['precision']:.3f}\n≥ {row['lower_bound']:.3f}",
        "–" if pd.isna(row["expected_recall"]) else f"{row['expected_recall']:.3f}",
    ]


def evaluate(
    study: StudyOption = Path("."),
    models: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Evaluate only these models (repeatable).")
    ] = None,
) -> None:
    """Zero-shot classification and retrieval on the held-out records, per model."""
    workspace = open_study(study)
    show_evaluate(workspace, execute(EVALUATE, workspace, EvaluateOptions(models=tuple(models or ()))))


def show_evaluate(ws: Workspace, written: list[Path]) -> None:
    for path in written:
        console.print(f"wrote {ws.relative(path)}")
    stdout.print(str(written[0].parent if written else ws.root), soft_wrap=True)


def report(study: StudyOption = Path(".")) -> None:
    """Write the self-contained HTML report of the study and a CSV bundle of its tables."""
    workspace = open_study(study)
    show_report(workspace, execute(REPORT, workspace))


def show_report(ws: Workspace, path: Path) -> None:
    console.print(f"report: {path}", soft_wrap=True)
    stdout.print(str(path), soft_wrap=True)


ANALYZE_VERB = Verb(ANALYZE, show_analyze, analyze)
CALIBRATE_VERB = Verb(CALIBRATE, show_calibrate, calibrate)
EVALUATE_VERB = Verb(EVALUATE, show_evaluate, evaluate)
REPORT_VERB = Verb(REPORT, show_report, report)
