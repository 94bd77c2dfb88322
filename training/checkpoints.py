"""Checkpoints: Hugging Face folders swapped in whole, and the resumable training state."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import torch

from heritage_weaver import atomic
from training.artifacts.model_card import CARD_NAME


def save_pretrained(model: Any, processor: Any, target: Path, card: str | None = None) -> Path:
    """Write model + processor with `save_pretrained` (and the model `card` as README.md, when
    given) into a fresh folder, then swap it in.

    Readers see the old checkpoint or the new one, never a half-written folder.
    """
    from transformers.utils import logging as transformers_logging

    import heritage_weaver.siglip  # noqa: F401  (silences transformers' warning about its own default config)

    target = Path(target)
    staging = target.with_name(f".{target.name}.new")
    retired = target.with_name(f".{target.name}.old")
    for leftover in (staging, retired):
        shutil.rmtree(leftover, ignore_errors=True)
    transformers_logging.disable_progress_bar()
    model.save_pretrained(staging)
    processor.save_pretrained(staging)
    processor.image_processor.save_pretrained(staging)  # preprocessor_config.json, as hub checkpoints have
    if card is not None:
        (staging / CARD_NAME).write_text(card, encoding="utf-8")
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    shutil.rmtree(retired, ignore_errors=True)
    return target


def save_state(path: Path, state: dict) -> None:
    with atomic.atomic_path(path) as temporary:
        torch.save(state, temporary)


def load_state(path: Path) -> dict | None:
    if not Path(path).is_file():
        return None
    return torch.load(path, map_location="cpu", weights_only=False)


def rng_state() -> dict:
    state: dict[str, object] = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
