"""Shared terminal output: one rich console, progress bars with rate and ETA, clean failures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from heritage_weaver.config import ConfigError
from heritage_weaver.workspace import ManifestError, Workspace

console = Console(stderr=True)
stdout = Console()

StudyOption = Annotated[
    Path, typer.Option("--study", "-s", help="The study workspace (folder with study.toml).", show_default=True)
]


class RateColumn(TextColumn):
    """Items per second, with the unit the bar counts (units/s, pairs/s, images/s)."""

    def __init__(self, unit: str) -> None:
        super().__init__("")
        self.unit = unit

    def render(self, task):  # type: ignore[override]
        speed = task.finished_speed or task.speed
        return f"{speed:,.0f} {self.unit}/s" if speed else f"– {self.unit}/s"


def progress_bar(unit: str = "items", transient: bool = False) -> Progress:
    """A rich progress bar showing done/total, rate and time remaining."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        RateColumn(unit),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
    )


def fail(message: str, code: int = 1) -> NoReturn:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def open_study(study: Path, read_manifest: bool = True) -> Workspace:
    """Open a workspace and validate its config (and manifest), turning their errors into a clean exit."""
    workspace = Workspace.open(study)
    try:
        workspace.config
        if read_manifest:
            workspace.manifest()
    except (ConfigError, ManifestError) as error:
        fail(str(error))
    return workspace
