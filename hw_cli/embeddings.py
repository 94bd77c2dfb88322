"""Embedding verbs: `hw embed`, `hw index`, `hw search`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from embeddings.runner import EmbedSummary
from embeddings.stage import EMBED, INDEX_STAGE
from heritage_weaver.artifacts import EMBED_FAILURES
from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, execute, fail, open_study, stdout


def embed(
    study: StudyOption = Path("."),
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model", "-m", help="Model(s) to embed with (default: every configured model whose checkpoint exists)."
        ),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(help="Units per forward pass (default: embedding.batch_size, else per device).")
    ] = None,
    device: Annotated[str | None, typer.Option(help="cpu or cuda (default: cuda when present).")] = None,
    retry_failures: Annotated[bool, typer.Option(help="Try again units that failed in an earlier run.")] = False,
    engine: Annotated[
        str | None,
        typer.Option(help="local or ray (default: $HW_ENGINE, else compute.engine of study.toml)."),
    ] = None,
) -> None:
    """Embed every record's image and text units (resumable: a re-run adds only what is missing)."""
    workspace = open_study(study)
    summaries = execute(
        EMBED,
        workspace,
        models=model,
        batch_size=batch_size,
        device=device,
        retry_failures=retry_failures,
        engine=engine,
    )
    show_embed(workspace, summaries)


def show_embed(workspace: Workspace, summaries: list[EmbedSummary]) -> None:
    table = Table(
        "model", "units", "embedded", "failed", "new vectors", "new failures", "repeats dropped", title="Embed"
    )
    for s in summaries:
        table.add_row(
            s.model,
            str(s.units),
            str(s.embedded),
            str(s.failed),
            str(s.embedded_this_run),
            str(s.failed_this_run),
            str(s.repeats),
        )
    stdout.print(table)
    stdout.print(f"units = embedded + failed for every model; reasons in {EMBED_FAILURES.path}")
    if any(s.repeats for s in summaries):
        stdout.print("repeats dropped: description sentences (or segments) that repeat a text unit of their record")


def index(
    study: StudyOption = Path("."),
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="Model(s) to index (default: all with embeddings).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even when the vectors have not changed.")] = False,
) -> None:
    """Build one FAISS index per model × modality × collection."""
    workspace = open_study(study)
    show_index(workspace, execute(INDEX_STAGE, workspace, models=model, force=force))


def show_index(workspace: Workspace, rows: list[dict]) -> None:
    table = Table(
        "model", "modality", "collection", "vectors", "state", title=f"Indexes ({workspace.config.embedding.index})"
    )
    for row in rows:
        table.add_row(row["model"], row["modality"], row["collection"], str(row["vectors"]), row["state"])
    stdout.print(table)


def search(
    study: StudyOption = Path("."),
    text: Annotated[str | None, typer.Option(help="Text query.")] = None,
    image: Annotated[Path | None, typer.Option(help="Image file query.")] = None,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model (default: the sampler's base model).")
    ] = None,
    collection: Annotated[str | None, typer.Option(help="Only this collection (default: all).")] = None,
    modality: Annotated[str, typer.Option(help="Units searched: image or text.")] = "image",
    k: Annotated[int, typer.Option("-k", help="Records returned.")] = 10,
    text_weight: Annotated[float, typer.Option(help="Weight of the text when both text and image are given.")] = 0.5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Search records by text, image or both (results aggregated to records by their best unit)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from embeddings.search import search as run_search
    from heritage_weaver.decode import ImageProblem

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
