"""`hw train` end to end on the tiny SigLIP and a small demo study: learning, leakage, checkpoints, resume."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from safetensors.torch import load_file
from training_fixtures import make_training_study, set_training_options

from heritage_weaver.siglip import load_siglip, weights_hash
from heritage_weaver.workspace import Workspace
from training.checkpoints import load_state
from training.run import TrainingError, train_study

KILL_AT_STEP = 7  # checkpoints every 4 steps: the kill loses steps 5–6 and interrupts step 7

KILLED_RUN = """
import os, signal, sys
import training.loop
from heritage_weaver.workspace import Workspace
from training.run import train_study

real_step, taken = training.loop.optimizer_step, []

def step_then_die(*args, **kwargs):
    taken.append(1)
    if len(taken) == {kill_at}:
        os.kill(os.getpid(), signal.SIGKILL)
    real_step(*args, **kwargs)

training.loop.optimizer_step = step_then_die
train_study(Workspace.open(sys.argv[1]))
"""


@pytest.fixture(scope="module")
def trained(ingested_study: Workspace, tiny_base: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """One uninterrupted training run, shared by the tests that inspect its results."""
    ws = make_training_study(ingested_study, tiny_base, tmp_path_factory.mktemp("trained") / "study")
    train_study(ws)
    return ws


def test_training_loss_goes_down(trained: Workspace):
    metrics = pd.read_parquet(trained.path("training", "metrics.parquet"))
    train = metrics[metrics["split"] == "train"]
    assert list(train["step"]) == list(range(1, len(train) + 1))
    assert train["loss"].tail(8).mean() < 0.8 * train["loss"].head(3).mean()
    evaluation = metrics[metrics["split"] == "eval"]
    assert list(evaluation["epoch"]) == [0, 1] and evaluation["loss"].notna().all()
    assert (train["pairs_per_s"] > 0).all()
    assert trained.path("training", "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_eval_record_is_trained_on(trained: Workspace):
    split = pd.read_parquet(trained.path("training", "split.parquet"))
    pairs = pd.read_parquet(trained.path("training", "pairs.parquet"))
    records = pd.read_parquet(trained.path("records", "records.parquet"))
    assert sorted(split["record_id"]) == sorted(records["record_id"])
    held_out = set(split.loc[split["split"] == "eval", "record_id"])
    assert held_out and {"smg", "nms"} == set(split.loc[split["split"] == "eval", "collection"])
    assert not held_out & set(pairs.loc[pairs["split"] == "train", "record_id"])
    assert set(pairs.loc[pairs["split"] == "eval", "record_id"]) <= held_out
    assert not pairs.duplicated(["text", "image"]).any()


def test_checkpoints_load_through_the_embeddings_loader_and_change_embeddings(trained: Workspace):
    images = [Image.open(path).copy() for path in sorted(trained.root.glob("data/images/smg/*.jpg"))[:4]]
    texts = ["telephone", "a cotton sample", "steam engine"]
    base = load_siglip(str(trained.path("models", "base")), "cpu")
    for name in ("ft-best", "ft-last"):
        tuned = load_siglip(str(trained.path("models", name)), "cpu")
        assert tuned.weights_hash != base.weights_hash
        assert not np.allclose(tuned.encode_images(images), base.encode_images(images), atol=1e-3)
        assert not np.allclose(tuned.encode_texts(texts), base.encode_texts(texts), atol=1e-3)
    manifest = trained.manifest()
    for artifact in ("models/ft-best", "models/ft-last", "training/metrics.parquet", "training/split.parquet"):
        assert manifest[artifact]["verb"] == "train"
    assert trained.artifact_state("models/ft-last") == "done"


def test_rerun_after_finishing_changes_nothing(trained: Workspace):
    before = {name: weights_hash(str(trained.path("models", name))) for name in ("ft-best", "ft-last")}
    summary = train_study(trained)
    assert summary.resumed
    assert {name: weights_hash(str(trained.path("models", name))) for name in before} == before


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_weights(
    trained: Workspace, ingested_study: Workspace, tiny_base: Path, tmp_path: Path
):
    ws = make_training_study(ingested_study, tiny_base, tmp_path / "study")
    script = KILLED_RUN.replace("{kill_at}", str(KILL_AT_STEP))
    repo = Path(__file__).resolve().parents[2]
    environment = {**os.environ, "PYTHONPATH": str(repo), "HF_HUB_OFFLINE": "1"}
    killed = subprocess.run(
        [sys.executable, "-c", script, str(ws.root)],
        env=environment,
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert load_state(ws.path("training", "state.pt"))["progress"]["step"] == 4

    summary = train_study(ws)
    assert summary.resumed
    for name in ("ft-best", "ft-last"):
        resumed = load_file(ws.path("models", name, "model.safetensors"))
        uninterrupted = load_file(trained.path("models", name, "model.safetensors"))
        assert resumed.keys() == uninterrupted.keys()
        for key in resumed:
            np.testing.assert_allclose(
                resumed[key].numpy(), uninterrupted[key].numpy(), rtol=1e-5, atol=1e-6, err_msg=key
            )
    metrics = pd.read_parquet(ws.path("training", "metrics.parquet"))
    reference = pd.read_parquet(trained.path("training", "metrics.parquet"))
    assert list(metrics["step"]) == list(reference["step"])
    np.testing.assert_allclose(metrics["loss"], reference["loss"], rtol=1e-5)


def test_changed_settings_need_a_restart(trained: Workspace, tmp_path: Path):
    shutil.copytree(trained.root, tmp_path / "study")
    ws = set_training_options(Workspace.open(tmp_path / "study"), learning_rate=1e-4)
    with pytest.raises(TrainingError, match="--restart"):
        train_study(ws)
