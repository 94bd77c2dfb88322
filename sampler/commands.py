"""`hw sample`: high-similarity cross-collection pairs, stratified by model agreement, into blind batches."""

from __future__ import annotations

from pathlib import Path

import typer

from heritage_weaver.console import StudyOption, open_study


def sample(
    study: StudyOption = Path("."),
    force: bool = typer.Option(False, "--force", help="Compute again even when the sampler artifacts are up to date."),
) -> None:
    """Score record pairs per model and comparison, threshold at the percentile, draw annotator batches."""
    from sampler.study import sample_study

    sample_study(open_study(study), force=force)


def register(app: typer.Typer) -> None:
    app.command("sample")(sample)
