"""Fixtures of the publishing tests: the analysis stage's hand-built labelled study, plus thresholds and
the records its pairs name."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from heritage_weaver.atomic import write_table
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from sampler.artifacts import BATCH
from tests.analysis.analysis_fixtures import (
    COMPARISONS,
    MODELS,
    make_batches,
    simulate_labels,
    write_annotation_inputs,
    write_study,
)


@contextmanager
def no_network() -> Iterator[None]:
    """Every socket connection and name lookup fails while the block runs."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("the network was touched")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        patch.setattr(socket, "getaddrinfo", refuse)
        yield


def write_thresholds(ws: Workspace, rule: str = "percentile") -> pd.DataFrame:
    """One row per (model, comparison) as `hw sample` writes them under the percentile or top-k rule."""
    top_k = rule == "top_k"
    rows = [
        {
            "model": m,
            "comparison": c,
            "rule": rule,
            "threshold": 0.8 + 0.01 * i,
            "percentile": float("nan") if top_k else 99.0,
            "mode": None if top_k else "record",
            "top_k": 10 if top_k else None,
            "direction": "both" if top_k else None,
        }
        for i, (m, c) in enumerate((m, c) for m in MODELS for c in COMPARISONS)
    ]
    thresholds = pd.DataFrame(rows).astype({"top_k": "Int64"})
    write_table(ws.path("sampler", "thresholds.parquet"), thresholds)
    ws.record("sampler/thresholds.parquet", "sample")
    return thresholds


def write_records(ws: Workspace) -> pd.DataFrame:
    """records/records.parquet for every record the batches name, as ingest writes it (`Object <id>` as
    name, the id as source id), in record id order."""
    sides = [
        batch.loc[:, [f"record_{s}", f"collection_{s}"]].set_axis(["record_id", "collection"], axis=1)
        for batch in (pd.read_parquet(path) for path in BATCH.instances(ws))
        for s in ("a", "b")
    ]
    records = pd.concat(sides).drop_duplicates("record_id").sort_values("record_id").reset_index(drop=True)
    records["name"] = "Object " + records["record_id"]
    records["description"] = ""
    records["images"] = [[] for _ in range(len(records))]
    records["category"] = None
    records["taxonomy"] = None
    records["source_file"] = "data/records"
    records["source_position"] = range(1, len(records) + 1)
    records["source_id"] = records["record_id"]
    RECORDS.write(ws, records)
    return records


@pytest.fixture
def labelled_study(tmp_path: Path) -> Workspace:
    """Three annotators, 6 pairs seen by all three, labels from a logistic model, thresholds."""
    ws = write_study(tmp_path / "study")
    batches = make_batches(seed=1, per_link_type=2, overlap=6)
    labels = simulate_labels(batches, {"base": -0.3, "ft-best": 1.2, "ft-last": 0.6}, seed=2)
    write_annotation_inputs(ws, batches, labels)
    write_thresholds(ws)
    write_records(ws)
    return ws
