"""The tables a person reads at 80 columns: ingest reasons, search results, the link table and
the analysis's coefficients and precision, drawn from small studies' real results, keep every word
whole and every line within the width."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from analysis_fixtures import make_batches, simulate_labels, write_annotation_inputs, write_links, write_study
from rich.console import Console
from rich.table import Table

from analysis.analyze import run_analyze
from analysis.artifacts import PRECISION, PRECISION_DIFFERENCE, REGRESSION_COEFFICIENTS
from analysis.calibrate import run_calibrate
from embeddings.index import build_indexes
from embeddings.search import search
from embeddings.stage import EmbedOptions, run_embed
from heritage_weaver import atomic
from heritage_weaver.progress import SILENT
from heritage_weaver.workspace import Workspace
from hw_cli.analysis import coefficient_table, precision_table, publishable_table
from hw_cli.embeddings import IMAGE_COLUMN_WIDTH, search_table
from hw_cli.ingest_tables import ingest_tables
from hw_cli.sampler import links_table
from ingest import ingest_collections
from sampler.study import sample_study

WIDTH = 80
REPO = Path(__file__).resolve().parents[2]
LONG_REASON_ROWS = [
    # a duplicate id, and a row with neither name nor description: rejected with their reasons
    "T.1950.0,watt-hour electricity meter,again,Energy,Science and Technology,",
    "T.2999.9,,,Energy,Science and Technology,",
]


def render(table: Table, width: int = WIDTH) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(table)
    return console.export_text().splitlines()


def assert_readable(table: Table, width: int = WIDTH) -> list[str]:
    """Every line fits `width`; every word of every cell and header appears whole on some line."""
    lines = render(table, width)
    assert all(len(line) <= width for line in lines), "\n".join(lines)
    texts = [str(c) for column in table.columns for c in (column.header, *column.cells)]
    for word in {word for text in texts for word in re.findall(r"\S+", text)}:
        assert any(word in line for line in lines), f"{word!r} is broken:\n" + "\n".join(lines)
    return lines


@pytest.fixture(scope="module")
def small_study(ingested_study: Workspace, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """The demo study cut to 30 records per collection, embedded with a tiny SigLIP as base and as
    both fine-tuned models, indexed and sampled."""
    from heritage_weaver.tiny_siglip import build_tiny_siglip

    root = tmp_path_factory.mktemp("narrow") / "study"
    shutil.copytree(ingested_study.root, root)
    ws = Workspace.open(root)
    records = pd.read_parquet(ws.path("records", "records.parquet"))
    atomic.write_table(ws.path("records", "records.parquet"), records.groupby("collection").head(30))
    build_tiny_siglip(ws.path("models", "base"), records["name"].tolist() + records["description"].tolist(), seed=0)
    for name in ("ft-best", "ft-last"):
        shutil.copytree(ws.path("models", "base"), ws.path("models", name))
    run_embed(ws, SILENT, EmbedOptions())
    for model in ws.config.models:
        build_indexes(ws, model)
    return ws


def test_ingest_reasons_at_80_columns(study_copy: Workspace):
    with study_copy.path("data", "nms.csv").open("a", encoding="utf-8") as export:
        export.write("\n".join(LONG_REASON_ROWS) + "\n")
    counts = ingest_collections(study_copy).counts
    assert any(c.reasons for c in counts)
    tables = ingest_tables(counts)
    assert [t.title for t in tables][:2] == ["Ingest", "Rejected rows"]
    for table in tables:
        assert_readable(table)


def test_search_results_at_80_columns(small_study: Workspace):
    results = search(small_study, "base", "telephone", k=10, modality="text")
    assert len(results) == 10
    lines = assert_readable(search_table(small_study, results, "base: text 'telephone'", with_images=False))
    assert "image" not in lines[2]
    wide = assert_readable(search_table(small_study, results, "t", with_images=True), IMAGE_COLUMN_WIDTH)
    for image in results["image"].dropna():  # outside the study: the path keeps its last parts
        tail = f"/{Path(image).parent.name}/{Path(image).name}"
        assert any(re.search(rf"│ …/\S*{re.escape(tail)} ", line) for line in wide), "\n".join(wide)


def test_the_link_table_at_80_columns(small_study: Workspace):
    result = sample_study(small_study, force=True)
    lines = assert_readable(links_table(small_study, result.thresholds))
    assert sum("image-image" in line for line in lines) == len(small_study.config.models)


def test_hw_search_prints_within_80_columns(small_study: Workspace):
    environment = {**os.environ, "COLUMNS": str(WIDTH), "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    hw = [sys.executable, "-c", "from hw_cli.app import app; app()"]
    command = [*hw, "search", "--text", "steam engine", "--study", str(small_study.root)]
    done = subprocess.run(command, env=environment, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines and all(len(line) <= WIDTH for line in lines) and "…" not in done.stdout
    assert "image locations: `--json`" in done.stdout


def test_regression_and_precision_tables_at_80_columns(tmp_path: Path):
    ws = write_study(tmp_path / "study", analysis="permutations = 5")
    batches = make_batches(seed=1, overlap=6)
    write_annotation_inputs(ws, batches, simulate_labels(batches, {"base": -0.3, "ft-best": 1.2, "ft-last": 0.6}, 2))
    write_links(ws, batches, unlabelled=40)
    run_analyze(ws, ["none"])
    coefficients = coefficient_table(REGRESSION_COEFFICIENTS.read(ws), "Study design")
    precision = precision_table(PRECISION.read(ws), PRECISION_DIFFERENCE.read(ws))
    assert coefficients.row_count and precision.row_count == 9
    assert_readable(coefficients)
    lines = assert_readable(precision)
    assert sum("image-image" in line for line in lines) == 3


def test_the_publishable_links_table_at_80_columns(tmp_path: Path):
    ws = write_study(tmp_path / "study", analysis="permutations = 0")
    with ws.path("study.toml").open("a", encoding="utf-8") as config:
        config.write("\n[publishing]\ntarget_precision = 0.3\n")  # low enough for the fixture's labels
    ws = Workspace.open(ws.root)
    batches = make_batches(seed=1, overlap=6)
    write_annotation_inputs(ws, batches, simulate_labels(batches, {"base": -0.3, "ft-best": 1.2, "ft-last": 0.6}, 2))
    write_links(ws, batches, unlabelled=40)
    run_analyze(ws, ["none"])
    summary = run_calibrate(ws, SILENT)
    lines = assert_readable(publishable_table(summary, 0.3, 0.95))
    assert sum("image-image" in line for line in lines) == 2 and any("≥" in line for line in lines)
