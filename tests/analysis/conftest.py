"""Fixtures of the analysis tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from analysis_fixtures import make_batches, simulate_labels, write_annotation_inputs, write_study

from heritage_weaver.workspace import Workspace


@pytest.fixture
def labelled_study(tmp_path: Path) -> Workspace:
    ws = write_study(tmp_path / "study", analysis="permutations = 20")
    batches = make_batches(seed=1, overlap=6)
    labels = simulate_labels(batches, {"base": -0.3, "ft-best": 1.2, "ft-last": 0.6}, seed=2)
    write_annotation_inputs(ws, batches, labels)
    return ws
