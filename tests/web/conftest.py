"""Fixtures of the web tests: the small demo study embedded and indexed with the tiny SigLIP."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from embeddings.index import build_indexes
from embeddings.runner import embed_model
from heritage_weaver.atomic import write_table
from heritage_weaver.workspace import Workspace
from tests.web.servers import serving

pytest.importorskip("fastapi")


@pytest.fixture(scope="session")
def indexed_study(tmp_path_factory, ingested_study) -> Workspace:
    """The small demo study with a tiny SigLIP as `base`, embedded and indexed once per session."""
    from heritage_weaver.tiny_siglip import build_tiny_siglip

    root = tmp_path_factory.mktemp("web") / "study"
    shutil.copytree(ingested_study.root, root)
    ws = Workspace.open(root)
    records = pd.read_parquet(ws.path("records", "records.parquet"))
    build_tiny_siglip(ws.path("models", "base"), records["name"].tolist() + records["description"].tolist(), seed=0)
    embed_model(ws, "base", _encoder(ws), batch_size=32)
    build_indexes(ws, "base")
    return ws


def _encoder(ws: Workspace):
    from heritage_weaver.siglip import load_siglip

    return load_siglip(ws.model_location("base"), "cpu")


@pytest.fixture(scope="session")
def encoder(indexed_study: Workspace):
    return _encoder(indexed_study)


@pytest.fixture
def served_study(indexed_study: Workspace, tmp_path: Path) -> Workspace:
    """A private copy of the indexed study, with one exported verified link of its first SMG and NMS records."""
    root = tmp_path / "study"
    shutil.copytree(indexed_study.root, root)
    ws = Workspace.open(root)
    records = pd.read_parquet(ws.path("records", "records.parquet"))
    smg = records[records["collection"] == "smg"].iloc[0]
    nms = records[records["collection"] == "nms"].iloc[0]
    write_table(
        ws.path("publishing", "links.parquet"),
        pd.DataFrame(
            [
                {
                    "pair_id": "00000000000000aa",
                    "record_a": smg["record_id"],
                    "collection_a": "smg",
                    "record_b": nms["record_id"],
                    "collection_b": "nms",
                    "label": "similar object",
                    "relation": "skos:closeMatch",
                    "decision": "majority",
                    "agreement": 2 / 3,
                    "n_annotators": 3,
                }
            ]
        ),
    )
    return ws


@pytest.fixture
def app_client(served_study, encoder):
    from fastapi.testclient import TestClient

    from embeddings.search import Searcher
    from web.app import create_app

    app = create_app(served_study, lambda ws, model: Searcher(ws, model, encoder))
    with TestClient(app) as client:
        yield client


@pytest.fixture
def live_server(served_study, encoder):
    """The page under a real uvicorn server on 127.0.0.1, in a thread; yields its base URL."""
    from embeddings.search import Searcher
    from web.app import create_app

    with serving(create_app(served_study, lambda ws, model: Searcher(ws, model, encoder))) as url:
        yield url
