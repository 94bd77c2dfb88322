"""The stage registry's building blocks: what a stage declares, and when it is ready or up to date.

A `Stage[OptionsT, ResultT]` is one `hw` verb: the artifacts it writes, a check that says why it
cannot run yet (None when it can), its options (a small frozen dataclass) with their defaults, and
`run(ws, progress, options)`, the Python call that does its work and returns a typed result for
the caller to show. Stages never print; the CLI shows their results. The ordered list of the
study's stages lives above every stage package (hw_cli.stages), so that this core module imports
none of them; each stage package declares its own stages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from heritage_weaver.artifacts import Artifact, ArtifactError
from heritage_weaver.progress import Progress
from heritage_weaver.workspace import StageOutcome, Workspace, fingerprint

Check = Callable[[Workspace], str | None]  # None: ready; otherwise why the stage cannot run yet
READY = "ready"
UP_TO_DATE = "up to date"
SKIPPED = "skipped"
OptionsT = TypeVar("OptionsT")
ResultT = TypeVar("ResultT")


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
class NoOptions:
    """The options of a stage that takes none."""


NO_OPTIONS = NoOptions()


@dataclass(frozen=True)
class Stage(Generic[OptionsT, ResultT]):
    """One verb of the study: its outputs, when it can run, and the call that runs it, with its
    options (`defaults` when none are given: what `hw run` passes) and its result."""

    verb: str
    outputs: tuple[Artifact, ...]
    run: Callable[[Workspace, Progress, OptionsT], ResultT]
    defaults: OptionsT
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


def verb_status(ws: Workspace, verb: str, stage: Stage[Any, Any] | None) -> tuple[str, str]:
    """A verb's state for `hw status` (done, stale, failed, skipped, waiting, missing or no files) and
    what it rests on: the failure or skip of its last run, the artifacts not up to date, or what it
    waits for. A stage that records no file of its own (its work is in the ledger or on a server) is
    done once its last run is."""
    last = ws.outcome(verb)
    if last and last.outcome == "failed":
        return "failed", f"last run failed: {last.why.splitlines()[0] if last.why else 'interrupted'}"
    if skipped := skipped_because(ws, verb):
        return SKIPPED, skipped
    states = ws.verb_states(verb)
    if states:
        not_done = [f"{artifact} ({s})" for artifact, s in states.items() if s != "done"]
        state = "done" if not not_done else "stale"
        return state, ", ".join(not_done) or f"{len(states)} artifact(s) up to date"
    if last and last.outcome == "done":
        return "done", "last run done; no file of its own"
    reason = stage.ready(ws) if stage else None
    if reason:
        return "waiting", reason
    return ("no files", "–") if stage and not stage.outputs else ("missing", "–")


def run_stage(
    stage: Stage[OptionsT, ResultT], ws: Workspace, progress: Progress, options: OptionsT | None = None
) -> ResultT:
    """Run `stage` with `options` (default: the stage's defaults) and record how it ended in the
    manifest: done, skipped (the `StageSkipped` is raised on for the caller to show) or failed (any
    error, or an interrupt: the stage is never taken as done after it)."""
    try:
        result = stage.run(ws, progress, stage.defaults if options is None else options)
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
