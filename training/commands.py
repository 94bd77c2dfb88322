"""`hw train`: continued pre-training of the base SigLIP into ft-best and ft-last."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from heritage_weaver.console import StudyOption, console, fail, open_study


def train(
    study: StudyOption = Path("."),
    restart: Annotated[bool, typer.Option("--restart", help="Discard a saved training state and start again.")] = False,
    device: Annotated[str | None, typer.Option("--device", help="cuda, cuda:1, cpu… (default: CUDA when present).")] = None,
) -> None:
    """Train the base model on the collections' image–text pairs; resumes where a killed run stopped.

    Settings come from the training section of study.toml. Writes models/<best_name> (lowest
    evaluation loss), models/<last_name> (after the last epoch), training/split.parquet,
    training/pairs.parquet, training/metrics.parquet and training/loss.png.
    """
    from training.run import TrainingError, train_study

    ws = open_study(study)
    try:
        summary = train_study(ws, restart=restart, device=device)
    except TrainingError as error:
        fail(str(error))
    settings = ws.config.training
    console.print(
        f"[green]done[/]: {summary.steps} steps on {summary.pairs_train:,} pairs; best evaluation loss "
        f"{summary.best_eval_loss:.4f} after epoch {(summary.best_epoch or 0) + 1} → models/{settings.best_name}, "
        f"last → models/{settings.last_name}"
    )


def register(app: typer.Typer) -> None:
    app.command("train")(train)
