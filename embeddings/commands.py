"""Embedding verbs: `hw model tiny`, `hw embed`, `hw index`, `hw search`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from heritage_weaver.console import StudyOption, console, fail, open_study, progress_bar, stdout

model_app = typer.Typer(help="Build or inspect SigLIP checkpoints.", no_args_is_help=True)


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


@model_app.command("tiny")
def model_tiny(
    directory: Annotated[str, typer.Argument(help="Checkpoint folder, or the name of a configured model (its folder).")],
    study: StudyOption = Path("."),
    seed: Annotated[int, typer.Option(help="Seed of the random weights.")] = 0,
    pretrain_steps: Annotated[int, typer.Option(help="Out-of-domain pre-training steps (0: random weights).")] = 0,
) -> None:
    """Build a tiny SigLIP offline, with a tokenizer trained on the study's records."""
    import pandas as pd

    from embeddings.tiny import build_tiny_siglip
    from embeddings.units import RECORDS

    workspace = open_study(study)
    target = Path(workspace.model_location(directory)) if directory in workspace.config.models else Path(directory)
    records_path = workspace.path(*RECORDS)
    if not records_path.is_file():
        fail(f"{records_path}: no records to train the tokenizer on (run `hw ingest` first)")
    records = pd.read_parquet(records_path, columns=["name", "description"])
    texts = [t for t in pd.concat([records["name"], records["description"]]).tolist() if t]
    build_tiny_siglip(target, texts, seed=seed)
    if pretrain_steps > 0:
        from training.demo_base import pretrain_out_of_domain

        with console.status(f"pre-training {target} for {pretrain_steps} steps"):
            pretrain_out_of_domain(target, pretrain_steps, seed)
    workspace.record(target, "model", inputs=[records_path], config_sections=["models"], seed=seed,
                     pretrain_steps=pretrain_steps)
    console.print(f"Wrote a tiny SigLIP to [bold]{target}[/] (seed {seed}, {pretrain_steps} pre-training steps).")


def _available_models(workspace) -> list[str]:
    """Configured models whose checkpoint folder exists (hub ids count as available)."""
    return [name for name in workspace.config.models if workspace.model_available(name)]


def embed(
    study: StudyOption = Path("."),
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model(s) to embed with (default: every configured model whose checkpoint exists).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Units per forward pass (default: embedding.batch_size, else per device).")] = None,
    device: Annotated[str | None, typer.Option(help="cpu or cuda (default: cuda when present).")] = None,
    retry_failures: Annotated[bool, typer.Option(help="Try again units that failed in an earlier run.")] = False,
) -> None:
    """Embed every record's image and text units (resumable: a re-run adds only what is missing)."""
    _offline()
    from embeddings.model import default_batch_size, load_siglip
    from embeddings.runner import embed_model

    workspace = open_study(study)
    names = model or _available_models(workspace)
    unknown = [n for n in names if n not in workspace.config.models]
    if unknown:
        fail(f"unknown model(s) {unknown}; the study config has {list(workspace.config.models)}")
    if not names:
        fail("no configured model has a checkpoint yet (build one with `hw model tiny` or `hw train`)")
    table = Table("model", "units", "embedded", "failed", "new vectors", "new failures", title="Embed")
    for name in names:
        try:
            encoder = load_siglip(workspace.model_location(name), device)
        except (OSError, ValueError) as error:
            fail(f"model {name!r} ({workspace.model_location(name)}): cannot load: {error}")
        size = batch_size or workspace.config.embedding.batch_size or default_batch_size(encoder.device)
        try:
            with progress_bar("units") as progress:
                summary = embed_model(workspace, name, encoder, size, retry_failures, progress)
        except FileNotFoundError as error:
            fail(str(error))
        if summary.restarted:
            console.print(f"[yellow]{name}: the checkpoint's weights changed; earlier vectors were discarded.[/]")
        table.add_row(name, str(summary.units), str(summary.embedded), str(summary.failed),
                      str(summary.embedded_this_run), str(summary.failed_this_run))
        if not summary.reconciles:
            fail(f"{name}: {summary.units} units != {summary.embedded} embedded + {summary.failed} failed")
    stdout.print(table)
    stdout.print("units = embedded + failed for every model; reasons in embeddings/<model>/failures.parquet")


def index(
    study: StudyOption = Path("."),
    model: Annotated[list[str] | None, typer.Option("--model", "-m", help="Model(s) to index (default: all with embeddings).")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even when the vectors have not changed.")] = False,
) -> None:
    """Build one FAISS index per model × modality × collection."""
    from embeddings.index import build_indexes, indexed_models

    workspace = open_study(study)
    names = model or indexed_models(workspace)
    if not names:
        fail("no embeddings to index (run `hw embed` first)")
    table = Table("model", "modality", "collection", "vectors", "state", title=f"Indexes ({workspace.config.embedding.index})")
    for name in names:
        try:
            rows = build_indexes(workspace, name, force)
        except FileNotFoundError as error:
            fail(str(error))
        for row in rows:
            table.add_row(row["model"], row["modality"], row["collection"], str(row["vectors"]), row["state"])
    stdout.print(table)


def search(
    study: StudyOption = Path("."),
    text: Annotated[str | None, typer.Option(help="Text query.")] = None,
    image: Annotated[Path | None, typer.Option(help="Image file query.")] = None,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model (default: the sampler's base model).")] = None,
    collection: Annotated[str | None, typer.Option(help="Only this collection (default: all).")] = None,
    modality: Annotated[str, typer.Option(help="Units searched: image or text.")] = "image",
    k: Annotated[int, typer.Option("-k", help="Records returned.")] = 10,
    text_weight: Annotated[float, typer.Option(help="Weight of the text when both text and image are given.")] = 0.5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Search records by text, image or both (results aggregated to records by their best unit)."""
    _offline()
    from embeddings.decode import ImageProblem
    from embeddings.search import search as run_search

    workspace = open_study(study)
    name = model or workspace.config.sampling.base_model
    if name not in workspace.config.models:
        fail(f"unknown model {name!r}; the study config has {list(workspace.config.models)}")
    if modality not in ("image", "text"):
        fail(f"--modality must be image or text, got {modality!r}")
    try:
        results = run_search(workspace, name, text, image, collection, k, text_weight, modality)
    except (FileNotFoundError, ValueError, ImageProblem) as error:
        fail(str(error))
    if as_json:
        typer.echo(json.dumps(results.to_dict(orient="records"), indent=2))
        return
    query = " + ".join(part for part in (f"text {text!r}" if text else "", f"image {image}" if image else "") if part)
    table = Table("#", "record", "collection", "name", "score", "image", title=f"{name}: {query}")
    for rank, row in enumerate(results.itertuples(index=False), start=1):
        table.add_row(str(rank), row.record_id, row.collection, row.name or "", f"{row.score:.4f}", row.image or "–")
    stdout.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")
    app.command("embed")(embed)
    app.command("index")(index)
    app.command("search")(search)
