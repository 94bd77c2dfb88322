"""`hw labelstudio up|down|status|check|prepare|invite|restore`: the desks' local Label Studio servers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from annotation.artifacts import LABELSTUDIO_DATA
from annotation.client import LabelStudioError
from annotation.desk_servers import ServerStanding, check_servers, server_standings, start_servers, stop_servers
from annotation.invite import invite
from annotation.server import Desk, ServerError, prepare_template
from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, console, fail, open_study, stdout

labelstudio_app = typer.Typer(
    help="Run or check the Label Studio server the study uses.", no_args_is_help=True, rich_markup_mode=None
)
DesksArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Desks (annotators, adjudicators, `verification`); default: every desk of the study."),
]


@labelstudio_app.command("prepare")
def labelstudio_prepare() -> None:
    """Build the migrated template database once per Label Studio installation (makes `up` fast)."""
    try:
        template = prepare_template()
    except ServerError as error:
        fail(str(error))
    console.print(f"Label Studio template database ready: {template}")


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
    workspace = open_study(study)
    try:
        standings = start_servers(workspace, desks, host, public, timeout)
    except ServerError as error:
        fail(str(error))
    show_servers(workspace, standings)


def show_servers(workspace: Workspace, standings: list[ServerStanding]) -> None:
    table = Table("desk", "address", "state", "memory", "curator accounts", title="Label Studio servers")
    for server in standings:
        table.add_row(
            server.desk,
            server.url or "–",
            server.health,
            f"{server.memory / 2**20:,.0f} MiB" if server.memory is not None else "–",
            ", ".join(server.accounts) or f"none: `hw labelstudio invite {server.desk} --email …`",
        )
    stdout.print(table)
    console.print(
        f"Admin logins (the platform's own, never a curator's) are in "
        f"{LABELSTUDIO_DATA.location(workspace)}/<desk>/server/credentials.json (0600)."
    )


@labelstudio_app.command("down")
def labelstudio_down(desks: DesksArgument = None, study: StudyOption = Path(".")) -> None:
    """Stop the desks' local Label Studio servers (default: every one started)."""
    stopped = stop_servers(open_study(study), desks)
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
    workspace = open_study(study)
    standings = server_standings(workspace, desks)
    if url_only:
        for server in standings:
            stdout.print(f"{server.desk} {server.url or '-'}")
    else:
        show_servers(workspace, standings)
    if not all(server.answering for server in standings):
        raise typer.Exit(1)


@labelstudio_app.command("check")
def labelstudio_check(desks: DesksArgument = None, study: StudyOption = Path(".")) -> None:
    """Verify each desk's server: reachable, its version, and that its admin token is accepted."""
    try:
        for desk, info in check_servers(open_study(study), desks):
            console.print(
                f"{desk}: {info.url}: Label Studio {info.version} ({info.edition}); token accepted for {info.user}."
            )
    except LabelStudioError as error:
        fail(str(error))


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
    workspace = open_study(study)
    password = password_file.read_text(encoding="utf-8").strip() if password_file else None
    try:
        made = invite(workspace, desk, email, password)
    except LabelStudioError as error:
        fail(str(error))
    console.print(
        Text.assemble(
            f"{made.email} can now label {desk}'s tasks at ", (made.url, "bold"), " (and nothing of any other desk)."
        )
    )
    if made.made_password is not None:
        console.print(
            Text.assemble(
                "First password (shown once; give it to the curator privately): ", (made.made_password, "bold")
            )
        )


@labelstudio_app.command("restore")
def labelstudio_restore(
    desk: Annotated[str, typer.Argument(help="The desk whose server to bring back.")],
    snapshot: Annotated[Path | None, typer.Argument(help="A snapshot file or name (default: the newest).")] = None,
    list_only: Annotated[bool, typer.Option("--list", help="Only list the desk's snapshots.")] = False,
    study: StudyOption = Path("."),
) -> None:
    """Bring a desk's server back from a database snapshot taken by `hw pull` (the current one is kept)."""
    desk_server = Desk(open_study(study), desk)
    if list_only:
        for path in desk_server.snapshots():
            stdout.print(path.name)
        return
    try:
        used = desk_server.restore(snapshot)
    except ServerError as error:
        fail(str(error))
    console.print(
        f"{desk}'s server runs again from snapshot {used.name}; labels made after it are lost unless "
        "an earlier pull had them. Run `hw pull` now."
    )
