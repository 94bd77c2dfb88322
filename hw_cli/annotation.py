"""Annotation verbs: `hw labelstudio up|down|status|check|prepare|invite|restore`, `hw push`, `hw pull`,
`hw annotation status|watch` and the demo-only `hw simulate-labels`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from annotation.artifacts import LEDGER, QUARANTINE
from annotation.pull import PullReport
from annotation.stage import EXPORT, PULL, PUSH, PUSH_ADJUDICATION
from annotation.sync import BatchReport
from demo.stage import SIMULATE_LABELS
from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, console, execute, fail, open_study, stdout

labelstudio_app = typer.Typer(
    help="Run or check the Label Studio server the study uses.", no_args_is_help=True, rich_markup_mode=None
)
annotation_app = typer.Typer(help="Where the annotation stands.", no_args_is_help=True, rich_markup_mode=None)


@labelstudio_app.command("prepare")
def labelstudio_prepare() -> None:
    """Build the migrated template database once per Label Studio installation (makes `up` fast)."""
    from annotation import server

    try:
        template = server.prepare_template()
    except server.ServerError as error:
        fail(str(error))
    console.print(f"Label Studio template database ready: {template}")


DesksArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Desks (annotators, adjudicators, `verification`); default: every desk of the study."),
]


def _desks(workspace: Workspace, chosen: list[str] | None, started: bool = True) -> list[str]:
    """The desks named, else those started before (`started`), else every desk the study has."""
    from annotation import server
    from annotation.desks import study_desks

    return chosen or (started and server.desks(workspace)) or study_desks(workspace, server.desks(workspace))


@labelstudio_app.command("up")
def labelstudio_up(
    desks: DesksArgument = None,
    study: StudyOption = Path("."),
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: labelstudio.url's, loopback).")
    ] = None,
    public: Annotated[
        bool, typer.Option("--public", help="Allow a non-loopback --host (no TLS: only on a network you trust).")
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the servers to answer.")] = 600.0,
) -> None:
    """Start one local Label Studio server per desk (own port, database, admin token and image folder)."""
    from annotation import server

    workspace = open_study(study)
    chosen = _desks(workspace, desks, started=False)
    try:
        states = [server.Desk(workspace, desk).spawn(host, public) for desk in chosen]
        server.wait_healthy(workspace, states, timeout)
    except server.ServerError as error:
        fail(str(error))
    show_servers(workspace, chosen)


def show_servers(workspace: Workspace, desks: list[str]) -> None:
    from annotation import server
    from annotation.ledger import Ledger

    accounts: dict[str, set[str]] = {}
    if LEDGER.exists(workspace):
        with Ledger(LEDGER.location(workspace)) as ledger:
            accounts = ledger.accounts()
    table = Table("desk", "address", "state", "memory", "curator accounts", title="Label Studio servers")
    for desk in desks:
        desk_server = server.Desk(workspace, desk)
        state, alive = desk_server.read_state(), desk_server.running()
        answering = alive is not None and server.healthy(alive.url)
        table.add_row(
            desk,
            state.url if state else "–",
            "answering" if answering else "running, not answering" if alive else "stopped",
            f"{server.memory_bytes(alive.pid) / 2**20:,.0f} MiB" if alive else "–",
            ", ".join(sorted(accounts.get(desk, ()))) or f"none: `hw labelstudio invite {desk} --email …`",
        )
    stdout.print(table)
    console.print(
        f"Admin logins (the platform's own, never a curator's) are in "
        f"{server.LABELSTUDIO_DATA.location(workspace)}/<desk>/server/credentials.json (0600)."
    )


@labelstudio_app.command("down")
def labelstudio_down(desks: DesksArgument = None, study: StudyOption = Path(".")) -> None:
    """Stop the desks' local Label Studio servers (default: every one started)."""
    from annotation import server

    workspace = open_study(study)
    stopped = [desk for desk in desks or server.desks(workspace) if server.Desk(workspace, desk).stop()]
    console.print(f"Stopped {', '.join(stopped)}." if stopped else "No desk server was running for this study.")


@labelstudio_app.command("status")
def labelstudio_status(
    desks: DesksArgument = None,
    study: StudyOption = Path("."),
    url_only: Annotated[
        bool, typer.Option("--url-only", help="Print only the servers' addresses, one per line (for scripts).")
    ] = False,
) -> None:
    """Say whether each desk's server runs and answers; exit 1 when one does not."""
    from annotation import server

    workspace = open_study(study)
    chosen = _desks(workspace, desks)
    answering = {
        desk: (s := server.Desk(workspace, desk).running()) is not None and server.healthy(s.url) for desk in chosen
    }
    if url_only:
        for desk in chosen:
            state = server.Desk(workspace, desk).read_state()
            stdout.print(f"{desk} {state.url if state else '-'}")
    else:
        show_servers(workspace, chosen)
    if not all(answering.values()):
        raise typer.Exit(1)


@labelstudio_app.command("check")
def labelstudio_check(desks: DesksArgument = None, study: StudyOption = Path(".")) -> None:
    """Verify each desk's server: reachable, its version, and that its admin token is accepted."""
    from annotation.client import LabelStudioError, connect

    workspace = open_study(study)
    for desk in _desks(workspace, desks):
        try:
            info = connect(workspace, desk).check()
        except LabelStudioError as error:
            fail(str(error))
        console.print(
            f"{desk}: {info.url}: Label Studio {info.version} ({info.edition}); token accepted for {info.user}."
        )


@labelstudio_app.command("invite")
def labelstudio_invite(
    desk: Annotated[
        str, typer.Argument(help="The curator's desk: an annotator's name, an adjudicator's, or `verification`.")
    ],
    email: Annotated[str, typer.Option(help="The curator's e-mail address (their login).")],
    password_file: Annotated[
        Path | None,
        typer.Option(help="A file holding the curator's first password (default: a new one, printed once)."),
    ] = None,
    study: StudyOption = Path("."),
) -> None:
    """Create a curator's account on their own desk server; print where they work and how they log in."""
    import secrets

    from annotation.client import LabelStudioError
    from annotation.invite import invite

    workspace = open_study(study)
    password = password_file.read_text(encoding="utf-8").strip() if password_file else secrets.token_urlsafe(12)
    try:
        made = invite(workspace, desk, email, password)
    except LabelStudioError as error:
        fail(str(error))
    console.print(
        Text.assemble(
            f"{made.email} can now label {desk}'s tasks at ", (made.url, "bold"), " (and nothing of any other desk)."
        )
    )
    if password_file is None:
        console.print(
            Text.assemble("First password (shown once; give it to the curator privately): ", (password, "bold"))
        )


@labelstudio_app.command("restore")
def labelstudio_restore(
    desk: Annotated[str, typer.Argument(help="The desk whose server to bring back.")],
    snapshot: Annotated[Path | None, typer.Argument(help="A snapshot file or name (default: the newest).")] = None,
    list_only: Annotated[bool, typer.Option("--list", help="Only list the desk's snapshots.")] = False,
    study: StudyOption = Path("."),
) -> None:
    """Bring a desk's server back from a database snapshot taken by `hw pull` (the current one is kept)."""
    from annotation import server

    workspace = open_study(study)
    if list_only:
        for path in server.Desk(workspace, desk).snapshots():
            stdout.print(path.name)
        return
    try:
        used = server.Desk(workspace, desk).restore(snapshot)
    except server.ServerError as error:
        fail(str(error))
    console.print(
        f"{desk}'s server runs again from snapshot {used.name}; labels made after it are lost unless "
        "an earlier pull had them. Run `hw pull` now."
    )


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
        show_push(workspace, execute(PUSH_ADJUDICATION, workspace, adjudicator=adjudication))
    elif export_only:
        show_export(workspace, execute(EXPORT, workspace, annotators=annotator, rounds=round))
    else:
        show_push(workspace, execute(PUSH, workspace, annotators=annotator, rounds=round, recreate=recreate))


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
    from annotation.pull import annotation_status as standing

    workspace = open_study(study)
    if not LEDGER.exists(workspace):
        fail(f"{LEDGER.location(workspace)}: nothing pushed yet; run `hw {LEDGER.verb}` first")
    show_standing(standing(workspace))
    show_lost(workspace)


def show_lost(workspace: Workspace) -> None:
    """Name every project a pull or push found gone from its server, and what was kept."""
    from annotation.ledger import Ledger
    from annotation.pull import gone_message

    with Ledger(LEDGER.location(workspace)) as ledger:
        for project in ledger.projects():
            if project.lost_at:
                console.print(
                    Text.assemble(
                        (gone_message(ledger, project, "project is gone from the server"), "yellow"),
                        f"; `hw push --recreate {project.annotator}` or `hw labelstudio restore {project.annotator}`",
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
    show_simulate(workspace, execute(SIMULATE_LABELS, workspace, noise=noise, seed=seed))


def show_simulate(workspace: Workspace, posted: pd.DataFrame) -> None:
    agree = float((posted["label"] == posted["true_label"]).mean()) if len(posted) else float("nan")
    console.print(f"SIMULATION: posted {len(posted)} simulated annotation(s); {agree:.0%} match the ground truth.")
