"""`hw status` and `hw run`: the study's stages in order, from the one stage list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from heritage_weaver.stages import READY, StageSkipped, verb_status
from hw_cli.console import StudyOption, console, open_study, stdout
from hw_cli.stages import plan, study_stages


def status(
    study: StudyOption = Path("."),
    repair: Annotated[
        bool, typer.Option("--repair", help="Replace an unreadable manifest.json with its last good copy.")
    ] = False,
) -> None:
    """Show which stages are done, stale (inputs or config changed), failed, skipped (and why), missing, or
    waiting (and for what)."""
    workspace = open_study(study, read_manifest=not repair)
    if repair:
        console.print(workspace.repair_manifest())
    stages = {stage.verb: stage for stage in study_stages(workspace)}
    recorded_verbs = {entry["verb"] for entry in workspace.manifest().values()}
    table = Table("stage", "state", "artifacts", title=f"Study {workspace.config.study.name}")
    for verb in list(stages) + sorted(recorded_verbs - set(stages)):
        state, listed = verb_status(workspace, verb, stages.get(verb))
        table.add_row(verb, Text(state, style=STATE_COLOURS[state]), Text(listed))
    stdout.print(table)


STATE_COLOURS = {
    "done": "green",
    "stale": "yellow",
    "failed": "bold red",
    "skipped": "cyan",
    "missing": "red",
    "waiting": "dim",
    "no files": "dim",
}


def run(
    study: StudyOption = Path("."),
    labelstudio: Annotated[
        bool, typer.Option(help="Push to and pull from Label Studio (else write import files).")
    ] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would run.")] = False,
) -> None:
    """Run the study from where it stands to the furthest stage its inputs allow."""
    workspace = open_study(study)
    for verb in plan(labelstudio, workspace.config.study.simulation):
        workspace = open_study(study)  # a fresh view: earlier stages wrote what this one reads
        state = verb.stage.state(workspace)
        if state != READY or dry_run:
            console.print(Text(f"{verb.name:>16}: {state}", style="dim"))
            continue
        console.rule(f"hw {verb.name}")
        try:
            verb.run_with_defaults(workspace)
        except StageSkipped:
            continue
    console.print(
        Text.assemble(("The study is as far as its inputs allow.", "green"), " `hw status` shows every stage.")
    )
