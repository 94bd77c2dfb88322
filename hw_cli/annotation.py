"""Annotation verbs: `hw labelstudio up|down|status|check|prepare`, `hw push`, `hw pull`,
`hw annotation status` and the demo-only `hw simulate-labels`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from annotation.pull import PullReport
from annotation.push import BatchReport
from annotation.stage import EXPORT, PULL, PUSH, PUSH_ADJUDICATION, SIMULATE_LABELS
from heritage_weaver.artifacts import LEDGER
from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, console, execute, fail, open_study, stdout

labelstudio_app = typer.Typer(help="Run or check the Label Studio server the study uses.", no_args_is_help=True)
annotation_app = typer.Typer(help="Where the annotation stands.", no_args_is_help=True)


@labelstudio_app.command("prepare")
def labelstudio_prepare() -> None:
    """Build the migrated template database once per Label Studio installation (makes `up` fast)."""
    from annotation import server

    try:
        template = server.prepare_template()
    except server.ServerError as error:
        fail(str(error))
    console.print(f"Label Studio template database ready: {template}")


@labelstudio_app.command("up")
def labelstudio_up(
    study: StudyOption = Path("."),
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the server to answer.")] = 600.0,
) -> None:
    """Start the study's local Label Studio server (sqlite under annotation/labelstudio/)."""
    from annotation import server
    from annotation.client import Connection, LabelStudioError

    workspace = open_study(study)
    try:
        state, credentials = server.start(workspace, timeout=timeout)
    except server.ServerError as error:
        fail(str(error))
    token_env = workspace.config.labelstudio.token_env
    try:
        Connection(state.url, credentials.token).check()
    except LabelStudioError as error:
        fail(
            f"{error}. The server's admin account was created with another token; unset {token_env} "
            f"to use the saved one in {server.data_dir(workspace) / 'credentials.json'}, or set it to that one"
        )
    console.print(f"Label Studio is running at [bold]{state.url}[/] (pid {state.pid}, log {state.log}).")
    console.print(
        f"Log in as [bold]{credentials.username}[/] (password from {server.PASSWORD_ENV}, "
        f"or in {server.data_dir(workspace) / 'credentials.json'}); API token env: {token_env}."
    )


@labelstudio_app.command("down")
def labelstudio_down(study: StudyOption = Path(".")) -> None:
    """Stop the study's local Label Studio server."""
    from annotation import server

    workspace = open_study(study)
    if server.stop(workspace):
        console.print("Label Studio stopped.")
    else:
        console.print("No local Label Studio server was running for this study.")


@labelstudio_app.command("status")
def labelstudio_status(
    study: StudyOption = Path("."),
    url_only: Annotated[
        bool, typer.Option("--url-only", help="Print only the server's address (for scripts).")
    ] = False,
) -> None:
    """Say whether the study's local server runs and answers."""
    from annotation import server

    workspace = open_study(study)
    state = server.read_state(workspace)
    if state is None:
        console.print(f"No local server started for this study (configured URL: {workspace.config.labelstudio.url}).")
        raise typer.Exit(1)
    answering = server.healthy(state.url)
    if url_only:
        stdout.print(state.url)
        raise typer.Exit(0 if answering else 1)
    console.print(
        f"Local server {state.url}: pid {state.pid}, {'answering' if answering else 'NOT answering'}; "
        f"data {state.data_dir}; log {state.log}"
    )
    if not answering:
        raise typer.Exit(1)


@labelstudio_app.command("check")
def labelstudio_check(study: StudyOption = Path(".")) -> None:
    """Verify the configured server: reachable, its version, and that the API token is accepted."""
    from annotation.client import LabelStudioError, connect

    workspace = open_study(study)
    try:
        connection = connect(workspace)
        info = connection.check()
    except LabelStudioError as error:
        fail(str(error))
    console.print(f"{info.url}: Label Studio {info.version} ({info.edition}); token accepted for {info.user}.")


def push(
    study: StudyOption = Path("."),
    annotator: Annotated[list[str] | None, typer.Option(help="Push only this annotator's batch (repeatable).")] = None,
    export_only: Annotated[
        bool, typer.Option("--export-only", help="Write Label Studio import files instead of pushing.")
    ] = False,
    round: Annotated[
        list[int] | None, typer.Option("--round", help="Push only this labelling round's batches (repeatable).")
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
        if export_only or annotator or round:
            fail("--adjudication goes alone (no --export-only, --annotator or --round)")
        show_push(workspace, execute(PUSH_ADJUDICATION, workspace, adjudicator=adjudication))
    elif export_only:
        show_export(workspace, execute(EXPORT, workspace, annotators=annotator, rounds=round))
    else:
        show_push(workspace, execute(PUSH, workspace, annotators=annotator, rounds=round))


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
            str(report.project_id),
            str(report.pairs),
            str(report.created),
            str(report.adopted),
            str(report.already),
            ", ".join(report.duplicates_on_server) or "–",
        )
    stdout.print(table)


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
            f"[yellow]{len(report.unknown_tasks)} annotated task(s) unknown to the ledger[/] "
            f"(ids {report.unknown_tasks[:10]}…); they were not imported by `hw push` and are ignored."
        )
    if report.unknown_labels:
        console.print(
            f"[yellow]{len(report.unknown_labels)} annotation(s) with a label outside the protocol:[/] "
            + "; ".join(report.unknown_labels[:5])
        )
    show_standing(standing)


def show_standing(standing: pd.DataFrame) -> None:
    table = Table(
        "annotator", "pairs", "done", "skipped", "remaining", "drafts", title="Annotation (as of the last pull)"
    )
    for row in standing.itertuples(index=False):
        table.add_row(*(str(value) for value in row))
    stdout.print(table)


@annotation_app.command("status")
def annotation_status(study: StudyOption = Path(".")) -> None:
    """Per annotator: pairs, done, skipped, remaining, open drafts (as of the last pull)."""
    from annotation.pull import annotation_status as standing

    workspace = open_study(study)
    if not LEDGER.exists(workspace):
        fail(f"{LEDGER.location(workspace)}: nothing pushed yet; run `hw {LEDGER.verb}` first")
    show_standing(standing(workspace))


def simulate_labels(
    study: StudyOption = Path("."),
    noise: Annotated[float, typer.Option(help="Chance that a simulated annotator picks a wrong label.")] = 0.15,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the study's seed).")] = None,
) -> None:
    """DEMO ONLY: post simulated annotators' labels, judged from the demo's hidden ground truth."""
    workspace = open_study(study)
    show_simulate(workspace, execute(SIMULATE_LABELS, workspace, noise=noise, seed=seed))


def show_simulate(workspace: Workspace, posted: pd.DataFrame) -> None:
    agree = float((posted["label"] == posted["true_label"]).mean()) if len(posted) else float("nan")
    console.print(f"SIMULATION: posted {len(posted)} simulated annotation(s); {agree:.0%} match the ground truth.")
