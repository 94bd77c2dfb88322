"""A stage as the command line offers it: the typer command that runs it alone, and how its result is shown.

Each CLI module declares its verbs beside their commands (`INGEST_VERB = Verb(INGEST, show_ingest,
ingest)`); hw_cli.stages lists them in study order, and `hw run` runs each with its stage's defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic

from heritage_weaver.stages import OptionsT, ResultT, Stage
from heritage_weaver.workspace import Workspace
from hw_cli.console import attempt


@dataclass(frozen=True)
class Verb(Generic[OptionsT, ResultT]):
    """One stage's verb: the stage, how its result is shown, and the typer command that runs it
    alone (None: reached through another command, as `hw model tiny` or `hw verify push`)."""

    stage: Stage[OptionsT, ResultT]
    show: Callable[[Workspace, ResultT], None]
    command: Callable[..., None] | None = None

    @property
    def name(self) -> str:
        return self.stage.verb

    def run_with_defaults(self, workspace: Workspace) -> None:
        """Run the stage with its default options, as `hw run` does, and show its result; a skip is
        shown in one line and raised on, a known failure ends the command."""
        self.show(workspace, attempt(self.stage, workspace))
