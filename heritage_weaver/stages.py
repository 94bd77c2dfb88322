"""The stage registry's building blocks: what a stage declares, and when it is ready or up to date.

A `Stage` is one `hw` verb: the artifacts it writes, a check that says why it cannot run yet
(None when it can), and `run(ws, progress, **options)`, the Python call that does its work and
returns a result for the caller to show. Stages never print; the CLI shows their results. The
ordered list of the study's stages lives above every stage package (hw_cli.stages), so that this
core module imports none of them; each stage package declares its own stages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from heritage_weaver.artifacts import Artifact, ArtifactError
from heritage_weaver.progress import Progress
from heritage_weaver.workspace import StageOutcome, Workspace, fingerprint

Check = Callable[[Workspace], str | None]  # None: ready; otherwise why the stage cannot run yet
READY = "ready"
UP_TO_DATE = "up to date"
SKIPPED = "skipped"


class StageSkipped(Exception):
    """The study lacks what a stage needs (images, say): the message says what and why.

    A stage raises it instead of failing; `run_stage` records the skip, and it holds while the
    study config and the `inputs` the decision rested on are unchanged."""

    def __init__(self, why: str, inputs: tuple[Artifact, ...] = ()) -> None:
        super().__init__(why)
        self.why = why
        self.inputs = inputs


def always_ready(_: Workspace) -> None:
    return None


@dataclass(frozen=True)
class Stage:
    """One verb of the study: its outputs, when it can run, and the call that runs it."""

    verb: str
    outputs: tuple[Artifact, ...]
    run: Callable[..., Any]
    ready: Check = always_ready
    always: bool = False  # look again on every `hw run` (new labels may have arrived, say)
    errors: tuple[type[Exception], ...] = (ArtifactError,)  # failures of input or state, shown without a traceback

    def state(self, ws: Workspace) -> str:
        """`ready`, `up to date`, `skipped (why)`, or the reason the stage cannot run yet. A stage
        whose last run failed, or whose skip no longer holds, is ready (to be tried again), whatever
        files it left."""
        reason = self.ready(ws)
        if reason:
            return reason
        last = ws.outcome(self.verb)
        if last and last.outcome == SKIPPED and skip_holds(ws, last):
            return f"{SKIPPED} ({last.why})"
        if last and last.outcome != "done":  # failed, or a skip whose grounds changed: decide again
            return READY
        if self.always:
            return READY
        states = ws.verb_states(self.verb).values()
        return UP_TO_DATE if states and all(s == "done" for s in states) else READY


def skip_holds(ws: Workspace, skip: StageOutcome) -> bool:
    """A recorded skip still stands: the study config and the files it rested on are as they were."""
    return skip.config_hash == ws.config.section_hash() and ws.inputs_unchanged(skip.inputs)


def skipped_because(ws: Workspace, verb: str) -> str | None:
    """Why `verb` stands skipped in this study (None: it is not skipped, or the skip no longer holds)."""
    last = ws.outcome(verb)
    return last.why if last and last.outcome == SKIPPED and skip_holds(ws, last) else None


def run_stage(stage: Stage, ws: Workspace, progress: Progress, **options: Any) -> Any:
    """Run `stage` and record how it ended in the manifest: done, skipped (the `StageSkipped` is
    raised on for the caller to show) or failed (any error, or an interrupt: the stage is never
    taken as done after it)."""
    try:
        result = stage.run(ws, progress, **options)
    except StageSkipped as skipped:
        inputs = {a.path: fingerprint(a.location(ws)) for a in skipped.inputs if not a.placeholders}
        ws.record_outcome(stage.verb, StageOutcome(SKIPPED, skipped.why, ws.config.section_hash(), inputs))
        raise
    except BaseException as error:
        ws.record_outcome(stage.verb, StageOutcome("failed", str(error) or type(error).__name__))
        raise
    ws.record_outcome(stage.verb, StageOutcome("done"))
    return result


def needs(*artifacts: Artifact) -> Check:
    """Ready once every artifact exists (a template: once one instance of it exists)."""

    def check(ws: Workspace) -> str | None:
        missing = [a.path for a in artifacts if not (a.instances(ws) if a.placeholders else a.exists(ws))]
        return f"needs {', '.join(missing)}" if missing else None

    return check


def all_of(*checks: Check) -> Check:
    def check(ws: Workspace) -> str | None:
        return next((reason for c in checks if (reason := c(ws))), None)

    return check


def simulation(ws: Workspace) -> str | None:
    return None if ws.config.study.simulation else "labels come from curators, not a simulation"
