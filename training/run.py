"""`hw train` on a workspace: split, pairs, image cache, then the resumable training loop."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from heritage_weaver import atomic
from heritage_weaver.console import console, progress_bar
from heritage_weaver.images import ImageResolver
from heritage_weaver.workspace import Workspace
from training.split import SPLIT_COLUMNS, extend_split, split_records

RECORDS = "records/records.parquet"
SPLIT = "training/split.parquet"
PAIRS = "training/pairs.parquet"
IMAGE_FAILURES = "training/image_failures.parquet"
METRICS = "training/metrics.parquet"
LOSS_PLOT = "training/loss.png"
STATE = "training/state.pt"
CACHE = "training/cache"
VERB = "train"


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
    path = ws.path(SPLIT)
    existing = pd.read_parquet(path)[SPLIT_COLUMNS] if path.is_file() else None
    split = (split_records(records, settings.eval_fraction, seed) if existing is None
             else extend_split(existing, records, settings.eval_fraction, seed))
    if existing is None or len(split) != len(existing):
        atomic.write_table(path, split)
        ws.record(SPLIT, VERB, inputs=[RECORDS], config_sections=["study", "training"],
                  records_train=int((split["split"] == "train").sum()), records_eval=int((split["split"] == "eval").sum()))
    return split


def token_ids(encoder, texts: list[str], chunk: int = 4096) -> np.ndarray:
    parts = [encoder.token_ids(texts[start:start + chunk]).numpy() for start in range(0, len(texts), chunk)]
    return np.concatenate(parts) if parts else np.zeros((0, 64), dtype=np.int64)


def fingerprint(ws: Workspace, weights_hash: str, pairs: pd.DataFrame) -> str:
    """What the training result depends on: settings (not worker count), seed, base weights, pairs."""
    settings = ws.config.training.model_dump(mode="json", exclude={"workers"})
    digest = hashlib.sha256(json.dumps([settings, ws.config.study.seed, weights_hash], sort_keys=True).encode())
    digest.update(pd.util.hash_pandas_object(pairs[["record_id", "image", "text", "split"]], index=False).values.tobytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class PreparedPairs:
    pairs: pd.DataFrame  # record_id, collection, image, kind, text, split, image_row
    cache_array: Path
    image_failures: int
    held_out_records: int


def prepare_pairs(ws: Workspace, encoder) -> PreparedPairs:
    """Split the records, build their pairs, cache their images; write split, pairs and image failures."""
    from training.cache import image_cache
    from training.pairs import build_pairs

    table = pq.read_table(ws.path(RECORDS))
    split = load_split(ws, table.select(["record_id", "collection"]).to_pandas())
    pairs = build_pairs(table.to_pylist(), encoder.processor.tokenizer)
    pairs = pairs.merge(split[["record_id", "split"]], on="record_id", how="left", validate="many_to_one")

    locations = pairs["image"].unique().tolist()
    with progress_bar("images") as bar:
        task = bar.add_task("caching images", total=len(locations))
        cache = image_cache(locations, ImageResolver(ws), ws.path(CACHE), encoder.processor.image_processor.size["height"],
                            ws.config.training.workers, on_progress=lambda n: bar.advance(task, n))
    failures = cache.failures
    atomic.write_table(ws.path(IMAGE_FAILURES), failures[["location", "error"]])
    if len(failures):
        console.print(f"[yellow]{len(failures)} image(s) could not be read[/]; their pairs are left out (see {IMAGE_FAILURES})")
    pairs["image_row"] = pairs["image"].map(cache.rows)
    pairs = pairs[pairs["image_row"].notna()].astype({"image_row": "int64"}).reset_index(drop=True)
    atomic.write_table(ws.path(PAIRS), pairs.drop(columns="image_row"))
    for artifact in (PAIRS, IMAGE_FAILURES):
        ws.record(artifact, VERB, inputs=[RECORDS, SPLIT], config_sections=["training"],
                  pairs=len(pairs), image_failures=len(failures))
    return PreparedPairs(pairs, cache.array_path, len(failures), int((split["split"] == "eval").sum()))


def train_study(ws: Workspace, restart: bool = False, device: str | None = None) -> TrainingSummary:
    """Continue pre-training the base model on the workspace's records; resumes a killed run."""
    from embeddings.model import load_siglip
    from training.data import PairDataset
    from training.loop import Outputs, Settings, StateMismatch, Trainer
    from training.metrics import metrics_table, plot_losses

    config = ws.config
    settings = config.training
    if settings.base_model not in config.models:
        raise TrainingError(f"training.base_model = {settings.base_model!r} is not one of the models {list(config.models)}")
    if not ws.path(RECORDS).is_file():
        raise TrainingError(f"{RECORDS} is missing: run `hw ingest` first")
    if restart:
        ws.path(STATE).unlink(missing_ok=True)

    base = ws.model_location(settings.base_model)
    try:
        encoder = load_siglip(base, device)
    except OSError as error:
        raise TrainingError(f"cannot load the base model {settings.base_model!r} from {base}: {error}") from None
    console.print(f"base model [bold]{settings.base_model}[/] ({base}) on {encoder.device}")
    prepared = prepare_pairs(ws, encoder)
    pairs = prepared.pairs
    train_pairs = pairs[pairs["split"] == "train"].reset_index(drop=True)
    eval_pairs = pairs[pairs["split"] == "eval"].reset_index(drop=True)
    if len(train_pairs) < 2 or len(eval_pairs) < 2:
        raise TrainingError(f"too few pairs to train ({len(train_pairs)} train, {len(eval_pairs)} eval); "
                            "records need images and a name or description")
    console.print(f"{len(train_pairs):,} training pairs, {len(eval_pairs):,} evaluation pairs "
                  f"({prepared.held_out_records:,} held-out records)")

    datasets = [PairDataset(prepared.cache_array, part["image_row"].to_numpy(), token_ids(encoder, part["text"].tolist()))
                for part in (train_pairs, eval_pairs)]
    outputs = Outputs(state=ws.path(STATE), best=ws.path("models", settings.best_name), last=ws.path("models", settings.last_name))
    trainer = Trainer(
        encoder, datasets[0], datasets[1],
        Settings(**settings.model_dump(include=set(Settings.__dataclass_fields__) - {"seed"}), seed=config.study.seed),
        outputs, fingerprint(ws, encoder.weights_hash, pairs),
    )
    try:
        resumed = trainer.resume()
    except StateMismatch as error:
        raise TrainingError(str(error)) from None
    if trainer.progress.finished:
        if not (outputs.best.is_dir() and outputs.last.is_dir()):
            raise TrainingError(f"training finished earlier but {outputs.best} or {outputs.last} is gone; "
                                "run `hw train --restart` to train them again")
        console.print("training already finished with these settings; nothing to do (use --restart to train again)")
    elif resumed:
        console.print(f"resuming at epoch {trainer.progress.epoch + 1}, step {trainer.progress.step}")

    def write_metrics(progress) -> None:
        atomic.write_table(ws.path(METRICS), metrics_table(progress.metrics))

    with progress_bar("pairs") as bar:
        task = bar.add_task("training", total=trainer.pairs_per_epoch * settings.epochs, completed=trainer.pairs_done)
        progress = trainer.run(on_pairs=lambda n: bar.advance(task, n), on_checkpoint=write_metrics)
    metrics = metrics_table(progress.metrics)
    atomic.write_table(ws.path(METRICS), metrics)
    plot_losses(metrics, ws.path(LOSS_PLOT))

    details = dict(base_model=base, base_weights_hash=encoder.weights_hash, device=encoder.device, dtype=encoder.dtype,
                   pairs_train=len(train_pairs), pairs_eval=len(eval_pairs), best_epoch=progress.best_epoch,
                   best_eval_loss=progress.best_eval_loss, steps=progress.step)
    inputs = [RECORDS, SPLIT, PAIRS] + ([base] if Path(base).exists() else [])
    for artifact in (outputs.best, outputs.last, ws.path(METRICS), ws.path(LOSS_PLOT)):
        ws.record(artifact, VERB, inputs=inputs, config_sections=["study", "training"], **details)
    return TrainingSummary(len(train_pairs), len(eval_pairs), prepared.image_failures, progress.best_epoch,
                           progress.best_eval_loss, progress.step, resumed)
