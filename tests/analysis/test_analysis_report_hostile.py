"""The report meets catalogue values written to harm: the class names of a predicted field (category,
taxonomy and extra fields hold whatever a catalogue wrote) and the prediction's notes reach its tables,
its confusion figure, report/tables/*.csv and the HTML.

Ingest cleaning leaves no control character or lone surrogate in them (tests/core/test_core_text_safety.py),
so the values here are what can reach the report: script, markup, formulas, mathtext, template syntax,
right-to-left text and a value at `[ingest] max_value`. Record ids and names reach no report table.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from analysis_fixtures import write_study

from analysis.report import build_report
from heritage_weaver.atomic import write_table
from heritage_weaver.config_sections import IngestConfig
from heritage_weaver.spreadsheets import FORMULA_STARTS
from heritage_weaver.workspace import Workspace
from prediction.artifacts import PREDICTION_CONFUSION, PREDICTION_NOTES, PREDICTION_SCORES

CLASSES = [
    "<script>window.__pwned = 1; alert('class')</script>",
    "<img src=x onerror=\"window.__pwned = 2; alert('img')\">",
    '=HYPERLINK("http://127.0.0.1/","key")',
    "-2+3 @SUM(A1:A9)",
    "$\\foo{$ mathtext",
    "{{ 7*7 }} {% raw %}${7*7}",
    "\u05e9\u05dc\u05d5\u05dd \u202b",  # an embedding mark ingest would remove is shown here as an escape
    "k" * IngestConfig().max_value,
]


def hostile_prediction(root) -> Workspace:
    """A study whose `category` prediction has the hostile class names and a note naming one."""
    ws = write_study(root)
    config = ws.path("study.toml")
    config.write_text(config.read_text() + '\n[prediction]\nfields = ["category"]\n')
    ws = Workspace.open(ws.root)
    part = {"field": "category"}
    scores = [
        ("category", model, modality, "macro_f1", 0.5 + 0.1 * n, 0.4, 0.9, 80, 20, len(CLASSES))
        for n, model in enumerate(("base", "ft-last", "ft-best"))
        for modality in ("image", "text", "stacked")
    ]
    write_table(
        PREDICTION_SCORES.at(**part).location(ws), pd.DataFrame(scores, columns=list(PREDICTION_SCORES.columns))
    )
    cells = [("category", "ft-best", truth, CLASSES[(i + 1) % len(CLASSES)], 3) for i, truth in enumerate(CLASSES)]
    write_table(
        PREDICTION_CONFUSION.at(**part).location(ws), pd.DataFrame(cells, columns=list(PREDICTION_CONFUSION.columns))
    )
    write_table(PREDICTION_NOTES.at(**part).location(ws), pd.DataFrame({"note": [f"grouped {CLASSES[0]} as other"]}))
    return ws


def test_hostile_class_names_are_text_in_the_report_its_figure_and_its_csvs(tmp_path):
    ws = hostile_prediction(tmp_path / "study")
    report = build_report(ws)
    assert report.stat().st_size < 2_000_000  # the 10,000-character class name cut on the figure's axes
    html = report.read_text()
    assert "<script>window" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned = 1;" in html
    assert "category: confusion of the stacked classifier (ft-best)" in html  # the figure was drawn
    tables = list(ws.path("report", "tables").glob("*confusion*.csv"))
    assert tables
    for path in ws.path("report", "tables").glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        assert "\u202b" not in text
        for row in csv.reader(io.StringIO(text, newline="")):
            assert not any(cell.startswith(FORMULA_STARTS) for cell in row if not _number(cell)), (path, row)
    confusion = pd.read_csv(tables[0], dtype=str)
    assert '\'=HYPERLINK("http://127.0.0.1/","key")' in set(confusion.iloc[:, 0]) | set(confusion.columns)


@pytest.mark.browser
def test_the_hostile_report_runs_no_script_in_chromium(tmp_path, chromium):
    report = build_report(hostile_prediction(tmp_path / "study"))
    page = chromium.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(report.as_uri())
    page.get_by_text("window.__pwned = 1", exact=False).first.wait_for()
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__pwned") is None and dialogs == []


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
