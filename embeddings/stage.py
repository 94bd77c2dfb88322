"""The embeddings package's stages: `embed` (unit vectors per model) and `index` (FAISS indexes)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from embeddings.artifacts import EMBED_FAILURES, INDEX, INDEX_ROWS, SHARD_VECTORS, UNITS
from embeddings.index import build_indexes, indexed_models
from embeddings.runner import EmbedError, EmbedSummary, embed_model
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.compute import ComputeError, chosen_engine, cpu_cores, ray_session
from heritage_weaver.progress import Progress
from heritage_weaver.stages import Stage, needs
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from training.artifacts.fine_tuning import models_left_out


@dataclass(frozen=True)
class EmbedOptions:
    models: tuple[str, ...] = ()  # default: every configured model whose checkpoint exists
    batch_size: int | None = None  # units per forward pass (default: embedding.batch_size, else per device)
    device: str | None = None  # cpu or cuda (default: cuda when present)
    retry_failures: bool = False  # try again units that failed in an earlier run
    engine: str | None = None  # local or ray (default: $HW_ENGINE, else compute.engine)


@dataclass(frozen=True)
class IndexOptions:
    models: tuple[str, ...] = ()  # default: every model with embeddings
    force: bool = False  # rebuild even when the vectors have not changed


def available_models(ws: Workspace) -> list[str]:
    """Configured models whose checkpoint folder exists (hub ids count as available)."""
    return [name for name in ws.config.models if ws.model_available(name)]


def _why_no_checkpoint(ws: Workspace, model: str) -> str:
    left_out = {item.name: item.why for item in models_left_out(ws)}
    return left_out.get(model, f"no checkpoint at {ws.model_location(model)} yet")


def run_embed(ws: Workspace, progress: Progress, options: EmbedOptions) -> list[EmbedSummary]:
    """Embed every unit with each model (default: every model whose checkpoint exists), resuming,
    on the local or the Ray engine (`chosen_engine`)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    names = list(options.models) or available_models(ws)
    unknown = [n for n in names if n not in ws.config.models]
    if unknown:
        raise EmbedError(f"unknown model(s) {unknown}; the study config has {list(ws.config.models)}")
    if not names:
        raise EmbedError("no configured model has a checkpoint yet (build one with `hw model tiny` or `hw train`)")
    if not options.models:
        for model in (m for m in ws.config.models if m not in names):
            progress.note(f"{model}: not embedded: {_why_no_checkpoint(ws, model)}")
    engine, source = chosen_engine(ws.config, options.engine)
    progress.note(f"embedding on the {engine} engine (chosen by {source})")
    if engine == "ray":
        from embeddings.ray_engine import embed_model_ray

        with ray_session(ws.config.compute) as session:
            summaries = [
                embed_model_ray(ws, name, session, options.batch_size, options.device, options.retry_failures, progress)
                for name in names
            ]
    else:
        summaries = [_embed_locally(ws, name, options, progress) for name in names]
    for summary in summaries:
        if summary.restarted:
            progress.warn(f"{summary.model}: the checkpoint's weights changed; earlier vectors were discarded.")
        if not summary.reconciles:
            raise EmbedError(
                f"{summary.model}: {summary.units} units != {summary.embedded} embedded + {summary.failed} failed"
            )
    return summaries


def _embed_locally(ws: Workspace, name: str, options: EmbedOptions, progress: Progress) -> EmbedSummary:
    import torch

    from heritage_weaver.siglip import default_batch_size, load_siglip

    try:
        encoder = load_siglip(
            ws.model_location(name),
            options.device,
            cpu_precision=ws.config.embedding.cpu_precision,
            cpu_runtime=ws.config.embedding.cpu_runtime,
        )
    except (OSError, ValueError) as error:
        raise EmbedError(f"model {name!r} ({ws.model_location(name)}): cannot load: {error}") from None
    if encoder.device == "cpu":
        torch.set_num_threads(cpu_cores())  # the encoder's matrix products on every core
        runtime = ", the vision tower on ONNX Runtime" if encoder.vision is not None else ""
        progress.note(f"{name}: on the CPU in {encoder.dtype}{runtime}, {cpu_cores()} threads")
    size = options.batch_size or ws.config.embedding.batch_size or default_batch_size(encoder.device)
    return embed_model(ws, name, encoder, size, options.retry_failures, progress)


def run_index(ws: Workspace, progress: Progress, options: IndexOptions) -> list[dict]:
    """Build one FAISS index per model × modality × collection; one summary row per index."""
    names = list(options.models) or indexed_models(ws)
    if not names:
        raise EmbedError(f"no embeddings to index (run `hw {UNITS.verb}` first)")
    return [row for name in names for row in build_indexes(ws, name, options.force)]


EMBED = Stage(
    "embed",
    (UNITS, SHARD_VECTORS, EMBED_FAILURES),
    run_embed,
    EmbedOptions(),
    needs(RECORDS),
    errors=(EmbedError, ComputeError, ArtifactError, FileNotFoundError),
)
INDEX_STAGE = Stage(
    "index", (INDEX, INDEX_ROWS), run_index, IndexOptions(), needs(UNITS), errors=(EmbedError, FileNotFoundError)
)
