"""`hw model export`: a checkpoint as a folder ready to upload to a model hub.

The folder holds the weights as safetensors, the processor's tokenizer and image-processor files
and the checkpoint's model card. The platform uploads nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from heritage_weaver.workspace import Workspace
from training.artifacts.model_card import CARD_NAME
from training.checkpoints import save_pretrained


class ExportError(ValueError):
    """The checkpoint cannot be exported as asked; the message says why."""


@dataclass(frozen=True)
class ExportSummary:
    model: str
    source: Path
    target: Path
    files: list[str]


def export_checkpoint(ws: Workspace, model: str, target: Path) -> ExportSummary:
    """Write the study's checkpoint `model` (a name in [models]) with its card into the new or empty folder `target`."""
    from transformers import AutoModel, AutoProcessor
    from transformers.utils import logging as transformers_logging

    if model not in ws.config.models:
        raise ExportError(f"unknown model {model!r}; the study's models are {list(ws.config.models)}")
    source = Path(ws.model_location(model))
    if not source.is_absolute():
        raise ExportError(f"{model} is the hub model {source}, not a checkpoint of this study")
    if not source.is_dir():
        raise ExportError(f"{model}: no checkpoint at {source} (run `hw train` first)")
    card = source / CARD_NAME
    if not card.is_file():
        raise ExportError(f"{source} has no model card ({CARD_NAME}); `hw train` writes one for its checkpoints")
    target = Path(target).resolve()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExportError(f"{target} exists and is not an empty folder; export into a new one")
    if source == target or source in target.parents:
        raise ExportError(f"{target} lies inside the checkpoint {source}; export elsewhere")
    transformers_logging.disable_progress_bar()
    weights = AutoModel.from_pretrained(source)
    processor = AutoProcessor.from_pretrained(source)
    save_pretrained(weights, processor, target, card=card.read_text(encoding="utf-8"))
    return ExportSummary(model, source, target, sorted(p.name for p in target.iterdir()))
