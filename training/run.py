"""`hw train` on a workspace: split, pairs, image cache, then the resumable training loop."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from heritage_weaver import atomic
from heritage_weaver.progress import SILENT, Progress
from heritage_weaver.stages import StageSkipped
from heritage_weaver.workspace import Workspace
from ingest.artifacts import FETCHED, RECORDS
from ingest.artifacts.images import ImageResolver
from training.artifacts import (
    IMAGE_CACHE,
    IMAGE_FAILURES,
    LOSS_PLOT,
    METRICS,
    PAIRS,
    SPLIT,
    TRAINED_MODEL,
    TRAINING_STATE,
)
from training.split import extend_split, split_records


class TrainingError(RuntimeError):
    """Training cannot start; the message says why and what to do."""


@dataclass(frozen=True)
class TrainingSummary:
    pairs_train: int
    pairs_eval: int
    image_failures: int
    best_epoch: int | None
    best_eval_loss: float
    steps: int
    resumed: bool


def load_split(ws: Workspace, records: pd.DataFrame) -> pd.DataFrame:
    """The saved split (extended to new records), or a fresh one; written and recorded when it changes."""
    settings, seed = ws.config.training, ws.config.study.seed
    existing = SPLIT.read(ws, columns=SPLIT.columns) if SPLIT.exists(ws) else None
    split = (
        split_records(records, settings.eval_fraction, seed)
        if existing is None
        else extend_split(existing, records, settings.eval_fraction, seed)
    )
    if existing is None or len(split) != len(existing):
        SPLIT.write(
            ws,
            split,
            inputs=[RECORDS],
            records_train=int((split["split"] == "train").sum()),
            records_eval=int((split["split"] == "eval").sum()),
        )
    return split


def token_ids(encoder, texts: list[str], chunk: int = 4096) -> np.ndarray:
    parts = [encoder.token_ids(texts[start : start + chunk]).numpy() for start in range(0, len(texts), chunk)]
    return np.concatenate(parts) if parts else np.zeros((0, 64), dtype=np.int64)


def fingerprint(ws: Workspace, weights_hash: str, pairs: pd.DataFrame) -> str:
    """What the training result depends on: settings (not worker count or warning floor), seed, base weights, pairs."""
    settings = ws.config.training.model_dump(mode="json", exclude={"workers", "min_pairs"})
    digest = hashlib.sha256(json.dumps([settings, ws.config.study.seed, weights_hash], sort_keys=True).encode())
    digest.update(
        pd.util.hash_pandas_object(pairs[["record_id", "image", "text", "split"]], index=False).values.tobytes()
    )
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class PreparedPairs:
    pairs: pd.DataFrame  # record_id, collection, image, kind, text, split, image_row
    cache_array: Path
    image_failures: int
    split: pd.DataFrame  # record_id, collection, split


def prepare_pairs(ws: Workspace, encoder, progress: Progress = SILENT) -> PreparedPairs:
    """Split the records, build their pairs, cache their images; write split, pairs and image failures."""
    from training.cache import image_cache
    from training.pairs import build_pairs

    table = RECORDS.read_table(ws)
    split = load_split(ws, table.select(["record_id", "collection"]).to_pandas())
    pairs = build_pairs(table.to_pylist(), encoder.processor.tokenizer)
    pairs = pairs.merge(split[["record_id", "split"]], on="record_id", how="left", validate="many_to_one")

    locations = pairs["image"].unique().tolist()
    advance = progress.task("caching images", len(locations), "images")
    size = encoder.processor.image_processor.size["height"]
    cache = image_cache(
        locations,
        ImageResolver(ws),
        IMAGE_CACHE.at(size=size).location(ws).parent,
        size,
        ws.config.training.workers,
        on_progress=advance,
    )
    failures = cache.failures
    if len(failures):
        progress.warn(
            f"{len(failures)} image(s) could not be read; their pairs are left out (see {IMAGE_FAILURES.path})"
        )
    pairs["image_row"] = pairs["image"].map(cache.rows)
    pairs = pairs[pairs["image_row"].notna()].astype({"image_row": "int64"}).reset_index(drop=True)
    details = {"pairs": len(pairs), "image_failures": len(failures)}
    IMAGE_FAILURES.write(ws, failures[["location", "error"]], inputs=[RECORDS, SPLIT], **details)
    PAIRS.write(ws, pairs.drop(columns="image_row"), inputs=[RECORDS, SPLIT], **details)
    return PreparedPairs(pairs, cache.array_path, len(failures), split)


def train_study(
    ws: Workspace, restart: bool = False, device: str | None = None, progress: Progress = SILENT
) -> TrainingSummary:
    """Continue pre-training the base model on the workspace's records; resumes a killed run."""
    from heritage_weaver.siglip import load_siglip
    from training.artifacts.model_card import write_cards
    from training.data import PairDataset
    from training.loop import Outputs, Settings, StateMismatch, Trainer
    from training.metrics import metrics_table, plot_losses

    config = ws.config
    settings = config.training
    if not RECORDS.exists(ws):
        raise TrainingError(RECORDS.missing_message())
    if restart:
        TRAINING_STATE.location(ws).unlink(missing_ok=True)

    base = ws.model_location(settings.base_model)
    try:
        encoder = load_siglip(base, device, training=True)
    except OSError as error:
        raise TrainingError(f"cannot load the base model {settings.base_model!r} from {base}: {error}") from None
    progress.note(f"base model {settings.base_model} ({base}) on {encoder.device}")
    prepared = prepare_pairs(ws, encoder, progress)
    pairs = prepared.pairs
    train_pairs = pairs[pairs["split"] == "train"].reset_index(drop=True)
    eval_pairs = pairs[pairs["split"] == "eval"].reset_index(drop=True)
    if len(train_pairs) < 2 or len(eval_pairs) < 2:
        raise StageSkipped(
            f"fine-tuning needs image–text pairs in both splits, and there are {len(train_pairs)} for training and "
            f"{len(eval_pairs)} for evaluation ({pairs['record_id'].nunique()} of {len(prepared.split)} records have "
            f"an image that could be read); the study goes on with {settings.base_model!r} alone",
            inputs=(RECORDS, FETCHED, PAIRS),
        )
    progress.note(
        f"{len(train_pairs):,} training pairs, {len(eval_pairs):,} evaluation pairs "
        f"({int((prepared.split['split'] == 'eval').sum()):,} held-out records)"
    )
    if len(train_pairs) < settings.min_pairs:
        progress.warn(
            f"only {len(train_pairs):,} training pairs, below [training] min_pairs = {settings.min_pairs:,}: the "
            "fine-tuned models learn little from so few, and their comparison with the base model says little"
        )

    datasets = [
        PairDataset(prepared.cache_array, part["image_row"].to_numpy(), token_ids(encoder, part["text"].tolist()))
        for part in (train_pairs, eval_pairs)
    ]
    best, last = (TRAINED_MODEL.at(model=name) for name in (settings.best_name, settings.last_name))
    outputs = Outputs(state=TRAINING_STATE.location(ws), best=best.location(ws), last=last.location(ws))
    trainer = Trainer(
        encoder,
        datasets[0],
        datasets[1],
        Settings(**settings.model_dump(include=set(Settings.__dataclass_fields__) - {"seed"}), seed=config.study.seed),
        outputs,
        fingerprint(ws, encoder.weights_hash, pairs),
    )
    try:
        resumed = trainer.resume()
    except StateMismatch as error:
        raise TrainingError(str(error)) from None
    if trainer.state.finished:
        if not (outputs.best.is_dir() and outputs.last.is_dir()):
            raise TrainingError(
                f"training finished earlier but {outputs.best} or {outputs.last} is gone; "
                "run `hw train --restart` to train them again"
            )
        progress.note("training already finished with these settings; nothing to do (use --restart to train again)")
    elif resumed:
        progress.note(f"resuming at epoch {trainer.state.epoch + 1}, step {trainer.state.step}")

    def write_metrics(state) -> None:
        atomic.write_table(METRICS.location(ws), metrics_table(state.metrics))

    advance = progress.task("training", trainer.pairs_per_epoch * settings.epochs, "pairs", trainer.pairs_done)
    state = trainer.run(on_pairs=advance, on_checkpoint=write_metrics)
    metrics = metrics_table(state.metrics)
    atomic.write_table(METRICS.location(ws), metrics)
    plot_losses(metrics, LOSS_PLOT.location(ws))
    write_cards(ws)  # before the folders are recorded, so that their fingerprints include the cards

    details = dict(
        base_model=base,
        base_weights_hash=encoder.weights_hash,
        device=encoder.device,
        dtype=encoder.dtype,
        pairs_train=len(train_pairs),
        pairs_eval=len(eval_pairs),
        best_epoch=state.best_epoch,
        best_eval_loss=state.best_eval_loss,
        steps=state.step,
    )
    inputs = [RECORDS, SPLIT, PAIRS] + ([base] if Path(base).exists() else [])
    for artifact in (best, last, METRICS, LOSS_PLOT):
        artifact.record(ws, inputs=inputs, **details)
    return TrainingSummary(
        len(train_pairs),
        len(eval_pairs),
        prepared.image_failures,
        state.best_epoch,
        state.best_eval_loss,
        state.step,
        resumed,
    )
