"""Annotation verbs: `hw push`, `hw pull`, `hw annotation status|watch` and the demo-only
`hw simulate-labels` (the desks' servers: hw_cli.labelstudio)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from annotation.artifacts import QUARANTINE
from annotation.pull import PullReport, annotation_standing
from annotation.stage import (
    EXPORT,
    PULL,
    PUSH,
    PUSH_ADJUDICATION,
    AdjudicationOptions,
    ExportOptions,
    PushOptions,
)
from annotation.sync import BatchReport
from demo.stage import SIMULATE_LABELS, SimulateOptions
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, console, execute, fail, open_study, stdout
from hw_cli.verbs import Verb

annotation_app = typer.Typer(help="Where the annotation stands.", no_args_is_help=True, rich_markup_mode=None)


def push(
    study: StudyOption = Path("."),
    annotator: Annotated[list[str] | None, typer.Option(help="Push only this annotator's batch (repeatable).")] = None,
    export_only: Annotated[
        bool, typer.Option("--export-only", help="Write Label Studio import files instead of pushing.")
    ] = False,
    round: Annotated[
        list[int] | None, typer.Option("--round", help="Push only this labelling round's batches (repeatable).")
    ] = None,
    recreate: Annotated[
        list[str] | None,
        typer.Option(
            "--recreate",
            metavar="ANNOTATOR",
            help="Rebuild this annotator's projects that are gone from their server, with the tasks still to label.",
        ),
    ] = None,
    adjudication: Annotated[
        str | None,
        typer.Option(
            "--adjudication",
            metavar="ADJUDICATOR",
            help="Send the overlap pairs whose annotators disagree (as of the last `hw pull`) to this "
            "adjudicator's project, with the earlier labels and who gave them.",
        ),
    ] = None,
) -> None:
    """Create one Label Studio project per annotator batch and import its blind tasks (safe to re-run).

    Every labelling round's batches are pushed (round 2's projects beside round 1's)."""
    workspace = open_study(study)
    if adjudication is not None:
        if export_only or annotator or round or recreate:
            fail("--adjudication goes alone (no --export-only, --annotator, --round or --recreate)")
        show_push(workspace, execute(PUSH_ADJUDICATION, workspace, AdjudicationOptions(adjudicator=adjudication)))
    elif export_only:
        exported = ExportOptions(annotators=tuple(annotator or ()), rounds=tuple(round or ()))
        show_export(workspace, execute(EXPORT, workspace, exported))
    else:
        pushed = PushOptions(
            annotators=tuple(annotator or ()), rounds=tuple(round or ()), recreate=tuple(recreate or ())
        )
        show_push(workspace, execute(PUSH, workspace, pushed))


def show_export(workspace: Workspace, files: list[Path]) -> None:
    console.print(
        f"Wrote {len(files)} Label Studio import file(s) with label_config.xml and instructions.html "
        f"to {files[0].parent if files else workspace.root}; nothing was sent to a server."
    )


def show_push(workspace: Workspace, reports: list[BatchReport]) -> None:
    if not reports:
        return
    table = Table(
        "annotator", "round", "project", "pairs", "created", "adopted", "already there", "duplicates on server"
    )
    for report in reports:
        table.add_row(
            report.annotator,
            report.round,
            f"{report.project_id} (new)" if report.recreated else "GONE" if report.gone else str(report.project_id),
            str(report.pairs),
            str(report.created),
            str(report.adopted),
            str(report.already),
            ", ".join(report.duplicates_on_server) or "–",
        )
    stdout.print(table)
    for report in reports:
        if report.gone:
            console.print(report.gone, style="yellow")


def pull(study: StudyOption = Path(".")) -> None:
    """Fetch every annotation into the ledger and write the labels table."""
    workspace = open_study(study)
    show_pull(workspace, execute(PULL, workspace))


def show_pull(workspace: Workspace, result: tuple[PullReport, pd.DataFrame]) -> None:
    report, standing = result
    console.print(
        f"Pulled {report.projects} project(s): {report.annotations_seen} annotation(s), "
        f"{report.drafts_seen} open draft(s); {report.new_versions} new or changed since the last pull."
    )
    if report.unknown_tasks:
        console.print(
            Text.assemble(
                (f"{len(report.unknown_tasks)} annotated task(s) unknown to the ledger", "yellow"),
                f" (ids {report.unknown_tasks[:10]}…); they were not imported by `hw push` and are ignored.",
            )
        )
    if report.withdrawn:
        console.print(
            Text.assemble(
                (f"{report.withdrawn} annotation(s) deleted on their server", "yellow"),
                ": marked withdrawn, no longer counted.",
            )
        )
    if report.quarantined:
        console.print(
            Text.assemble(
                (f"{report.quarantined} annotation(s) written by an account other than their desk's curator", "yellow"),
                f": kept in {QUARANTINE.path}, never analysed.",
            )
        )
    for missing in report.missing:
        console.print(f"Not pulled: {missing}", style="yellow")
    for desk in report.snapshots_held:
        console.print(
            f"No new snapshot of {desk} while its project is lost: the earlier ones are kept for "
            f"`hw labelstudio restore {desk}`."
        )
    if report.unknown_labels:
        console.print(
            Text.assemble(
                (f"{len(report.unknown_labels)} annotation(s) with a label outside the protocol:", "yellow"),
                " " + "; ".join(report.unknown_labels[:5]),
            )
        )
    show_standing(standing)


TROUBLE_COLUMNS = ("withdrawn", "quarantined", "projects lost")  # shown only where something happened


def show_standing(standing: pd.DataFrame) -> None:
    standing = standing.drop(columns=[c for c in TROUBLE_COLUMNS if not standing[c].any()])
    table = Table(*standing.columns, title="Annotation (as of the last pull)")
    for row in standing.itertuples(index=False):
        table.add_row(*(str(value) for value in row))
    stdout.print(table)


@annotation_app.command("status")
def annotation_status(study: StudyOption = Path(".")) -> None:
    """Per annotator: pairs, done, skipped, remaining, open drafts (as of the last pull)."""
    try:
        standing = annotation_standing(open_study(study))
    except ArtifactError as error:
        fail(str(error))
    show_standing(standing.table)
    for lost in standing.lost:
        console.print(
            Text.assemble(
                (lost.message, "yellow"),
                f"; `hw push --recreate {lost.annotator}` or `hw labelstudio restore {lost.annotator}`",
            )
        )


@annotation_app.command("watch")
def annotation_watch(
    study: StudyOption = Path("."),
    every: Annotated[str, typer.Option(help="Time between pulls: 90s, 10m, 1h.")] = "10m",
    times: Annotated[int | None, typer.Option(help="Stop after this many pulls (default: until Ctrl-C).")] = None,
) -> None:
    """Pull on a schedule during long labelling sessions: each pull also snapshots every desk's database."""
    import time

    seconds = _duration(every)
    workspace = open_study(study)
    done = 0
    try:
        while times is None or done < times:
            report, _ = execute(PULL, workspace)
            done += 1
            console.print(
                f"{time.strftime('%H:%M:%S')} pull {done}: {report.new_versions} new or changed, "
                f"{len(report.missing)} project(s) not pulled"
            )
            for missing in report.missing:
                console.print(f"  {missing}", style="yellow")
            if times is None or done < times:
                time.sleep(seconds)
    except KeyboardInterrupt:
        console.print(f"Stopped after {done} pull(s); every pull that finished is in the ledger.")


def _duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.replace(".", "", 1).isdigit() or float(number) <= 0:
        fail(f"--every {text!r}: give a positive number with s, m or h, e.g. 10m")
    return float(number) * units[unit]


def simulate_labels(
    study: StudyOption = Path("."),
    noise: Annotated[float, typer.Option(help="Chance that a simulated annotator picks a wrong label.")] = 0.15,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the study's seed).")] = None,
) -> None:
    """DEMO ONLY: post simulated annotators' labels, judged from the demo's hidden ground truth."""
    workspace = open_study(study)
    show_simulate(workspace, execute(SIMULATE_LABELS, workspace, SimulateOptions(noise=noise, seed=seed)))


def show_simulate(workspace: Workspace, posted: pd.DataFrame) -> None:
    agree = float((posted["label"] == posted["true_label"]).mean()) if len(posted) else float("nan")
    console.print(f"SIMULATION: posted {len(posted)} simulated annotation(s); {agree:.0%} match the ground truth.")


PUSH_VERB = Verb(PUSH, show_push, push)
SIMULATE_LABELS_VERB = Verb(SIMULATE_LABELS, show_simulate, simulate_labels)
PULL_VERB = Verb(PULL, show_pull, pull)
EXPORT_VERB = Verb(EXPORT, show_export)  # `hw push --export-only`
