"""Terminal output for every verb: one rich console, progress bars with rate and ETA, clean failures."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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
from rich.table import Table
from rich.text import Text

from heritage_weaver.config import ConfigError
from heritage_weaver.progress import Advance
from heritage_weaver.stages import OptionsT, ResultT, Stage, StageSkipped, run_stage
from heritage_weaver.text_safety import visible
from heritage_weaver.workspace import ManifestError, Workspace

# Never markup: a message is printed as written, brackets and all ("[prediction] fields"); styles
# come from `Text` parts (`Text.assemble(("note:", "yellow"), " ", message)`), never from the string.
console = Console(stderr=True, markup=False)
stdout = Console(markup=False)

StudyOption = Annotated[
    Path, typer.Option("--study", "-s", help="The study workspace (folder with study.toml).", show_default=True)
]


def catalogue(value: object) -> Text:
    """A catalogue value (a name, an id, a URL, a reason quoting them) as terminal text: never read
    as markup, its control characters shown as escapes (`\\x1b`), a missing value empty."""
    return Text(visible(value) if isinstance(value, str) else "")


def key_column(table: Table, header: str) -> None:
    """A column of names and identifiers: never wrapped, so a narrow terminal does not break them."""
    table.add_column(header, no_wrap=True)


def number_column(table: Table, header: str) -> None:
    """A column of figures: right-aligned and never wrapped; a header of several words takes a line
    per word, so that it is no wider than the figures."""
    table.add_column(header.replace(" ", "\n"), justify="right", no_wrap=True)


def text_column(table: Table, header: str) -> None:
    """A column of prose (reasons, names of objects): it wraps between words and takes the width left."""
    table.add_column(header, ratio=1)


class RateColumn(TextColumn):
    """Items per second, with the unit the bar counts (units/s, pairs/s, images/s)."""

    def __init__(self, unit: str) -> None:
        super().__init__("")
        self.unit = unit

    def render(self, task):
        speed = task.finished_speed or task.speed
        return f"{speed:,.0f} {self.unit}/s" if speed else f"– {self.unit}/s"


def progress_bar(unit: str = "items", transient: bool = False) -> Progress:
    """A rich progress bar showing done/total, rate and time remaining."""
    return Progress(
        TextColumn("{task.description}", style="bold", markup=False),
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


class RichProgress:
    """A `Progress` (heritage_weaver.progress) drawn as rich bars, one per task, with notes between."""

    def __init__(self) -> None:
        self.bars: list[Progress] = []

    def task(self, description: str, total: int | None, unit: str = "items", completed: int = 0) -> Advance:
        bar = progress_bar(unit)
        bar.start()
        self.bars.append(bar)
        task = bar.add_task(description, total=total, completed=completed)

        def advance(count: int) -> None:
            bar.advance(task, count)
            if total is not None and bar.tasks[0].completed >= total:
                bar.stop()

        return advance

    def note(self, message: str) -> None:
        console.print(Text(visible(message)))

    def warn(self, message: str) -> None:
        console.print(Text.assemble(("warning:", "yellow"), " ", visible(message)))

    def close(self) -> None:
        for bar in self.bars:
            bar.stop()


@contextmanager
def reporting() -> Iterator[RichProgress]:
    """A rich-drawn `Progress` for one command; its bars stop when the block ends (or fails)."""
    progress = RichProgress()
    try:
        yield progress
    finally:
        progress.close()


def fail(message: str, code: int = 1) -> NoReturn:
    """End the command with `message`, printed as it is (catalogue text is no rich markup; control
    characters show as escapes)."""
    console.print(Text.assemble(("error:", "bold red"), " ", visible(message)))
    raise typer.Exit(code)


def open_study(study: Path, read_manifest: bool = True) -> Workspace:
    """Open a workspace and validate its config (and manifest), turning their errors into a clean exit."""
    workspace = Workspace.open(study)
    try:
        _ = workspace.config  # parse and validate study.toml now, not at the first use
        if read_manifest:
            workspace.manifest()
    except (ConfigError, ManifestError) as error:
        fail(str(error))
    return workspace


def execute(stage: Stage[OptionsT, ResultT], workspace: Workspace, options: OptionsT | None = None) -> ResultT:
    """Run one stage with rich progress and `options` (default: the stage's defaults); its known
    failures end the command with their message, and a skip (the study lacks what the stage needs)
    ends it with exit 0 after one line saying why."""
    try:
        return attempt(stage, workspace, options)
    except StageSkipped:
        raise typer.Exit(0) from None


def attempt(stage: Stage[OptionsT, ResultT], workspace: Workspace, options: OptionsT | None = None) -> ResultT:
    """Run one stage with rich progress and record how it ended; a skip is shown in one line and
    raised on (`hw run` goes on to the next stage), a known failure ends the command."""
    with reporting() as progress:
        try:
            return run_stage(stage, workspace, progress, options)
        except StageSkipped as skipped:
            console.print(Text.assemble(("skipped:", "yellow"), f" {stage.verb}: ", skipped.why))
            raise
        except stage.errors as error:
            fail(str(error))
