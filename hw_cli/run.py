"""`hw status` and `hw run`: the study's stages in order, from the one stage list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from heritage_weaver.stages import READY
from hw_cli.console import StudyOption, console, execute, open_study, stdout
from hw_cli.stages import plan, study_stages
from hw_cli.verbs import VERBS


def status(
    study: StudyOption = Path("."),
    repair: Annotated[
        bool, typer.Option("--repair", help="Replace an unreadable manifest.json with its last good copy.")
    ] = False,
) -> None:
    """Show which stages are done, stale (inputs or config changed), missing, or waiting (and for what)."""
    workspace = open_study(study, read_manifest=not repair)
    if repair:
        console.print(workspace.repair_manifest())
    stages = {stage.verb: stage for stage in study_stages(workspace)}
    recorded_verbs = {entry["verb"] for entry in workspace.manifest().values()}
    table = Table("stage", "state", "artifacts", title=f"Study {workspace.config.study.name}")
    colours = {"done": "green", "stale": "yellow", "missing": "red", "waiting": "dim", "no files": "dim"}
    for verb in list(stages) + sorted(recorded_verbs - set(stages)):
        states = workspace.verb_states(verb)
        stage = stages.get(verb)
        reason = stage.ready(workspace) if stage and not states else None
        if states:
            state = "done" if set(states.values()) == {"done"} else "stale"
        else:
            state = "waiting" if reason else "no files" if stage and not stage.outputs else "missing"
        not_done = [f"{artifact} ({s})" for artifact, s in states.items() if s != "done"]
        listed = ", ".join(not_done) or (f"{len(states)} artifact(s) up to date" if states else reason or "–")
        table.add_row(verb, Text(state, colours[state]), listed)
    stdout.print(table)


def run(
    study: StudyOption = Path("."),
    labelstudio: Annotated[
        bool, typer.Option(help="Push to and pull from Label Studio (else write import files).")
    ] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would run.")] = False,
) -> None:
    """Run the study from where it stands to the furthest stage its inputs allow."""
    workspace = open_study(study)
    for stage in plan(labelstudio):
        workspace = open_study(study)  # a fresh view: earlier stages wrote what this one reads
        state = stage.state(workspace)
        if state != READY or dry_run:
            console.print(f"{stage.verb:>16}: {state}", style="dim")
            continue
        console.rule(f"hw {stage.verb}")
        VERBS[stage.verb].show(workspace, execute(stage, workspace))
    console.print(
        Text.assemble(("The study is as far as its inputs allow.", "green"), " `hw status` shows every stage.")
    )
