"""Training fixtures: a tiny SigLIP built from the demo study's text, and small study copies to train."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from heritage_weaver.workspace import Workspace

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory: pytest.TempPathFactory, ingested_study: Workspace) -> Path:
    from heritage_weaver.tiny_siglip import build_tiny_siglip

    records = pd.read_parquet(ingested_study.path("records", "records.parquet"))
    texts = records["name"].tolist() + records["description"].tolist()
    return build_tiny_siglip(tmp_path_factory.mktemp("tiny") / "base", texts, seed=0)
