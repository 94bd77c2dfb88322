"""The Ray engine: the local engine's vectors, failures and shards, resumable block by block.

One private Ray instance (2 CPUs) serves the module; the engine joins it instead of starting its own.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embeddings.artifacts.vectors import ModelStore, load_vectors
from embeddings.ray_engine import embed_model_ray
from embeddings.runner import embed_model
from embeddings.stage import EmbedOptions, run_embed
from heritage_weaver.compute import ComputeError, ray_session
from heritage_weaver.config_sections import ComputeConfig
from heritage_weaver.siglip import vector_tolerance
from heritage_weaver.workspace import Workspace
from tests.embeddings.conftest import read_records, set_embedding_options, write_records

ROOT = Path(__file__).resolve().parents[2]
BLOCK = 5  # units per block: several blocks, and batches of 4 that straddle them


class Recorder:
    """A Progress that keeps its notes and every task's advances."""

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.tasks: dict[str, tuple[int | None, list[int]]] = {}

    def task(self, description: str, total: int | None, unit: str = "items", completed: int = 0):
        advances: list[int] = []
        self.tasks[description] = (total, advances)
        return advances.append

    def note(self, message: str) -> None:
        self.notes.append(message)

    def warn(self, message: str) -> None:
        self.notes.append(message)


@pytest.fixture(scope="module")
def session():
    with ray_session(ComputeConfig(cpu_workers=2)) as joined:
        yield joined


def _copy(ws: Workspace, target: Path) -> Workspace:
    shutil.copytree(ws.root, target)
    return Workspace.open(target)


def _with_compute(ws: Workspace, **options: object) -> Workspace:
    return set_embedding_options(ws, section="compute", **options)


@pytest.fixture
def awkward_study(small_study: Workspace, awkward_images: dict[str, Path]) -> Workspace:
    """The small study plus records with an empty name, broken, unfetched and unusual images."""
    extra = pd.DataFrame(
        {
            "record_id": ["bad1", "bad2"],
            "collection": ["smg", "nms"],
            "name": ["", "Broken and odd things"],
            "description": ["Has an empty name.", ""],
            "images": [
                [str(awkward_images[n]) for n in ("zero_byte", "corrupt", "cmyk")],
                [str(awkward_images[n]) for n in ("truncated", "oversized", "palette_alpha", "sixteen_bit")]
                + ["https://example.org/never-fetched.jpg"],
            ],
            "category": None,
            "taxonomy": None,
            "source_file": "x",
            "source_position": 0,
        }
    )
    write_records(small_study, pd.concat([read_records(small_study), extra], ignore_index=True))
    return _with_compute(small_study, block_size=BLOCK)


def _catalogue(ws: Workspace) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    units, vectors = load_vectors(ws, "base")
    failures = ModelStore.of(ws, "base").read_failures().sort_values("unit_id").reset_index(drop=True)
    return units, vectors, failures


def _same_as_local(ws: Workspace, local: Workspace, compute_dtypes: set[str]) -> None:
    units, vectors, failures = _catalogue(ws)
    local_units, local_vectors, local_failures = _catalogue(local)
    pd.testing.assert_frame_equal(units, local_units)
    np.testing.assert_allclose(vectors, local_vectors, atol=vector_tolerance("float32", *compute_dtypes))
    pd.testing.assert_frame_equal(failures, local_failures)


def test_ray_vectors_failures_and_shards_match_the_local_engine(awkward_study, encoder, session, tmp_path):
    local = _copy(awkward_study, tmp_path / "local")
    local_summary = embed_model(local, "base", encoder, batch_size=4)
    progress = Recorder()
    summary = embed_model_ray(awkward_study, "base", session, batch_size=4, progress=progress)

    assert summary == local_summary and summary.reconciles and summary.failed == 6
    _same_as_local(awkward_study, local, {"float32"})
    store = ModelStore.of(awkward_study, "base")
    catalog = store.catalog()
    assert catalog["unit_id"].is_unique and len(catalog) == summary.embedded

    # Texts, then images, in blocks of BLOCK units (less the empty text and the unfetched image,
    # which fail before any block is cut): one shard per block.
    per_modality = store.read_units()["modality"].value_counts()
    blocks = -(-(per_modality["text"] - 1) // BLOCK) + -(-(per_modality["image"] - 1) // BLOCK)
    assert store.committed_shards() == list(range(blocks))
    assert all(len(group) <= BLOCK for _, group in catalog.groupby("shard"))
    manifest = awkward_study.manifest()
    for number in store.committed_shards():
        entry = manifest[awkward_study.relative(store.shard_path(number, ".npy"))]
        assert store.shard_metadata(number) == {
            key: entry[key] for key in ("model", "model_id", "weights_hash", "dtype", "compute_dtype", "device")
        }
        assert (entry["weights_hash"], entry["device"], entry["compute_dtype"]) == (
            encoder.weights_hash,
            "cpu",
            "float32",
        )

    total, advances = progress.tasks["embed base (ray)"]
    assert total == sum(advances) == summary.units
    assert any("1 encoder replica(s) on cpu" in note for note in progress.notes)

    again = embed_model_ray(awkward_study, "base", session, batch_size=4)
    assert (again.embedded_this_run, again.failed_this_run, again.failed) == (0, 0, 6)


RUN_EMBED = """
import sys
from hw_cli.app import app
app(["embed", "--study", sys.argv[1], "--batch-size", "2"])
"""


@pytest.mark.slow
def test_sigkill_of_a_ray_run_then_resume(small_study, encoder, session, tmp_path):
    study = _with_compute(small_study, block_size=BLOCK, cpu_workers=2)
    local = _copy(study, tmp_path / "local")
    embed_model(local, "base", encoder, batch_size=2)
    shards = study.path("embeddings", "base", "shards")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), "HW_ENGINE": "ray"}
    process = subprocess.Popen(
        [sys.executable, "-c", RUN_EMBED, str(study.root)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    try:
        while not list(shards.glob("*.parquet")):
            assert process.poll() is None, "the Ray run ended before it could be killed"
            assert time.monotonic() < deadline, "no shard appeared in time"
            time.sleep(0.005)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the driver and the private Ray instance it started
        process.wait()
    assert process.returncode == -signal.SIGKILL

    summary = embed_model_ray(study, "base", session, batch_size=2)
    assert 0 < summary.embedded_this_run < summary.units, "the killed run did part of the work"
    store = ModelStore.of(study, "base")
    every_row = pd.concat([pd.read_parquet(store.shard_path(n, ".parquet")) for n in store.committed_shards()])
    assert every_row["unit_id"].is_unique and len(every_row) == summary.units == summary.embedded
    assert not list(store.root.rglob(".*.tmp"))
    _same_as_local(study, local, {"float32"})


def test_hw_engine_picks_ray_and_the_option_wins(small_study, session, monkeypatch):
    monkeypatch.setenv("HW_ENGINE", "ray")
    progress = Recorder()
    [local] = run_embed(small_study, progress, EmbedOptions(batch_size=8, engine="local"))
    assert "embedding on the local engine (chosen by --engine)" in progress.notes
    assert local.embedded_this_run == local.units and "embed base" in progress.tasks

    progress = Recorder()
    [again] = run_embed(small_study, progress, EmbedOptions(batch_size=8))  # all embedded: no Ray work, only the choice
    assert "embedding on the ray engine (chosen by $HW_ENGINE)" in progress.notes
    assert again.embedded_this_run == 0 and progress.tasks["embed base (ray)"] == (0, [])

    monkeypatch.setenv("HW_ENGINE", "spark")
    with pytest.raises(ComputeError, match=r"\$HW_ENGINE = 'spark'.*\['local', 'ray'\]"):
        run_embed(small_study, Recorder(), EmbedOptions())
