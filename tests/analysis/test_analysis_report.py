from pathlib import Path

import pandas as pd
import pytest
from analysis_fixtures import (
    make_batches,
    simulate_labels,
    write_annotation_inputs,
    write_links,
    write_reference_standard,
    write_study,
)
from typer.testing import CliRunner

from analysis.report import build_report
from analysis.report.sections import fusion_verdicts, prediction_f1_layout
from heritage_weaver.workspace import Workspace
from hw_cli.app import app

SECTIONS = (
    "findings",
    "manifest",
    "links",
    "labels",
    "precision",
    "publishable",
    "regressions",
    "agreement",
    "evaluations",
    "prediction",
)


def test_report_without_inputs_keeps_every_section_and_names_what_is_missing(tmp_path):
    ws = write_study(tmp_path / "study", simulation=True)
    html = build_report(ws).read_text()
    for anchor in SECTIONS:
        assert f'<section id="{anchor}">' in html
    assert "Missing input: annotation" not in html
    assert "Missing input: analysis/regression_fits.parquet (made by `hw analyze`)" in html
    assert "Missing input: analysis/zero_shot.parquet (made by `hw evaluate`)" in html
    assert "Missing input: sampler/links.parquet (made by `hw sample`)" in html
    assert 'id="simulation-notice"' in html
    assert "no fields named in [prediction] fields" in html


def _scores(values: dict[tuple[str, str], tuple[float, float, float]]) -> pd.DataFrame:
    rows = [
        ("f", model, modality, "macro_f1", value, low, high, 300, 60, 4)
        for (model, modality), (value, low, high) in values.items()
    ]
    columns = ["field", "model", "modality", "metric", "value", "ci_low", "ci_high", "n_train", "n_eval", "classes"]
    return pd.DataFrame(rows, columns=columns)


def test_fusion_verdicts_say_when_fusion_is_lower_and_why():
    scores = _scores(
        {
            ("base", "image"): (0.50, 0.40, 0.60),
            ("base", "text"): (0.60, 0.50, 0.70),
            ("base", "stacked"): (0.80, 0.70, 0.90),
            ("ft-best", "image"): (0.40, 0.30, 0.50),
            ("ft-best", "text"): (0.97, 0.93, 1.00),
            ("ft-best", "stacked"): (0.95, 0.90, 0.99),
        }
    )
    base, tuned = fusion_verdicts(scores, ["base", "ft-best"])
    assert (
        base == "base: stacked fusion 0.800 against the best single modality, text, 0.600: fusion is at least as good."
    )
    assert tuned.startswith(
        "ft-best: stacked fusion 0.950 against the best single modality, text, 0.970: fusion is lower;"
    )
    assert "near the ceiling" in tuned and "intervals overlap" in tuned
    layout = prediction_f1_layout(scores, ["base", "ft-best"])
    assert layout["modality"].tolist() == ["image", "text", "stacked"]
    assert layout.loc[2, "ft-best 95% interval"] == "[0.900, 0.990]"


def test_prediction_section_names_the_missing_tables(tmp_path):
    ws = write_study(tmp_path / "study")
    config = ws.path("study.toml")
    config.write_text(config.read_text() + '\n[prediction]\nfields = ["category"]\n')
    html = build_report(Workspace.open(ws.root)).read_text()
    assert "Missing input: predict/category/scores.parquet (made by `hw predict`)" in html


def test_analyze_cli_writes_tables_and_says_which_design(labelled_study):
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            "--study",
            str(labelled_study.root),
            "--annotator-effects",
            "none",
            "--annotator-effects",
            "cluster",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "without intercept, as in the study" in result.output
    fits = pd.read_parquet(labelled_study.path("analysis", "regression_fits.parquet"))
    assert set(fits["annotator_effects"]) == {"none", "cluster"}
    assert (fits["intercept"] == False).all()  # noqa: E712
    assert labelled_study.path("analysis", "regression_coefficients.csv").is_file()
    assert "analysis/regression_coefficients.parquet" in labelled_study.manifest()


def test_analyze_cli_fails_cleanly_without_labels(tmp_path):
    ws = write_study(tmp_path / "study")
    result = CliRunner().invoke(app, ["analyze", "--study", str(ws.root)])
    assert result.exit_code == 1
    assert "annotation/labels.parquet is missing (run `hw pull` first)" in result.output


@pytest.mark.browser
def test_report_opens_in_chromium_and_shows_its_tables(labelled_study, chromium, artifacts_dir: Path):
    runner = CliRunner()
    write_links(labelled_study, make_batches(seed=1, overlap=6))
    assert runner.invoke(app, ["analyze", "--study", str(labelled_study.root)]).exit_code == 0
    result = runner.invoke(app, ["report", "--study", str(labelled_study.root)])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path == labelled_study.path("report", "report.html")
    csvs = sorted(labelled_study.path("report", "tables").glob("*.csv"))
    bundle = [p.name for p in csvs]
    with_rows = [p for p in csvs if len(p.read_text().splitlines()) > 1]
    assert "regressions_table6_design_ft_best.csv" in bundle and "agreement_pairwise_cohen_s_kappa.csv" in bundle

    page = chromium.new_page(viewport={"width": 1200, "height": 900})
    page.goto(path.as_uri())
    assert page.title() == "Heritage Weaver report · fixture"
    assert page.locator("section").count() == len(SECTIONS)
    assert page.locator("table.data").count() == len(with_rows)  # an empty table shows "(no rows)"
    regression = page.locator("#regressions table.data").nth(1)
    assert regression.locator("th").first.inner_text() == "annotator_effects"
    assert "ft-best" in page.locator("#regressions").inner_text()
    assert page.locator("#regressions img").evaluate("img => img.naturalWidth") > 0
    assert page.locator("#precision img").count() == 2
    assert "image-image/base-only" in page.locator("#precision").inner_text()
    page.locator("#precision").screenshot(path=str(artifacts_dir / "analysis-report-precision.png"))
    page.locator("#regressions").screenshot(path=str(artifacts_dir / "analysis-report-regressions.png"))
    page.screenshot(path=str(artifacts_dir / "analysis-report.png"), full_page=True)


def test_analyze_with_only_skipped_annotations_explains_instead_of_failing(tmp_path):
    from analysis_fixtures import make_batches, simulate_labels, write_annotation_inputs

    ws = write_study(tmp_path / "study", analysis="permutations = 0")
    batches = make_batches(seed=1, per_link_type=1)
    labels = simulate_labels(batches, {"base": 0.0}, seed=2).assign(status="skipped", label=None)
    write_annotation_inputs(ws, batches, labels)
    result = CliRunner().invoke(app, ["analyze", "--study", str(ws.root)])
    assert result.exit_code == 0, result.output
    assert f"{len(labels)} left out" in result.output
    fits = pd.read_parquet(ws.path("analysis", "regression_fits.parquet"))
    assert (fits["message"] == "no labelled pairs to fit").all()
    alpha = pd.read_parquet(ws.path("analysis", "agreement_alpha.parquet"))
    assert alpha["value"].isna().all()


def test_analyze_names_an_unreadable_labels_file(labelled_study):
    labelled_study.path("annotation", "labels.parquet").write_text("not parquet")
    result = CliRunner().invoke(app, ["analyze", "--study", str(labelled_study.root)])
    assert result.exit_code == 1
    assert "annotation/labels.parquet cannot be read as Parquet" in result.output


def test_demo_report_shows_the_truth_beside_the_estimates(tmp_path):
    ws = write_study(tmp_path / "study", analysis="permutations = 0", simulation=True)
    batches = make_batches(seed=1, overlap=6)
    write_annotation_inputs(ws, batches, simulate_labels(batches, {"base": 0.5}, seed=2))
    links = write_links(ws, batches)
    write_reference_standard(ws, links, curator_error=0.15)
    runner = CliRunner()
    assert runner.invoke(app, ["analyze", "--study", str(ws.root), "--annotator-effects", "none"]).exit_code == 0
    build_report(ws)
    table = pd.read_csv(ws.path("report", "tables", "precision_precision_per_model_and_comparison.csv"))
    positive = links.assign(positive=links["record_b"].str[3:].astype(int) % 2 == 0)
    base = positive[positive["link.text-text.base"]]
    row = table[(table["comparison"] == "text-text") & (table["model"] == "base")].iloc[0]
    assert row["truth"] == pytest.approx(base["positive"].mean())
    # a wrong label with chance 0.15 turns a negative pair positive with chance 0.15 and a positive one
    # negative with chance 0.05: the share labelled positive is 0.15 + 0.8 × the true share
    assert row["truth_as_labelled"] == pytest.approx(0.15 + 0.8 * row["truth"])
    assert table["covers truth as labelled"].dtype == bool
    difference = pd.read_csv(ws.path("report", "tables", "precision_fine_tuned_minus_base.csv"))
    assert {"truth", "truth_as_labelled", "covers truth as labelled"} <= set(difference.columns)
    assert "SIMULATION: `truth` is the share" in ws.path("report", "report.html").read_text()


@pytest.mark.parametrize(
    ("sampling", "rule"),
    [
        ("", "pairs at or above the 99th percentile of record-pair scores"),
        (
            'link_rule = "top_k"\ntop_k = 7\ndirection = "a_to_b"\n',
            "top 7 records of collection B per record of collection A",
        ),
    ],
)
def test_report_names_the_rule_that_made_the_links(tmp_path, sampling, rule):
    ws = write_study(tmp_path / "study")
    config = ws.path("study.toml")
    config.write_text(config.read_text().replace("[sampling]\n", "[sampling]\n" + sampling))
    html = build_report(Workspace.open(ws.root)).read_text()
    assert f"Link rule: {rule}." in html
    assert f"<td>link rule</td>\n      <td>{rule}</td>" in html  # the settings table
