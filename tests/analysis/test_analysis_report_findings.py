"""The report's findings and "What can be published": sentences and tables with the artifacts' own numbers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from analysis_fixtures import calibrated_study, write_reference_standard

from analysis.artifacts import LABELLED, LINK_PROBABILITIES, PRECISION, PRECISION_DIFFERENCE, PUBLISHABLE
from analysis.report import build_report
from analysis.report.findings import best_comparison_finding, fine_tuning_findings, publishable_finding
from analysis.report.publishable import stale_target_notes
from heritage_weaver.workspace import Workspace
from sampler.artifacts import LINKS


def test_fine_tuning_findings_give_each_difference_its_interval_and_verdict():
    difference = pd.DataFrame(
        [
            ("image-image", "ft-best", "base", 0.12, 0.05, 0.19, ""),
            ("image-image", "ft-last", "base", -0.01, -0.08, 0.06, ""),
            ("text-text", "ft-best", "base", -0.10, -0.18, -0.02, ""),
            ("text-text", "ft-last", "base", float("nan"), float("nan"), float("nan"), "no links in sampled strata"),
        ],
        columns=["comparison", "model", "base_model", "difference", "ci_low", "ci_high", "message"],
    )
    assert fine_tuning_findings(difference, ["image-image", "text-text", "text-image"]) == [
        "Fine-tuning, image-image: ft-best − base +0.120 [+0.050, +0.190]: helps; "
        "ft-last − base -0.010 [-0.080, +0.060]: no clear difference.",
        "Fine-tuning, text-text: ft-best − base -0.100 [-0.180, -0.020]: hurts; "
        "ft-last not estimated (no links in sampled strata).",
    ]


def _precision(rows: list[tuple[str, str, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["comparison", "model", "precision", "ci_low", "ci_high"])


def test_the_best_comparison_is_the_one_whose_best_model_is_most_precise_and_overlap_is_said():
    separated = _precision(
        [
            ("image-image", "base", 0.50, 0.40, 0.60),
            ("text-text", "ft-best", 0.90, 0.85, 0.94),
            ("text-text", "base", 0.70, 0.60, 0.80),
            ("image-image", "ft-best", 0.60, 0.50, 0.70),
        ]
    )
    assert best_comparison_finding(separated) == (
        "Best-linking comparison: text-text, whose best model, ft-best, has a precision of 0.900 [0.850, 0.940]; "
        "its interval lies above that of the next, image-image (ft-best, 0.600 [0.500, 0.700])."
    )
    close = _precision([("image-image", "base", 0.80, 0.70, 0.88), ("text-text", "base", 0.82, 0.75, 0.90)])
    assert best_comparison_finding(close).endswith(
        "the next, image-image (base, 0.800 [0.700, 0.880]), overlaps it, so the labels do not separate the two."
    )
    assert best_comparison_finding(_precision([("text-text", "base", float("nan"), 0.0, 1.0)])) is None


def test_publishable_finding_counts_the_links_above_the_thresholds_and_names_comparisons_without_one():
    chosen = pd.DataFrame(
        [
            ("image-image", 0.9, 0.95, 0.81, 1200, 90, 0.93, 0.91, 0.905, 0.955),
            ("text-text", 0.9, 0.95, float("nan"), float("nan"), float("nan"), float("nan"), float("nan"), 0, 1),
        ],
        columns=[
            "comparison",
            "target_precision",
            "confidence",
            "threshold",
            "links",
            "labelled",
            "precision",
            "lower_bound",
            "ci_low",
            "ci_high",
        ],
    )
    assert publishable_finding(chosen) == (
        "Publishable at a precision of 0.9 (95% lower bound): 1,200 links in all (counted per comparison): "
        "image-image 1,200 links above a probability of 0.810 (90 of them labelled), estimated precision "
        "0.930 [0.905, 0.955], lower bound 0.910; no threshold reaches it in text-text."
    )
    assert "no comparison has a threshold" in publishable_finding(chosen.iloc[1:])


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return calibrated_study(tmp_path_factory.mktemp("calibrated") / "study", 0.6).root


@pytest.fixture
def reported(calibrated: Path, tmp_path: Path) -> Workspace:
    ws = Workspace.open(shutil.copytree(calibrated, tmp_path / "study"))
    build_report(ws)
    return ws


def _text(html: str, anchor: str) -> str:
    section = html.split(f'<section id="{anchor}">')[1].split("</section>")[0]
    return " ".join(re.sub(r"<[^>]+>", " ", section).replace("&#39;", "'").split())


def test_the_report_opens_with_findings_whose_numbers_are_the_artifacts(reported):
    html = reported.path("report", "report.html").read_text()
    anchors = re.findall(r'<section id="([^"]+)"', html)
    assert anchors[:2] == ["findings", "manifest"] and anchors.index("publishable") == anchors.index("precision") + 1
    findings = _text(html, "findings")
    difference = PRECISION_DIFFERENCE.read(reported)
    for row in difference.itertuples():
        assert f"{row.model} − base {row.difference:+.3f} [{row.ci_low:+.3f}, {row.ci_high:+.3f}]" in findings
    precision = PRECISION.read(reported)
    top = precision.loc[precision["precision"].idxmax()]
    assert f"Best-linking comparison: {top['comparison']}, whose best model, {top['model']}" in findings
    publishable = PUBLISHABLE.read(reported)
    chosen = publishable[(publishable["target"] == "study") & (publishable["score"] == "probability")]
    assert chosen["threshold"].notna().all()
    assert f"{int(chosen['links'].sum()):,} links in all" in findings
    for row in chosen.itertuples():
        assert (
            f"{row.comparison} {int(row.links):,} links above a probability of {row.threshold:.3f} "
            f"({int(row.labelled):,} of them labelled), estimated precision {row.precision:.3f} "
            f"[{row.ci_low:.3f}, {row.ci_high:.3f}], lower bound {row.lower_bound:.3f}"
        ) in findings


def test_what_can_be_published_shows_each_threshold_its_precision_and_the_two_charts(reported):
    table = pd.read_csv(reported.path("report", "tables", "publishable_publishable_threshold_per_comparison.csv"))
    publishable = PUBLISHABLE.read(reported)
    chosen = publishable[(publishable["target"] == "study") & (publishable["score"] == "probability")]
    assert table["comparison"].tolist() == ["image-image", "text-text", "text-image"]
    merged = table.merge(chosen, on="comparison", suffixes=("", "_artifact"))
    for column in ("threshold", "links", "precision", "lower_bound", "ci_low", "ci_high", "expected_recall"):
        assert merged[column].to_numpy() == pytest.approx(merged[f"{column}_artifact"].to_numpy(), rel=1e-12)
    own = pd.read_csv(reported.path("report", "tables", "publishable_each_model_s_own_score_at_the_same_target.csv"))
    assert set(own["model"]) == {"base", "ft-last", "ft-best"}
    html = reported.path("report", "report.html").read_text()
    section = html.split('<section id="publishable">')[1].split("</section>")[0]
    assert section.count("<img ") == 2
    assert 'alt="Precision of the links above each threshold, with its 95% interval and lower bound"' in section
    assert 'alt="Reliability of the calibrated probabilities' in section
    manifest = html.split('<section id="manifest">')[1].split("</section>")[0]
    assert '<details id="manifest_provenance"><summary>Provenance (' in manifest


@pytest.mark.browser
def test_findings_and_what_can_be_published_render_in_chromium(reported, chromium, artifacts_dir: Path):
    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    page.goto(reported.path("report", "report.html").as_uri())
    assert page.locator("section").first.get_attribute("id") == "findings"
    assert page.locator("#findings li").count() == 5  # three comparisons, best comparison, publishable
    images = page.locator("#publishable img")
    assert images.count() == 2 and all(images.nth(i).evaluate("img => img.naturalWidth") > 0 for i in range(2))
    provenance = page.locator("#manifest_provenance table.data")
    assert not provenance.is_visible()
    page.locator("#manifest_provenance summary").click()
    assert provenance.is_visible()
    page.locator("#findings").screenshot(path=str(artifacts_dir / "analysis-report-findings.png"))
    page.locator("#publishable").screenshot(path=str(artifacts_dir / "analysis-report-publishable.png"))


def test_in_the_demo_the_truth_of_the_links_above_each_threshold_stands_beside_the_bound(calibrated, tmp_path):
    root = shutil.copytree(calibrated, tmp_path / "study")
    config = root / "study.toml"
    config.write_text(config.read_text().replace("simulation = false", "simulation = true"))
    ws = Workspace.open(root)
    links = LINKS.read(ws)
    write_reference_standard(ws, links, curator_error=0.15)
    build_report(ws)

    table = pd.read_csv(ws.path("report", "tables", "publishable_publishable_threshold_per_comparison.csv"))
    probabilities = LINK_PROBABILITIES.read(ws)
    positive = links.set_index("pair_id")["record_b"].str[3:].astype(int) % 2 == 0
    labelled = set(LABELLED.read(ws)["pair_id"])
    for row in table.itertuples():
        above = probabilities[
            (probabilities["comparison"] == row.comparison) & (probabilities["probability"] >= row.threshold)
        ]
        unlabelled = above[~above["pair_id"].isin(labelled)]
        assert row.truth == pytest.approx(positive[above["pair_id"]].mean())
        assert row.unlabelled == len(unlabelled) > 0
        assert row.unlabelled_truth == pytest.approx(positive[unlabelled["pair_id"]].mean())
        # a wrong label with chance 0.15 makes the share labelled positive 0.15 + 0.8 × the true share
        assert row.truth_as_labelled == pytest.approx(0.15 + 0.8 * row.truth)
    assert (
        "SIMULATION: `truth` is the share of the links above the threshold"
        in ws.path("report", "report.html").read_text()
    )


def test_the_report_says_when_the_thresholds_were_chosen_for_another_target():
    publishable = pd.DataFrame({"target_precision": [0.6, 0.6, float("nan")], "confidence": [0.95, 0.95, 0.95]})
    assert stale_target_notes(publishable, 0.6, 0.95) == []
    assert stale_target_notes(publishable, 0.9, 0.95) == [
        "these thresholds were chosen for a target precision of 0.6 at 95%; the study now asks for 0.9 at 95%: "
        "run `hw calibrate` again"
    ]
