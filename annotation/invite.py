"""`hw labelstudio invite`: a curator's account on that curator's own desk server.

The platform signs the curator up itself, with the server's invite token, and replaces the token at
once: the curator is never shown a link, and no link made before admits anyone. The account is kept
in the ledger's `accounts` table, which is what makes its labels count for the desk.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from annotation import server
from annotation.artifacts import LEDGER
from annotation.client import Connection, connect
from annotation.ledger import Ledger
from heritage_weaver import atomic
from heritage_weaver.workspace import Workspace


@dataclass(frozen=True)
class Invitation:
    desk: str
    email: str
    user_id: int
    url: str  # where the curator works
    token: str  # the curator's own API token
    made_password: str | None = None  # the first password the platform made (None: the caller chose it)


def invite(workspace: Workspace, desk: str, email: str, password: str | None = None) -> Invitation:
    """Create the curator's account on the desk's server and record it as the desk's author; without
    a `password`, the platform makes the first one (returned once, in `made_password`)."""
    made: str | None = None
    if password is None:
        password = made = secrets.token_urlsafe(12)
    connection = connect(workspace, desk)
    user_id, token = connection.sign_up(email, password)
    with Ledger(LEDGER.location(workspace)) as ledger:
        ledger.add_account(desk, user_id, email.lower())
    return Invitation(desk, email.lower(), user_id, connection.url, token, made)


def simulated_curator(workspace: Workspace, desk: str) -> Connection:
    """DEMO ONLY: the desk's simulated curator, invited on first use, so simulated labels are written
    through a curator's account as real ones are (its token is kept, 0600, in the desk's server folder)."""
    saved = server.Desk(workspace, desk).server_dir / "simulated-curator.json"
    if not saved.is_file():
        made = invite(workspace, desk, f"simulated-{desk.lower()}@heritage-weaver.invalid", secrets.token_urlsafe(16))
        atomic.write_json(saved, {"email": made.email, "user_id": made.user_id, "token": made.token})
        saved.chmod(0o600)
    account = json.loads(saved.read_text(encoding="utf-8"))
    with Ledger(LEDGER.location(workspace)) as ledger:  # a ledger started afresh still knows its curator
        ledger.add_account(desk, account["user_id"], account["email"])
    return Connection(connect(workspace, desk).url, account["token"], desk=desk)
