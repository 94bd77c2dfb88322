"""Embedding verbs: `hw embed`, `hw index`, `hw search`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from embeddings.artifacts import EMBED_FAILURES
from embeddings.runner import EmbedSummary
from embeddings.stage import EMBED, INDEX_STAGE, EmbedOptions, IndexOptions
from heritage_weaver.workspace import Workspace
from hw_cli.console import (
    StudyOption,
    catalogue,
    execute,
    fail,
    key_column,
    number_column,
    open_study,
    stdout,
    text_column,
)
from hw_cli.verbs import Verb
from museum_formats.sources import is_url


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
    options = EmbedOptions(
        models=tuple(model or ()), batch_size=batch_size, device=device, retry_failures=retry_failures, engine=engine
    )
    show_embed(workspace, execute(EMBED, workspace, options))


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
    show_index(workspace, execute(INDEX_STAGE, workspace, IndexOptions(models=tuple(model or ()), force=force)))


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
    modality: Annotated[
        str | None,
        typer.Option(help="Units searched: image or text (default: every modality indexed, merged by record)."),
    ] = None,
    k: Annotated[int, typer.Option("-k", help="Records returned.")] = 10,
    text_weight: Annotated[float, typer.Option(help="Weight of the text when both text and image are given.")] = 0.5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Search records by text, image or both (results aggregated to records by their best unit)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from embeddings.search import searcher
    from heritage_weaver.decode import ImageProblem

    workspace = open_study(study)
    name = model or workspace.config.sampling.base_model
    if name not in workspace.config.models:
        fail(f"unknown model {name!r}; the study config has {list(workspace.config.models)}")
    if modality not in (None, "image", "text"):
        fail(f"--modality must be image or text, got {modality!r}")
    try:
        found = searcher(workspace, name)
        searched = found.modalities(modality, collection)
        results = found.search(text, image, collection, k, text_weight, modality)
    except (FileNotFoundError, ValueError, ImageProblem) as error:
        fail(str(error))
    if as_json:
        typer.echo(json.dumps(results.to_dict(orient="records"), indent=2))
        return
    query = " + ".join(part for part in (f"text {text!r}" if text else "", f"image {image}" if image else "") if part)
    with_images = stdout.width >= IMAGE_COLUMN_WIDTH
    units = " and ".join(searched) + " units" + (", merged by record" if len(searched) > 1 else "")
    stdout.print(search_table(workspace, results, f"{name}: {query} ({units})", with_images))
    if not with_images:
        stdout.print(f"image locations: `--json`, or a terminal of {IMAGE_COLUMN_WIDTH}+ columns", soft_wrap=True)


IMAGE_COLUMN_WIDTH = 120  # below this many columns the image locations would squeeze the names
IMAGE_WIDTH = 40  # an image location longer than this keeps its last parts (the file name at least)


def search_table(workspace: Workspace, results: pd.DataFrame, title: str, with_images: bool) -> Table:
    """Ranked records; names wrap between words, identifiers and scores never wrap; a `units` column
    (the modality of each record's best unit, which its score is of) when results of several modalities
    merged; the image column (locations relative to the study, long ones cut from the left) only when
    `with_images`."""
    table = Table(title=title)
    number_column(table, "#")
    key_column(table, "record")
    key_column(table, "collection")
    text_column(table, "name")
    number_column(table, "score")
    merged = results["modality"].nunique() > 1
    if merged:
        key_column(table, "units")
    if with_images:
        key_column(table, "image")
    for rank, row in enumerate(results.itertuples(index=False), start=1):
        cells: list[Text | str] = [
            str(rank),
            catalogue(row.record_id),
            catalogue(row.collection),
            catalogue(row.name),
            f"{row.score:.4f}",
        ]
        if merged:
            cells.append(row.modality)
        if with_images:
            cells.append(catalogue(_location(workspace, row.image)) if isinstance(row.image, str) else "–")
        table.add_row(*cells)
    return table


def _location(workspace: Workspace, image: str) -> str:
    """The image's URL or path (relative to the study when inside it), shortened from the left."""
    location = image if is_url(image) else workspace.relative(Path(image))
    if len(location) <= IMAGE_WIDTH:
        return location
    parts = location.split("/")
    kept = parts[-1]
    for part in reversed(parts[:-1]):
        if len(part) + len(kept) + 3 > IMAGE_WIDTH:
            break
        kept = f"{part}/{kept}"
    return f"…/{kept}"


EMBED_VERB = Verb(EMBED, show_embed, embed)
INDEX_VERB = Verb(INDEX_STAGE, show_index, index)
