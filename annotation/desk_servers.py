"""Every desk's Label Studio server at once (`hw labelstudio up|down|status|check`): which desks a
command means, starting and stopping their servers, checking them, and where each one stands."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from annotation.artifacts import LEDGER
from annotation.client import ServerInfo, connect
from annotation.desks import study_desks
from annotation.ledger import Ledger
from annotation.server import Desk, desks, healthy, memory_bytes, wait_healthy
from heritage_weaver.workspace import Workspace

ServerHealth = Literal["answering", "running, not answering", "stopped"]


@dataclass(frozen=True)
class ServerStanding:
    """Where one desk's server stands."""

    desk: str
    url: str | None  # where the platform reaches it (None: not started, or stopped)
    health: ServerHealth
    memory: int | None  # resident bytes of its process group (None: not running)
    accounts: tuple[str, ...]  # the e-mail addresses of the desk's curator accounts, sorted

    @property
    def answering(self) -> bool:
        return self.health == "answering"


def chosen_desks(workspace: Workspace, named: Sequence[str] | None, started: bool = True) -> list[str]:
    """The desks named, else those started before (`started`), else every desk the study has."""
    return list(named or ()) or (started and desks(workspace)) or study_desks(workspace, desks(workspace))


def start_servers(
    workspace: Workspace, named: Sequence[str] | None, host: str | None, public: bool, timeout: float
) -> list[ServerStanding]:
    """Start the named desks' servers (default: every desk of the study) and wait until they answer;
    one `ServerError` names what failed (the lot is stopped when one does not answer in time)."""
    chosen = chosen_desks(workspace, named, started=False)
    wait_healthy(workspace, [Desk(workspace, desk).spawn(host, public) for desk in chosen], timeout)
    return server_standings(workspace, chosen)


def stop_servers(workspace: Workspace, named: Sequence[str] | None) -> list[str]:
    """Stop the named desks' servers (default: every one started); the desks that were running."""
    return [desk for desk in named or desks(workspace) if Desk(workspace, desk).stop()]


def server_standings(workspace: Workspace, named: Sequence[str] | None) -> list[ServerStanding]:
    """Where the named desks' servers stand (default: those started before, else every desk)."""
    accounts: dict[str, set[str]] = {}
    if LEDGER.exists(workspace):
        with Ledger(LEDGER.location(workspace)) as ledger:
            accounts = ledger.accounts()
    return [_standing(Desk(workspace, desk), accounts.get(desk, set())) for desk in chosen_desks(workspace, named)]


def _standing(desk: Desk, accounts: set[str]) -> ServerStanding:
    saved, alive = desk.read_state(), desk.running()
    health: ServerHealth = "stopped"
    if alive is not None:
        health = "answering" if healthy(alive.url) else "running, not answering"
    return ServerStanding(
        desk.name,
        saved.url if saved else None,
        health,
        memory_bytes(alive.pid) if alive else None,
        tuple(sorted(accounts)),
    )


def check_servers(workspace: Workspace, named: Sequence[str] | None) -> Iterator[tuple[str, ServerInfo]]:
    """Each desk's server checked in turn (reachable, its version, its admin token accepted): the
    first that is not raises `LabelStudioError`."""
    for desk in chosen_desks(workspace, named):
        yield desk, connect(workspace, desk).check()
