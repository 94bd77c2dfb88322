"""Helpers for the training tests: quick settings and small study copies to train."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from heritage_weaver import atomic
from heritage_weaver.workspace import Workspace

SMALL_TRAINING = {
    "epochs": 2,
    "batch_size": 8,
    "learning_rate": 3e-3,
    "warmup_ratio": 0.1,
    "checkpoint_every": 4,
    "workers": 0,
}


def set_training_options(ws: Workspace, **options: object) -> Workspace:
    """Rewrite keys of the study's [training] section; returns a fresh Workspace (config re-read)."""
    config = ws.path("study.toml")
    lines = [f"{key} = {value!r}".replace("'", '"') for key, value in options.items()]
    kept = [
        line for line in config.read_text(encoding="utf-8").splitlines() if line.split("=")[0].strip() not in options
    ]
    config.write_text(
        "\n".join(kept).replace("[training]", "[training]\n" + "\n".join(lines), 1) + "\n", encoding="utf-8"
    )
    return Workspace.open(ws.root)


def make_training_study(
    source: Workspace, tiny_base: Path, target: Path, records_per_collection: int = 30
) -> Workspace:
    """A copy of `source` cut to its first records per collection, the tiny SigLIP as `base`, quick settings."""
    shutil.copytree(source.root, target)
    ws = Workspace.open(target)
    records_path = ws.path("records", "records.parquet")
    records = pd.read_parquet(records_path)
    atomic.write_table(records_path, records.groupby("collection").head(records_per_collection).reset_index(drop=True))
    shutil.copytree(tiny_base, ws.path("models", "base"))
    return set_training_options(ws, **SMALL_TRAINING)
