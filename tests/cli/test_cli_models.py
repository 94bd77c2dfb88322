"""Models without the hub: `hw init --base-model`, `hw model tiny` into the study's own folders,
and a hub id that cannot be fetched failing at once with the way out."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from heritage_weaver.siglip import ModelUnavailable, load_siglip
from heritage_weaver.workspace import Workspace
from hw_cli.app import app
from training.stage import checkpoint_folder

REPO = Path(__file__).resolve().parents[2]
NOWHERE = "example-org/siglip-on-no-hub"  # in no cache, on no hub
FIX = "hw init DIR --base-model FOLDER"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _set_base(ws: Workspace, base: str) -> None:
    config = ws.path("study.toml")
    config.write_text(re.sub(r'(?m)^base = "[^"]*"', f'base = "{base}"', config.read_text()))


def _words(text: str) -> str:
    return " ".join(text.split())


def test_a_checkpoint_name_or_relative_path_is_a_folder_of_the_study(study_copy: Workspace, tmp_path: Path):
    root = study_copy.root
    assert checkpoint_folder(study_copy, "base") == root / "models" / "base"  # configured: models/base
    assert checkpoint_folder(study_copy, "tiny") == root / "models" / "tiny"
    assert checkpoint_folder(study_copy, "models/base") == root / "models" / "base"
    assert checkpoint_folder(study_copy, "weights/tiny") == root / "weights" / "tiny"
    assert checkpoint_folder(study_copy, str(tmp_path / "elsewhere")) == tmp_path / "elsewhere"
    _set_base(study_copy, "google/siglip-base-patch16-224")
    with pytest.raises(NotADirectoryError, match="hub id 'google/siglip-base-patch16-224', not a folder"):
        checkpoint_folder(Workspace.open(root), "base")


def test_model_tiny_with_a_relative_path_writes_into_the_study_not_the_current_folder(
    study_copy: Workspace, tmp_path: Path, monkeypatch
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = CliRunner().invoke(app, ["model", "tiny", "models/base", "-s", str(study_copy.root)])
    assert result.exit_code == 0, result.output
    assert (study_copy.path("models", "base", "config.json")).is_file() and not any(elsewhere.iterdir())
    assert study_copy.model_available("base")  # what `hw train` and `hw embed` load
    other = CliRunner().invoke(app, ["model", "tiny", "spare", "-s", str(study_copy.root)], terminal_width=200)
    assert other.exit_code == 0, other.output
    assert study_copy.path("models", "spare", "config.json").is_file()
    assert 'name it in [models], e.g. spare = "models/spare"' in _words(other.output)


def test_init_base_model_names_a_folder_or_a_hub_id(tmp_path: Path, study_copy: Workspace, monkeypatch):
    checkpoint = tmp_path / "downloads" / "siglip"
    checkpoint.mkdir(parents=True)
    (checkpoint / "config.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["init", "mine", "--base-model", "downloads/siglip"]).exit_code == 0
    assert f'base = "{checkpoint}"' in (tmp_path / "mine" / "study.toml").read_text()  # read from here, kept absolute
    assert runner.invoke(app, ["init", "hub", "--base-model", "google/siglip-so400m-patch14-384"]).exit_code == 0
    assert 'base = "google/siglip-so400m-patch14-384"' in (tmp_path / "hub" / "study.toml").read_text()
    missing = runner.invoke(app, ["init", "bad", "--base-model", "./no-such-folder"])
    assert missing.exit_code == 1 and "--base-model ./no-such-folder: no such folder" in missing.output
    assert not (tmp_path / "bad").exists()
    empty = runner.invoke(app, ["init", "bad", "--base-model", "mine/data"])
    assert empty.exit_code == 1 and "has no config.json" in _words(empty.output)
    # a folder inside the study is written relative to it, so the study can move
    inside = study_copy.path("data", "ckpt")
    inside.mkdir()
    (inside / "config.json").write_text("{}")
    from heritage_weaver.scaffold import base_model_entry

    assert base_model_entry(study_copy.root, str(inside)) == "data/ckpt"


def test_offline_a_hub_id_not_in_the_cache_fails_at_once_naming_the_fix(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(ModelUnavailable) as raised:
        load_siglip(NOWHERE, "cpu")
    assert time.monotonic() - start < 1.0
    message = str(raised.value)
    assert "HF_HUB_OFFLINE is set" in message and f"hf download {NOWHERE}" in message and FIX in message


def test_an_unreachable_hub_fails_at_once_naming_the_fix(monkeypatch):
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    start = time.monotonic()
    with pytest.raises(ModelUnavailable, match=r"cannot connect to http://127\.0\.0\.1:\d+") as raised:
        load_siglip(NOWHERE, "cpu")
    assert time.monotonic() - start < 2.0  # before: ~24 s of retries
    assert FIX in str(raised.value)


def test_a_missing_checkpoint_folder_says_so(tmp_path: Path):
    with pytest.raises(ModelUnavailable, match=f"no checkpoint folder at {tmp_path / 'nothing'}"):
        load_siglip(str(tmp_path / "nothing"), "cpu")


@pytest.mark.parametrize("hub", ["offline", "unreachable"])
def test_hw_train_without_the_hub_fails_within_seconds(study_copy: Workspace, tmp_path: Path, hub: str):
    """The whole command, as a person runs it: the hub settings come from the environment."""
    _set_base(study_copy, NOWHERE)
    env = {**os.environ, "HF_HOME": str(tmp_path / "hf"), "COLUMNS": "200"}
    env.pop("HF_HUB_OFFLINE", None)
    env.update({"HF_HUB_OFFLINE": "1"} if hub == "offline" else {"HF_ENDPOINT": f"http://127.0.0.1:{_closed_port()}"})
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", "from hw_cli.app import app; app()", "train", "-s", str(study_copy.root)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - start
    assert result.returncode == 1, result.stderr
    message = _words(result.stderr)
    assert f"cannot load the base model 'base' from {NOWHERE}" in message and FIX in message
    assert "Retrying" not in result.stderr
    assert elapsed < 20, elapsed  # mostly importing torch; before, the hub's retries alone took ~24 s


def test_behind_a_proxy_the_hub_probe_tries_the_proxy(monkeypatch):
    from heritage_weaver.siglip import hub_problem

    for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    with socket.socket() as proxy:
        proxy.bind(("127.0.0.1", 0))
        proxy.listen()
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.getsockname()[1]}")
        assert hub_problem("https://hub.invalid") is None  # the host never resolves; the proxy answers
    closed = _closed_port()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{closed}")
    assert hub_problem("https://hub.invalid").startswith(
        f"cannot connect to https://hub.invalid through the proxy http://127.0.0.1:{closed}"
    )
