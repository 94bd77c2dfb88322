"""The whole demo study, small: `hw labelstudio up` then `hw run`, as `make demo` does it."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from annotation import server
from demo import create_demo_study
from hw_cli.app import app

REPORT_SECTIONS = (
    "Study manifest",
    "Links per stratum",
    "Labels",
    "Findings",
    "Population precision",
    "What can be published",
    "Regressions",
    "Agreement",
    "Model evaluations",
    "Metadata prediction",
)


def _small_config(text: str, url: str) -> str:
    replacements = {
        'url = "http://127.0.0.1:8089"': f'url = "{url}"',
        "epochs = 8": "epochs = 1",
        "per_annotator = 60": "per_annotator = 16",
    }
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.fixture
def demo_study(tmp_path, desks_up):
    workspace = create_demo_study(tmp_path / "study", smg_records=120, nms_records=40, seed=0)
    config = workspace.path("study.toml")
    config.write_text(_small_config(config.read_text(), f"http://127.0.0.1:{server.free_port()}"))
    desks_up(workspace.root)
    return workspace


@pytest.mark.slow
def test_demo_study_end_to_end(demo_study):
    root = str(demo_study.root)
    runner = CliRunner()
    first = runner.invoke(app, ["run", "--study", root])
    assert first.exit_code == 0, first.output

    report = demo_study.path("report", "report.html").read_text()
    for title in REPORT_SECTIONS:
        assert f"<h2>{title}</h2>" in report
    assert 'id="simulation-notice"' in report
    assert "<img" in report and "data:image/png;base64," in report
    labels = pd.read_parquet(demo_study.path("annotation", "labels.parquet"))
    batches = [pd.read_parquet(p) for p in demo_study.path("sampler", "batches").glob("*.parquet")]
    assert len(batches) == 3 and all(len(b) == 16 for b in batches)
    assert len(labels[labels["status"] == "labelled"]) == sum(len(b) for b in batches)
    for model in ("ft-best", "ft-last"):
        assert demo_study.path("models", model, "model.safetensors").is_file()
    assert sorted(p.name for p in demo_study.path("report", "tables").glob("*.csv"))
    precision = pd.read_csv(demo_study.path("report", "tables", "precision_precision_per_model_and_comparison.csv"))
    assert len(precision) == 9 and {"precision", "ci_low", "ci_high", "truth", "truth_as_labelled"} <= set(precision)
    assert "taxonomy.2: held-out macro F1, base vs fine-tuned, single vs fused" in report
    assert "confusion of the stacked classifier" in report
    proposals = pd.read_parquet(demo_study.path("predict", "taxonomy.2", "proposals.parquet"))
    assert set(proposals["collection"]) == {"smg", "nms"}

    again = runner.invoke(app, ["run", "--study", root])
    assert again.exit_code == 0, again.output
    for verb in ("ingest", "model", "train", "embed", "index", "sample", "push", "evaluate", "predict"):
        assert f"{verb}: up to date" in again.output or f"{verb}: the base model exists" in again.output
