"""`hw labelstudio invite`: a curator's account on that curator's own desk server.

The platform signs the curator up itself, with the server's invite token, and replaces the token at
once: the curator is never shown a link, and no link made before admits anyone. The account is kept
in the ledger's `accounts` table, which is what makes its labels count for the desk.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from annotation.artifacts import LEDGER
from annotation.client import connect
from annotation.ledger import Ledger
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
