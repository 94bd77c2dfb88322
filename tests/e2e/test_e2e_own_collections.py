"""A museum's own collections as they are: a text-only and an image-poor study, run with `hw run`.

The two collections are in the shapes museums export (a folder of nested per-object JSON files; a
Windows-1252 objects table joined to a table of description paragraphs, with `NULL` cells), their
image URLs point at a host no machine reaches, and the study.toml names only the collections and the
models. Label Studio is real; the curators are simulated from the demo's truth.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html
from own_collections import write_own_study
from typer.testing import CliRunner

from annotation import server
from hw_cli.app import app
from hw_cli.stages import plan

pytestmark = [pytest.mark.slow, pytest.mark.labelstudio]


@pytest.fixture
def own_study(tmp_path, desks_up, request):
    root = write_own_study(tmp_path, request.param, f"http://127.0.0.1:{server.free_port()}")
    desks_up(root)
    return root


def _flat(text: str) -> str:
    return " ".join(text.split())


def _status(root: Path) -> dict[str, str]:
    """`hw status` as stage → its row's text."""
    output = CliRunner().invoke(app, ["status", "-s", str(root)], terminal_width=400).output
    verbs = {verb.name for verb in plan()} | {"export"}
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│") if cell.strip()]
        if cells and cells[0] in verbs:
            rows[cells[0]] = " ".join(cells[1:])
    return rows


def _report(root: Path) -> html.HtmlElement:
    return html.parse(str(root / "report" / "report.html")).getroot()


def _assert_every_empty_table_says_why(page: html.HtmlElement) -> None:
    empties = [_flat(p.text_content()) for p in page.xpath("//p[contains(@class, 'empty')]")]
    assert all(e.startswith("(no rows: ") for e in empties)
    assert not [e for e in empties if "its input table has none" in e], empties


@pytest.mark.parametrize("own_study", [0], indirect=True)
def test_text_only_study_runs_end_to_end(own_study: Path):
    root = str(own_study)
    runner = CliRunner()
    result = runner.invoke(app, ["run", "-s", root], terminal_width=200)
    output = _flat(result.output)
    assert result.exit_code == 0, result.output
    assert "skipped: train: fine-tuning needs image–text pairs in both splits" in output
    assert "comparison 'image-image' is left out: collection 'museum' has no image units" in output
    assert "skipped: evaluate: zero-shot classification and retrieval query with the images" in output
    assert "error" not in output.lower()

    status = _status(own_study)
    assert status["train"].startswith("skipped fine-tuning needs image–text pairs")
    assert status["evaluate"].startswith("skipped zero-shot classification")
    for verb in ("ingest", "embed", "index", "sample", "push", "pull", "analyze", "calibrate", "report"):
        assert status[verb].startswith("done"), (verb, status[verb])
    assert not [row for row in status.values() if row.startswith(("failed", "missing"))], status

    again = runner.invoke(app, ["run", "-s", root], terminal_width=200)
    assert again.exit_code == 0, again.output
    assert "train: skipped (fine-tuning needs" in _flat(again.output)

    page = _report(own_study)
    first = page.xpath("//section")[0]
    assert first.get("id") == "limits"
    limits = _flat(first.text_content())
    assert "What this study could not do" in limits
    assert "Image URLs fetched: 0 of 120; 120 not fetched" in limits
    assert "`hw train` was skipped: fine-tuning needs image–text pairs" in limits
    assert "`hw evaluate` was skipped" in limits
    assert "Left out, model 'ft-last', 'ft-best': not trained (`hw train` was skipped)" in limits
    assert "Left out, comparison 'image-image': collection 'museum' has no image units" in limits
    assert "Left out, comparison 'text-image': collection 'gallery' has no image units" in limits
    assert "Population precision · Fine-tuned minus base: no rows, because the study has no fine-tuned" in limits
    _assert_every_empty_table_says_why(page)
    images = first.xpath(".//table[contains(@class, 'data')]//tr/td/text()")
    assert images[:4] == ["museum", "120", "120", "0"] and images[4:] == ["gallery", "60", "0", "0"]
    assert (own_study / "publishing" / "links.csv").is_file()


@pytest.mark.parametrize("own_study", [8], indirect=True)
def test_image_poor_study_trains_with_a_warning_and_says_what_it_lacked(own_study: Path):
    root = str(own_study)
    result = CliRunner().invoke(app, ["run", "-s", root], terminal_width=200)
    output = _flat(result.output)
    assert result.exit_code == 0, result.output
    assert "training pairs, below [training] min_pairs = 500" in output
    assert "error" not in output.lower()

    status = _status(own_study)
    assert status["train"].startswith("done"), status["train"]
    assert not [row for row in status.values() if row.startswith(("failed", "missing"))], status

    page = _report(own_study)
    first = page.xpath("//section")[0]
    assert first.get("id") == "limits"
    limits = _flat(first.text_content())
    assert "Image URLs fetched: 0 of 112; 112 not fetched" in limits
    images = first.xpath(".//table[contains(@class, 'data')]//tr/td/text()")
    assert images[:2] == ["museum", "120"] and images[4:6] == ["gallery", "60"]
    assert 0 < int(images[3]) <= 8 and 0 < int(images[7]) <= 8
    _assert_every_empty_table_says_why(page)
