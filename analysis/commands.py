"""CLI verbs of the analysis stage: `hw analyze`, `hw evaluate`, `hw report`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heritage_weaver.console import StudyOption, console, fail, open_study, stdout

EFFECTS = ("none", "cluster", "fixed")


def analyze(
    study: StudyOption = Path("."),
    annotator_effects: Annotated[
        list[str],
        typer.Option(
            "--annotator-effects",
            help="How annotators enter the regressions: none (the study's design), cluster (cluster-robust errors), fixed (annotator dummies). Repeat to fit several.",
        ),
    ] = list(EFFECTS),
) -> None:
    """Binarise labels, count them per link type, fit the study's regressions and measure agreement."""
    from analysis.analyze import run_analyze
    from analysis.store import MissingInput

    unknown = sorted(set(annotator_effects) - set(EFFECTS))
    if unknown:
        fail(f"--annotator-effects: unknown value(s) {unknown}; choose from {list(EFFECTS)}")
    ws = open_study(study)
    try:
        summary = run_analyze(ws, list(dict.fromkeys(annotator_effects)))
    except MissingInput as error:
        fail(str(error))
    console.print(f"annotations: {summary.n_annotations} read, {summary.n_used} used, {summary.n_excluded} left out")
    for reason, count in summary.excluded_reasons.items():
        console.print(f"  left out ({count}): {reason}")
    for note in summary.notes:
        console.print(f"[yellow]note:[/] {note}")
    intercept = "with intercept" if ws.config.analysis.intercept else "without intercept, as in the study"
    coefficients = _coefficient_table(ws.path("analysis", "regression_coefficients.parquet"), f"Study design (no annotator effects), {intercept}")
    if coefficients.row_count:
        console.print(coefficients)
    else:
        console.print(f"no regression could be estimated ({intercept})")
    console.print("all fits: analysis/regression_coefficients.csv and analysis/regression_fits.csv")
    for fit in summary.fits.itertuples():
        if fit.status != "ok":
            console.print(f"[yellow]not estimated[/] {fit.table} {fit.model} ({fit.annotator_effects}): {fit.message}")
    stdout.print(str(ws.path("analysis")), soft_wrap=True)


def _coefficient_table(path: Path, title: str):
    """The link-flag rows of the study-design fits (no annotator effects), one line per term."""
    import pandas as pd
    from rich.table import Table

    table = Table(title=title)
    for column in ("fit", "term", "coef", "std err", "P>|z|", "95% interval"):
        table.add_column(column, justify="left" if column in ("fit", "term") else "right")
    rows = pd.read_parquet(path)
    for row in rows[(rows["kind"] == "flag") & (rows["annotator_effects"] == "none")].itertuples():
        p = "<0.001" if row.p_value < 0.001 else f"{row.p_value:.3f}"
        table.add_row(f"{row.table} {row.model}", row.term, f"{row.coef:.3f}", f"{row.std_err:.3f}", p, f"[{row.ci_low:.2f}, {row.ci_high:.2f}]")
    return table


def evaluate(
    study: StudyOption = Path("."),
    models: Annotated[list[str] | None, typer.Option("--model", "-m", help="Evaluate only these models (repeatable).")] = None,
) -> None:
    """Zero-shot classification and retrieval on the held-out records, per model."""
    from analysis.evaluate import run_evaluate
    from analysis.store import MissingInput

    ws = open_study(study)
    chosen = models or list(ws.config.models)
    unknown = [m for m in chosen if m not in ws.config.models]
    if unknown:
        fail(f"--model: {unknown} not among the study's models {list(ws.config.models)}")
    try:
        written = run_evaluate(ws, chosen)
    except MissingInput as error:
        fail(str(error))
    for path in written:
        console.print(f"wrote {ws.relative(path)}")
    stdout.print(str(ws.path("analysis")), soft_wrap=True)


def report(study: StudyOption = Path(".")) -> None:
    """Write the self-contained HTML report of the study and a CSV bundle of its tables."""
    from analysis.report import build_report

    ws = open_study(study)
    path = build_report(ws)
    console.print(f"report: {path}", soft_wrap=True)
    stdout.print(str(path), soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("analyze")(analyze)
    app.command("evaluate")(evaluate)
    app.command("report")(report)
