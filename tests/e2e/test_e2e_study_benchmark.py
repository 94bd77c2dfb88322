"""benchmarks/study.py at --scale 0.05: every stage of `hw run --no-labelstudio` runs, with simulated
labels, and the figures it writes are complete. Behaviour only: nothing here is timed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGES = [
    "ingest",
    "fetch-images",
    "model",
    "train",
    "embed",
    "index",
    "sample",
    "export",
    "simulate-labels (offline)",
    "analyze",
    "calibrate",
    "evaluate",
    "predict",
    "report",
    "export-links",
]


@pytest.mark.slow
@pytest.mark.timeout(2400)  # ~1 min on an idle 2-core machine, 5+ min when its cores are shared
def test_study_benchmark_at_five_percent(tmp_path):
    figures_path, study = tmp_path / "figures.json", tmp_path / "study"
    command = [sys.executable, "benchmarks/study.py", "--scale", "0.05", "--model", "tiny", "--workers", "2"]
    command += ["--workspace", str(study), "--json", str(figures_path)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}  # steadier than contending threads on a shared machine
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=2300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]

    figures = json.loads(figures_path.read_text())
    assert [row["stage"] for row in figures["stages"]] == STAGES
    states = {row["stage"]: row["state"] for row in figures["stages"]}
    assert states.pop("fetch-images") == "no image URLs to fetch"
    assert set(states.values()) == {"ran"}
    for row in figures["stages"]:
        if row["state"] == "ran":
            assert row["wall_s"] >= 0 and row["peak_rss_mib"] > 0 and row["peak_tree_pss_mib"] > 0
            assert row["peak_gpu_mib"] is None and row["gpu_busy"] is None  # a CPU machine
    assert figures["sizes"] == {"smg_records": 1044, "smg_images": 1550, "nms_records": 49, "nms_images": 75}

    held = figures["held"]
    assert held["records"] == {"smg": 1044, "nms": 49}
    assert abs(held["units"]["smg/image"] - 1550) < 100 and held["units"]["smg/text"] > 3 * 1044
    batches = list((study / "sampler" / "batches").glob("*.parquet"))
    assert held["labels"] == sum(len(pd.read_parquet(b)) for b in batches) > 0
    assert held["links"] > 0 and held["training pairs"] > 0

    config = (study / "study.toml").read_text()
    assert "epochs = 5" in config and "learning_rate = 1e-05" in config and "batch_size = 16" in config
    assert {p.name for p in (study / "models").iterdir()} >= {"base", "ft-best", "ft-last"}
    assert (study / "report" / "report.html").is_file()
    assert "all stages" in done.stdout
