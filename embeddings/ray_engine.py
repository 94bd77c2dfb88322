"""`hw embed` on Ray Data: the local engine's store, shards and failures, computed by a Ray cluster.

The pending units of a model are cut into blocks of `compute.block_size` (texts and images
apart, texts first, as the local engine goes). Image blocks are decoded and resized to uint8 by
CPU tasks (`decode_image`, what the local engine's DataLoader workers run); encoder replicas,
Ray actors that load the checkpoint once (on a GPU share where the cluster has GPUs), encode
batches. The driver gathers each block's rows as they stream back, in any order and in batches
that may span blocks, and commits a block as one shard once all its units are back: a killed run
loses only the blocks in flight, and a re-run embeds only what no committed shard or recorded
failure accounts for. Empty texts and unfetched images fail on the driver, before any Ray work.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from embeddings.runner import (
    EmbedError,
    EmbedSummary,
    ShardWriter,
    decode_image,
    finish_embedding,
    images_to_decode,
    open_writer,
    plan_embedding,
    shard_metadata,
    texts_to_encode,
)
from heritage_weaver.compute import RaySession
from heritage_weaver.config_sections import ComputeConfig
from heritage_weaver.progress import SILENT, Advance, Progress
from heritage_weaver.siglip import (
    PixelRecipe,
    compute_dtype,
    default_batch_size,
    load_processor,
    load_siglip,
    weights_hash,
)
from heritage_weaver.workspace import Workspace


@dataclass(frozen=True)
class EncoderPool:
    """How the encoding is spread over the cluster."""

    replicas: int
    device: str  # "cuda" (each replica sees its own GPU share as its only device) or "cpu"
    gpus_per_replica: float  # 0 on the CPU
    threads: int  # torch threads of each replica
    decoders: int  # image-decoding tasks at most at once

    def describe(self) -> str:
        share = f", {self.gpus_per_replica:g} GPU each" if self.gpus_per_replica else f", {self.threads} threads each"
        return f"{self.replicas} encoder replica(s) on {self.device}{share}, up to {self.decoders} image decoders"


def encoder_pool(compute: ComputeConfig, session: RaySession, device: str | None, images: bool) -> EncoderPool:
    """Replicas on GPUs where the cluster has them (unless `device` is cpu), else on CPUs.

    Each replica takes one CPU to feed it; images need a CPU left over for decoding.
    """
    if device is not None and device.startswith("cuda") and not session.gpus:
        raise EmbedError(f"--device {device}: the Ray cluster ({session.origin}) has no GPU")
    on_gpu = session.gpus > 0 and device != "cpu"
    fitting = int(session.gpus // compute.gpus_per_replica) if on_gpu else 1
    replicas = compute.encoder_replicas or max(1, fitting)
    if images and replicas >= session.cpus:
        raise EmbedError(
            f"the Ray cluster ({session.origin}) has {session.cpus} CPU(s) and {replicas} encoder replica(s) take "
            "one each, leaving none to decode images: lower compute.encoder_replicas or raise compute.cpu_workers"
        )
    return EncoderPool(
        replicas=replicas,
        device="cuda" if on_gpu else "cpu",
        gpus_per_replica=compute.gpus_per_replica if on_gpu else 0.0,
        threads=1 if on_gpu else max(1, session.cpus // replicas),
        decoders=session.cpus,
    )


class SiglipReplica:
    """One encoder replica (a Ray actor): loads the checkpoint once, then encodes batches of texts
    (column `text`) or of decoded images (`pixels`, with `reason` non-empty where decoding failed)."""

    def __init__(
        self, location: str, device: str, threads: int, cpu_precision: str = "float32", cpu_runtime: str = "torch"
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        torch.set_num_threads(threads)
        self.encoder = load_siglip(location, device, cpu_precision=cpu_precision, cpu_runtime=cpu_runtime)
        self.dimension = self.encoder.encode_texts([""]).shape[1]  # for batches whose every image failed

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if "text" in batch:
            vectors = self.encoder.encode_texts(batch["text"].tolist())
            reasons = np.full(len(vectors), "", dtype=object)
        else:
            reasons = batch["reason"]
            decoded = reasons == ""
            vectors = np.zeros((len(reasons), self.dimension), dtype=np.float32)
            if decoded.any():
                vectors[decoded] = self.encoder.encode_uint8(torch.from_numpy(batch["pixels"][decoded]))
        return {"unit_id": batch["unit_id"], "block": batch["block"], "vector": vectors, "reason": reasons}


def decode_batch(batch: dict[str, np.ndarray], pixels: PixelRecipe) -> dict[str, np.ndarray]:
    """A CPU task: decode and resize a batch of image files; a failed one gets blank pixels and its reason."""
    decoded = [decode_image(path, pixels) for path in batch["path"]]
    blank = np.zeros((pixels.height, pixels.width, 3), dtype=np.uint8)
    return {
        "unit_id": batch["unit_id"],
        "block": batch["block"],
        "pixels": np.stack([blank if image is None else image for image, _ in decoded]),
        "reason": np.array([reason or "" for _, reason in decoded], dtype=object),
    }


def embed_model_ray(
    ws: Workspace,
    model: str,
    session: RaySession,
    batch_size: int | None = None,
    device: str | None = None,
    retry_failures: bool = False,
    progress: Progress = SILENT,
) -> EmbedSummary:
    """Embed every unit of the study with `model` on the Ray cluster of `session`, resuming."""
    import ray.data
    import ray.exceptions

    location = str(ws.model_location(model))
    try:
        processor = load_processor(location)
    except (OSError, ValueError) as error:
        raise EmbedError(f"model {model!r} ({location}): cannot load: {error}") from None
    checkpoint_hash = weights_hash(location)
    plan = plan_embedding(ws, model, checkpoint_hash, processor.tokenizer, retry_failures)
    compute = ws.config.compute
    pending = plan.pending
    pool = encoder_pool(compute, session, device, images=bool((pending["modality"] == "image").any()))
    progress.note(f"{model}: Ray ({session.origin}, {session.cpus} CPUs, {session.gpus:g} GPUs): {pool.describe()}")
    computed_in = compute_dtype(pool.device, ws.config.embedding.cpu_precision)
    metadata = shard_metadata(ws, model, location, checkpoint_hash, pool.device, computed_in)
    writer = open_writer(ws, plan, metadata, compute.block_size)
    advance = progress.task(f"embed {model} (ray)", len(pending), "units")

    size = batch_size or ws.config.embedding.batch_size or default_batch_size(pool.device)
    replicas: dict[str, Any] = {
        "fn_constructor_args": (
            location,
            pool.device,
            pool.threads,
            ws.config.embedding.cpu_precision,
            ws.config.embedding.cpu_runtime,
        ),
        "compute": ray.data.ActorPoolStrategy(size=pool.replicas),
        "num_cpus": 1,
        "num_gpus": pool.gpus_per_replica,
        "batch_size": size,
    }
    texts = texts_to_encode(pending[pending["modality"] == "text"], writer, advance)
    images, paths = images_to_decode(ws, pending[pending["modality"] == "image"], writer, advance)
    try:
        if len(texts):
            blocks = _blocks(texts.loc[:, ["unit_id", "text"]], compute.block_size, pool.replicas)
            _commit_blocks(blocks.map_batches(SiglipReplica, **replicas), texts, compute.block_size, writer, advance)
        if len(images):
            blocks = _blocks(images.loc[:, ["unit_id"]].assign(path=paths), compute.block_size, pool.decoders)
            decoded = blocks.map_batches(
                decode_batch,
                fn_kwargs={"pixels": PixelRecipe.of(processor.image_processor)},
                batch_size=size,
                num_cpus=1,
                compute=ray.data.TaskPoolStrategy(size=min(pool.decoders, blocks.num_blocks())),
            )
            _commit_blocks(decoded.map_batches(SiglipReplica, **replicas), images, compute.block_size, writer, advance)
    except ray.exceptions.RayError as error:
        cause = getattr(error, "cause", None) or error
        raise EmbedError(f"{model}: the Ray run failed ({len(plan.pending)} units pending): {cause}") from error
    return finish_embedding(ws, plan, writer)


def _blocks(frame: pd.DataFrame, block_size: int, workers: int):
    """A Ray Dataset of the rows, each tagged with its block (`block_size` rows in order). A block
    is cut into Ray blocks small enough that each of `workers` gets one: Ray hands a Ray block to
    one task or replica, so a study of fewer than `workers` blocks would otherwise run on fewer."""
    import ray.data

    piece = min(block_size, -(-len(frame) // workers))
    tagged = frame.assign(block=np.arange(len(frame)) // block_size)
    return ray.data.from_pandas(
        [
            tagged.iloc[start : min(start + piece, block_start + block_size)]
            for block_start in range(0, len(frame), block_size)
            for start in range(block_start, min(block_start + block_size, len(frame)), piece)
        ]
    )


def _commit_blocks(dataset, units: pd.DataFrame, block_size: int, writer: ShardWriter, advance: Advance) -> None:
    """Stream the encoded rows and commit each block as one shard once all its rows are back."""
    sizes = pd.Series(np.arange(len(units)) // block_size).value_counts().to_dict()
    missing = dict(sizes)
    arrived: dict[int, list[dict[str, np.ndarray]]] = defaultdict(list)
    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
        for block in np.unique(batch["block"]).tolist():
            rows = batch["block"] == block
            arrived[block].append({key: batch[key][rows] for key in ("unit_id", "vector", "reason")})
            missing[block] -= int(rows.sum())
            if missing[block] == 0:
                _commit_block(units, arrived.pop(block), writer)
                advance(sizes[block])
    incomplete = {block: count for block, count in missing.items() if count}
    if incomplete:
        raise EmbedError(f"Ray returned no rows for {sum(incomplete.values())} units of block(s) {sorted(incomplete)}")


def _commit_block(units: pd.DataFrame, parts: list[dict[str, np.ndarray]], writer: ShardWriter) -> None:
    """One block's failures and vectors, in the order of `units`, as one shard."""
    positions = pd.Index(units["unit_id"]).get_indexer(np.concatenate([part["unit_id"] for part in parts]))
    order = np.argsort(positions)
    positions = positions[order]
    vectors = np.concatenate([part["vector"] for part in parts])[order]
    reasons = np.concatenate([part["reason"] for part in parts])[order]
    failed = reasons != ""
    if failed.any():
        writer.fail(units.iloc[positions[failed]], reasons[failed].tolist())
    if (~failed).any():
        writer.add(units.iloc[positions[~failed]], vectors[~failed])
    writer.commit()
