"""The report page: every section in its order, rendered through the package's Jinja template
(analysis/templates/report.html.j2), with each section's tables also written as CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from analysis.artifacts import ARTIFACTS, REFERENCE_STANDARD, REPORT_PAGE, REPORT_TABLE
from analysis.report.findings import findings_section
from analysis.report.limits import limits_section
from analysis.report.publishable import publishable_section
from analysis.report.sections import (
    agreement_section,
    evaluations_section,
    labels_section,
    links_section,
    manifest_section,
    precision_section,
    prediction_section,
    regressions_section,
)
from heritage_weaver.atomic import write_text
from heritage_weaver.spreadsheets import write_csv
from heritage_weaver.workspace import Workspace
from prediction.artifacts import PREDICTION_CONFUSION, PREDICTION_PROPOSALS, PREDICTION_SCORES


def _html_table(frame: pd.DataFrame) -> str:
    shown = frame.copy()
    for column in [c for c in shown.columns if pd.api.types.is_object_dtype(shown[c])]:
        shown[column] = shown[column].map(lambda value: "–" if value is None or value is pd.NA else value)
    for column in shown.columns:
        if column == "P>|z|" or column == "permutation_p":
            shown[column] = shown[column].map(lambda p: "" if pd.isna(p) else "<0.001" if p < 0.001 else f"{p:.3f}")
    return shown.to_html(index=False, border=0, classes="data", na_rep="–", float_format=lambda v: f"{v:.3f}")


def build_report(ws: Workspace) -> Path:
    from jinja2 import Environment, PackageLoader, select_autoescape

    sections = [
        findings_section(ws),
        manifest_section(ws),
        links_section(ws),
        labels_section(ws),
        precision_section(ws),
        publishable_section(ws),
        regressions_section(ws),
        agreement_section(ws),
        evaluations_section(ws),
        prediction_section(ws),
    ]
    limits = limits_section(ws, sections)
    if limits is not None:
        sections.insert(0, limits)
    for section in sections:
        for table in section.tables:
            write_csv(table.frame, REPORT_TABLE.at(name=table.slug).location(ws))
    environment = Environment(
        loader=PackageLoader("analysis", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    environment.filters["html_table"] = _html_table
    html = environment.get_template("report.html.j2").render(
        study=ws.config.study,
        sections=sections,
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    path = REPORT_PAGE.location(ws)
    write_text(path, html)
    inputs = [a for a in ARTIFACTS if a.path.startswith("analysis/") and not a.placeholders and a.exists(ws)] + [
        a.at(field=f)
        for a in (PREDICTION_SCORES, PREDICTION_CONFUSION, PREDICTION_PROPOSALS)
        for f in ws.config.prediction.fields
        if a.at(field=f).exists(ws)
    ]
    if REFERENCE_STANDARD.exists(ws):
        inputs.append(REFERENCE_STANDARD)
    REPORT_PAGE.record(ws, inputs=inputs)
    return path
