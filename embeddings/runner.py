"""`hw embed` for one model: reader → encoder → writer, resumable and idempotent.

Texts are tokenised and encoded in batches; images are decoded and resized to 8-bit RGB by a pool
of DataLoader workers ahead of the model, and normalised on the model's device (pinned,
non-blocking copies on CUDA). Vectors are buffered and committed shard by shard (see
`store.py`), so a killed run loses at most one shard of work and a re-run embeds only the units
that no committed shard or recorded failure accounts for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from torch.utils.data import DataLoader, Dataset

from embeddings.artifacts.vectors import FAILURE_COLUMNS, ModelStore, content_key, embedded_units
from embeddings.units import StudyUnits, build_units, segment_splitter, split_sentences
from heritage_weaver import atomic
from heritage_weaver.compute import cpu_cores
from heritage_weaver.decode import ImageProblem, open_rgb
from heritage_weaver.progress import SILENT, Advance, Progress
from heritage_weaver.siglip import PixelRecipe
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from ingest.artifacts.images import ImageResolver


class EmbedError(RuntimeError):
    """A model cannot be embedded with; the message names it and says why."""


@dataclass(frozen=True)
class EmbedSummary:
    model: str
    units: int
    embedded: int  # units holding a vector now
    failed: int  # units recorded as failures now
    embedded_this_run: int
    failed_this_run: int
    restarted: bool  # earlier vectors came from other weights and were discarded
    repeats: int  # description parts not embedded: each repeats a text unit of its record

    @property
    def reconciles(self) -> bool:
        return self.units == self.embedded + self.failed


def study_units(ws: Workspace, tokenizer) -> StudyUnits:
    """The units of every ingested record, split as `embedding.text_units` says, and the repeats left out."""
    records = RECORDS.read(ws)
    settings = ws.config.embedding
    if settings.text_units == "segments":
        return build_units(records, segment_splitter(tokenizer, settings.segment_tokens), "segment")
    return build_units(records, split_sentences, "sentence")


class ShardWriter:
    """Buffers vectors and failures; commits a shard whenever `shard_size` units are buffered."""

    def __init__(
        self, store: ModelStore, metadata: dict, shard_size: int, dtype: str, on_commit: Callable[[int, int], None]
    ) -> None:
        self.store, self.metadata, self.shard_size, self.dtype = store, metadata, shard_size, dtype
        self.on_commit = on_commit
        self.number = max(store.committed_shards(), default=-1) + 1
        self.rows: list[pd.DataFrame] = []
        self.vectors: list[np.ndarray] = []
        self.failures: list[pd.DataFrame] = []
        self.embedded = self.failed = 0

    def add(self, rows: pd.DataFrame, vectors: np.ndarray) -> None:
        self.rows.append(rows)
        self.vectors.append(np.asarray(vectors, dtype=self.dtype))
        self.embedded += len(rows)
        self._commit_when_full()

    def fail(self, rows: pd.DataFrame, reasons: Sequence[str]) -> None:
        self.failures.append(rows.assign(reason=list(reasons)).loc[:, list(FAILURE_COLUMNS)])
        self.failed += len(rows)
        self._commit_when_full()

    def _commit_when_full(self) -> None:
        if sum(map(len, self.rows)) + sum(map(len, self.failures)) >= self.shard_size:
            self.commit()

    def commit(self) -> None:
        # Failures first, then the shard (vectors, then its table): a kill in between leaves no
        # committed unit without its vector, and failures found again on a re-run are merged.
        if self.failures:
            self.store.add_failures(pd.concat(self.failures, ignore_index=True))
        if self.rows:
            rows = pd.concat(self.rows, ignore_index=True)
            self.store.write_shard(self.number, rows, np.concatenate(self.vectors), self.metadata)
            self.on_commit(self.number, len(rows))
            self.number += 1
        self.rows, self.vectors, self.failures = [], [], []


def decode_image(path: str, pixels: PixelRecipe) -> tuple[np.ndarray | None, str | None]:
    """The file decoded and resized to uint8 HWC, or None and the reason it cannot be embedded."""
    try:
        image = open_rgb(path, pixels.draft_size)
    except ImageProblem as problem:
        return None, str(problem)
    try:
        return pixels.resize(image), None
    except Exception as error:  # one odd image must not sink its batch
        return None, f"image preprocessing failed: {error}"


class ImageUnits(Dataset):
    """Decodes and resizes image files in DataLoader workers to uint8 HWC; a bad file yields its reason instead."""

    def __init__(self, paths: Sequence[str], pixels: PixelRecipe) -> None:
        self.paths, self.pixels = list(paths), pixels

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, position: int) -> tuple[int, np.ndarray | None, str | None]:
        return position, *decode_image(self.paths[position], self.pixels)


def stack_pixels(items) -> tuple[list[int], torch.Tensor | None, list[tuple[int, str]]]:
    """(positions, their uint8 NHWC batch or None, (position, reason) of each failure): 8-bit pixels
    cross the process boundary, a quarter of the bytes of float pixel values."""
    good = [(position, pixels) for position, pixels, _ in items if pixels is not None]
    failed = [(position, reason) for position, _, reason in items if reason is not None]
    batch = torch.from_numpy(np.stack([pixels for _, pixels in good])) if good else None
    return [position for position, _ in good], batch, failed


def image_workers(ws: Workspace) -> int:
    """Image-decoding DataLoader workers: `embedding.image_workers`, else one per CPU core."""
    workers = ws.config.embedding.image_workers
    return cpu_cores() if workers is None else workers


def _limit_worker_threads(_: int) -> None:
    torch.set_num_threads(1)


@dataclass(frozen=True)
class EmbedPlan:
    """What one run of one model has to do: every unit of the study, and those still pending."""

    store: ModelStore
    units: pd.DataFrame
    pending: pd.DataFrame  # units with neither a vector for their content nor a recorded failure
    restarted: bool  # earlier vectors came from other weights and were discarded
    repeats: int  # description parts left out as repeats of a text unit of their record


def plan_embedding(ws: Workspace, model: str, weights_hash: str, tokenizer, retry_failures: bool) -> EmbedPlan:
    """Tidy the store after a killed run, discard vectors of other weights, save the units, find the pending ones."""
    store = ModelStore.of(ws, model)
    store.remove_leftovers()
    restarted = any(store.shard_metadata(n).get("weights_hash") != weights_hash for n in store.committed_shards())
    if restarted:
        store.clear_vectors()
    units, repeats = study_units(ws, tokenizer)
    _save_units(ws, store, units, model, repeats)
    return EmbedPlan(store, units, _pending(store, units, retry_failures), restarted, repeats)


def shard_metadata(
    ws: Workspace, model: str, model_id: str, weights_hash: str, device: str, computed_in: str
) -> dict[str, str]:
    """What every shard records about how its vectors were made (in its schema and the manifest);
    `computed_in` is the encoder's compute dtype (`SiglipEncoder.dtype`)."""
    return {
        "model": model,
        "model_id": model_id,
        "weights_hash": weights_hash,
        "dtype": ws.config.embedding.dtype,
        "compute_dtype": computed_in,
        "device": str(device),
    }


def open_writer(ws: Workspace, plan: EmbedPlan, metadata: dict[str, str], shard_size: int) -> ShardWriter:
    """A writer into the plan's store that records each committed shard in the manifest."""

    def record_shard(number: int, count: int) -> None:
        plan.store.shard(number, ".npy").record(ws, units=count, **metadata)

    return ShardWriter(plan.store, metadata, shard_size, ws.config.embedding.dtype, record_shard)


def finish_embedding(ws: Workspace, plan: EmbedPlan, writer: ShardWriter) -> EmbedSummary:
    """Commit what the writer still holds, record the failures table, and count the store."""
    writer.commit()
    store, units = plan.store, plan.units
    if store.failures_path.is_file():
        store.failures.record(ws, inputs=[RECORDS], model=store.model)
    embedded = embedded_units(store, units)
    failed = _failed_units(store, units.loc[~units["unit_id"].isin(embedded["unit_id"])])
    return EmbedSummary(
        store.model,
        len(units),
        len(embedded),
        len(failed),
        writer.embedded,
        writer.failed,
        plan.restarted,
        plan.repeats,
    )


def embed_model(
    ws: Workspace, model: str, encoder, batch_size: int, retry_failures: bool = False, progress: Progress = SILENT
) -> EmbedSummary:
    """Embed every unit of the study with `encoder` into `embeddings/<model>/`, resuming."""
    plan = plan_embedding(ws, model, encoder.weights_hash, encoder.processor.tokenizer, retry_failures)
    metadata = shard_metadata(ws, model, encoder.model_id, encoder.weights_hash, encoder.device, encoder.dtype)
    writer = open_writer(ws, plan, metadata, ws.config.embedding.shard_size)
    pending = plan.pending
    advance = progress.task(f"embed {model}", len(pending), "units")
    embed_texts(pending[pending["modality"] == "text"], encoder, batch_size, writer, advance)
    embed_images(
        ws,
        pending[pending["modality"] == "image"],
        encoder,
        batch_size,
        image_workers(ws),
        writer,
        advance,
    )
    return finish_embedding(ws, plan, writer)


def _save_units(ws: Workspace, store: ModelStore, units: pd.DataFrame, model: str, repeats: int) -> None:
    table = pa.Table.from_pandas(units, preserve_index=False)
    if store.units_path.is_file() and pq.read_table(store.units_path).equals(table):
        return
    store.units.write(ws, table, inputs=[RECORDS], model=model, repeats_left_out=repeats)


def _failed_units(store: ModelStore, units: pd.DataFrame) -> pd.DataFrame:
    failures = store.read_failures()
    keyed = units.assign(content=content_key(units))
    return keyed.merge(
        failures.assign(content=content_key(failures)).loc[:, ["unit_id", "content"]],
        on=["unit_id", "content"],
        how="inner",
    )


def _pending(store: ModelStore, units: pd.DataFrame, retry_failures: bool) -> pd.DataFrame:
    done = set(embedded_units(store, units)["unit_id"])
    failed = set(_failed_units(store, units)["unit_id"])
    if retry_failures and failed:
        failures = store.read_failures()
        atomic.write_table(store.failures_path, failures[~failures["unit_id"].isin(failed)])
        failed = set()
    return units[~units["unit_id"].isin(done | failed)].reset_index(drop=True)


EMPTY_TEXT = "empty text"
NOT_FETCHED = "image not fetched (run `hw fetch-images`)"


def texts_to_encode(units: pd.DataFrame, writer: ShardWriter, advance: Advance) -> pd.DataFrame:
    """Record units with empty text as failures; the others, to encode."""
    empty = units["text"].fillna("").str.strip() == ""
    if empty.any():
        writer.fail(units[empty], [EMPTY_TEXT] * int(empty.sum()))
        advance(int(empty.sum()))
    return units[~empty].reset_index(drop=True)


def images_to_decode(
    ws: Workspace, units: pd.DataFrame, writer: ShardWriter, advance: Advance
) -> tuple[pd.DataFrame, list[str]]:
    """Record units whose image is not on disk as failures; the others, and their files' paths."""
    resolve = ImageResolver(ws)
    paths = [resolve(location) for location in units["image"]]
    missing = np.array([path is None for path in paths], dtype=bool)
    if missing.any():
        writer.fail(units[missing], [NOT_FETCHED] * int(missing.sum()))
        advance(int(missing.sum()))
    return units[~missing].reset_index(drop=True), [str(path) for path in paths if path is not None]


def embed_texts(units: pd.DataFrame, encoder, batch_size: int, writer: ShardWriter, advance: Advance) -> None:
    texts = texts_to_encode(units, writer, advance)
    for start in range(0, len(texts), batch_size):
        batch = texts.iloc[start : start + batch_size]
        writer.add(batch, encoder.encode_texts(batch["text"].tolist()))
        advance(len(batch))


def embed_images(
    ws: Workspace, units: pd.DataFrame, encoder, batch_size: int, workers: int, writer: ShardWriter, advance: Advance
) -> None:
    if units.empty:
        return
    units, paths = images_to_decode(ws, units, writer, advance)
    loader = DataLoader(
        ImageUnits(paths, encoder.pixels),
        batch_size=batch_size,
        num_workers=workers,
        collate_fn=stack_pixels,
        worker_init_fn=_limit_worker_threads if workers else None,
        multiprocessing_context="fork" if workers else None,
        prefetch_factor=4 if workers else None,
        pin_memory=str(encoder.device).startswith("cuda"),
    )
    for positions, pixels, failed in loader:
        if failed:
            writer.fail(units.iloc[[p for p, _ in failed]], [reason for _, reason in failed])
        if positions:
            writer.add(units.iloc[positions], encoder.encode_uint8(pixels))
        advance(len(positions) + len(failed))
