"""The training package's stages: `model` (`hw model tiny`: a tiny checkpoint built offline) and `train`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.progress import Progress
from heritage_weaver.stages import Stage, needs
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from training.artifacts import LOSS_PLOT, METRICS, MODEL, MODEL_CARD, PAIRS, SPLIT, TRAINED_MODEL
from training.run import TrainingError, TrainingSummary, train_study


@dataclass(frozen=True)
class Pretraining:
    """Training a new tiny checkpoint gets before it is recorded: `train(folder, steps, seed)` trains
    the checkpoint in `folder` in place (the demo's out-of-domain drawings, say)."""

    steps: int
    train: Callable[[Path, int, int], None]


@dataclass(frozen=True)
class TinyModelOptions:
    directory: str | None = None  # a configured model's name or a folder (`checkpoint_folder`); default: the base model
    seed: int = 0  # of the random weights
    pretraining: Pretraining | None = None  # further training before the checkpoint is recorded


@dataclass(frozen=True)
class TrainOptions:
    restart: bool = False  # discard a saved training state and start again
    device: str | None = None  # cuda, cuda:1, cpu… (default: CUDA when present)


def checkpoint_folder(ws: Workspace, name_or_path: str) -> Path:
    """The folder a checkpoint named `name_or_path` goes to: a configured model's own folder; else
    `models/<name>` of the study for a bare name, the path relative to the study for a relative
    path, an absolute path as it is. NotADirectoryError for a configured model that is a hub id."""
    if name_or_path in ws.config.models:
        location = ws.model_location(name_or_path)
        if not Path(location).is_absolute():
            raise NotADirectoryError(
                f"model {name_or_path!r} is the hub id {location!r}, not a folder of the study; name a folder "
                f"instead (`hw model tiny models/{name_or_path}`) and point [models] {name_or_path} at it"
            )
        return Path(location)
    path = Path(name_or_path)
    if path.is_absolute():
        return path
    return ws.path("models", name_or_path) if len(path.parts) == 1 else ws.path(name_or_path)


def build_tiny_base(ws: Workspace, progress: Progress, options: TinyModelOptions) -> Path:
    """A tiny SigLIP in `options.directory` (a configured model's name or a folder, see
    `checkpoint_folder`; default: the training base model), its tokenizer trained on the study's
    records, then `options.pretraining`'s steps."""
    from heritage_weaver.tiny_siglip import build_tiny_siglip

    seed, pretraining = options.seed, options.pretraining
    pretrain_steps = pretraining.steps if pretraining else 0
    target = checkpoint_folder(ws, options.directory or ws.config.training.base_model)
    records = RECORDS.read(ws, columns=["name", "description"])
    texts = [t for column in ("name", "description") for t in records[column].tolist() if t]
    build_tiny_siglip(target, texts, seed=seed)
    if pretraining and pretrain_steps > 0:
        progress.note(f"pre-training {target} for {pretrain_steps} steps")
        pretraining.train(target, pretrain_steps, seed)
    ws.record(
        target,
        MODEL.verb,
        inputs=[RECORDS.path],
        config_sections=MODEL.sections,
        seed=seed,
        pretrain_steps=pretrain_steps,
    )
    return target


def _base_available(ws: Workspace) -> str | None:
    base = ws.config.training.base_model
    return None if ws.model_available(base) else f"needs the base model at {ws.model_location(base)}"


def _train(ws: Workspace, progress: Progress, options: TrainOptions) -> TrainingSummary:
    return train_study(ws, options.restart, options.device, progress)


# `hw model tiny`: a tiny SigLIP in any folder, for trying things out; no step of `hw run`
TINY_MODEL = Stage(
    "model", (MODEL,), build_tiny_base, TinyModelOptions(), needs(RECORDS), errors=(ArtifactError, OSError)
)
TRAIN = Stage(
    "train",
    (TRAINED_MODEL, MODEL_CARD, SPLIT, PAIRS, METRICS, LOSS_PLOT),
    _train,
    TrainOptions(),
    _base_available,
    errors=(TrainingError, ArtifactError),
)
