"""A run killed with SIGKILL resumes: nothing duplicated, nothing missing, vectors unchanged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from embeddings.artifacts.vectors import ModelStore, load_vectors
from embeddings.runner import embed_model
from heritage_weaver.siglip import vector_tolerance
from tests.embeddings.conftest import set_embedding_options

ROOT = Path(__file__).resolve().parents[2]
RUN_EMBED = """
import sys
from hw_cli.app import app
app(["embed", "--study", sys.argv[1], "--batch-size", "2"])
"""


def _kill_after_shards(study_root: Path, shards: int, timeout: float = 120.0) -> None:
    """Start `hw embed` in its own process group and SIGKILL it once `shards` shards are committed."""
    shard_dir = study_root / "embeddings" / "base" / "shards"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", RUN_EMBED, str(study_root)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while len(list(shard_dir.glob("*.parquet"))) < shards:
            assert process.poll() is None, "the embedding run ended before it could be killed"
            assert time.monotonic() < deadline, "no shards appeared in time"
            time.sleep(0.005)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL


@pytest.mark.slow
def test_sigkill_then_resume(small_study, encoder):
    study = set_embedding_options(small_study, shard_size=4)
    _kill_after_shards(study.root, shards=3)
    store = ModelStore.of(study, "base")
    committed_at_kill = len(store.committed_shards())

    summary = embed_model(study, "base", encoder, batch_size=2)
    assert 0 < summary.embedded_this_run < summary.units, "the killed run did part of the work"
    assert summary.reconciles and summary.failed == 0
    catalog = store.catalog()
    assert catalog["unit_id"].is_unique and len(catalog) == summary.units
    assert len(store.committed_shards()) > committed_at_kill
    assert not list(store.root.rglob(".*.tmp"))

    units, vectors = load_vectors(study, "base")
    texts = (units["modality"] == "text").to_numpy()
    # The killed `hw embed` ran on the default device (bf16 on CUDA); the tolerance follows what each shard used.
    dtypes = {store.shard_metadata(n)["compute_dtype"] for n in store.committed_shards()}
    np.testing.assert_allclose(
        vectors[texts],
        encoder.encode_texts(units.loc[texts, "text"].tolist()),
        atol=vector_tolerance(encoder.dtype, *dtypes),
    )
    assert embed_model(study, "base", encoder, batch_size=2).embedded_this_run == 0
