"""The annotation package's stages: `push` (or `export` import files), `pull`, and the curators'
verdicts on `hw predict`'s proposals: `verify push` and `verify pull`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from annotation.adjudication import push_adjudication
from annotation.artifacts import IMPORT_FILE, LABELS, LEDGER
from annotation.client import LabelStudioError, connect
from annotation.desks import VERIFICATION_DESK
from annotation.export import export_import_files
from annotation.pull import PullReport, annotation_status, pull
from annotation.push import push
from annotation.server import Desk, ServerError
from annotation.sync import BatchReport
from annotation.tasks import BatchError
from annotation.verification import (
    VerificationError,
    VerifyPullReport,
    VerifyPushReport,
    pull_verdicts,
    push_proposals,
)
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.progress import Progress
from heritage_weaver.stages import NO_OPTIONS, NoOptions, Stage, all_of, needs
from heritage_weaver.workspace import Workspace
from prediction.artifacts import PREDICTION_PROPOSALS, PREDICTION_VERDICTS
from sampler.artifacts import BATCH

SERVER_ERRORS = (LabelStudioError, ServerError, BatchError, ArtifactError, OSError)


@dataclass(frozen=True)
class PushOptions:
    annotators: tuple[str, ...] = ()  # only these annotators' batches (default: every annotator's)
    rounds: tuple[int, ...] = ()  # only these labelling rounds' batches (default: every round's)
    recreate: tuple[str, ...] = ()  # rebuild these annotators' projects that are gone from their server


@dataclass(frozen=True)
class AdjudicationOptions:
    adjudicator: str = ""  # the desk whose project gets the overlap pairs whose annotators disagree


@dataclass(frozen=True)
class ExportOptions:
    annotators: tuple[str, ...] = ()  # only these annotators' batches (default: every annotator's)
    rounds: tuple[int, ...] = ()  # only these labelling rounds' batches (default: every round's)


@dataclass(frozen=True)
class VerifyOptions:
    fields: tuple[str, ...] = ()  # predicted fields (push default: [prediction] fields; pull: every project)


def labelstudio_servers(ws: Workspace) -> str | None:
    """Ready once every annotator's Label Studio server has been started (`hw labelstudio up`)."""
    missing = [name for name in ws.config.sampling.annotators if not Desk(ws, name).started]
    return f"needs Label Studio servers for {', '.join(missing)} (`hw labelstudio up`)" if missing else None


def verification_server(ws: Workspace) -> str | None:
    """Ready once the verification desk's Label Studio server has been started."""
    started = Desk(ws, VERIFICATION_DESK).started
    return (
        None
        if started
        else f"needs the {VERIFICATION_DESK} desk's Label Studio server (`hw labelstudio up {VERIFICATION_DESK}`)"
    )


def run_push(ws: Workspace, progress: Progress, options: PushOptions) -> list[BatchReport]:
    """Create one Label Studio project per batch of every round, on its annotator's server, and import the
    tasks it lacks (safe to re-run); rebuild the `recreate` annotators' projects that are gone."""
    advance = []

    def started(total: int) -> None:
        advance.append(progress.task("push", total, "tasks"))

    return push(
        ws,
        list(options.annotators),
        on_progress=lambda n: advance[0](n),
        on_total=started,
        rounds=list(options.rounds),
        recreate=options.recreate,
    )


def run_push_adjudication(ws: Workspace, progress: Progress, options: AdjudicationOptions) -> list[BatchReport]:
    """Send the overlap pairs whose annotators disagree to the adjudicator's project (safe to re-run)."""
    advance = []

    def started(total: int) -> None:
        advance.append(progress.task("push adjudication", total, "tasks"))

    reports = push_adjudication(ws, options.adjudicator, lambda n: advance[0](n), started)
    if not reports:
        progress.note("no overlap pair has disagreeing labels (as of the last `hw pull`): nothing to adjudicate")
    return reports


def run_export(ws: Workspace, progress: Progress, options: ExportOptions) -> list[Path]:
    """Label Studio import files instead of a push, for a server this machine cannot reach."""
    return export_import_files(ws, list(options.annotators), list(options.rounds))


def run_pull(ws: Workspace, progress: Progress, options: NoOptions) -> tuple[PullReport, pd.DataFrame]:
    """Every desk's annotations into the ledger and the labels table; with where each annotator stands."""
    return pull(ws), annotation_status(ws)


def run_verify_push(ws: Workspace, progress: Progress, options: VerifyOptions) -> list[VerifyPushReport]:
    """Push each field's proposals (default: [prediction] fields) as its verification project (safe to re-run)."""
    fields = list(options.fields) or ws.config.prediction.fields
    if not fields:
        raise VerificationError("name a field (hw verify push FIELD) or list some in [prediction] fields")
    return push_proposals(ws, connect(ws, VERIFICATION_DESK), fields)


def run_verify_pull(ws: Workspace, progress: Progress, options: VerifyOptions) -> list[VerifyPullReport]:
    """The curators' verdicts (of every verification project, or of `fields`) into the ledger and each
    field's verdicts table."""
    return pull_verdicts(ws, connect(ws, VERIFICATION_DESK), options.fields)


PUSH = Stage(
    "push", (LEDGER,), run_push, PushOptions(), all_of(needs(BATCH), labelstudio_servers), errors=SERVER_ERRORS
)
PUSH_ADJUDICATION = Stage(
    "push",
    (LEDGER,),
    run_push_adjudication,
    AdjudicationOptions(),
    all_of(needs(LABELS), labelstudio_servers),
    errors=SERVER_ERRORS,
)
EXPORT = Stage(
    "export", (IMPORT_FILE,), run_export, ExportOptions(), needs(BATCH), errors=(BatchError, ArtifactError, OSError)
)
PULL = Stage(
    "pull",
    (LABELS,),
    run_pull,
    NO_OPTIONS,
    all_of(needs(LEDGER), labelstudio_servers),
    always=True,
    errors=SERVER_ERRORS,
)
# The curators' verdicts on `hw predict`'s proposals: they wait on curators' work, so no step of `hw run`.
VERIFY_ERRORS = (VerificationError, LabelStudioError, ArtifactError, BatchError, OSError)
VERIFY_PUSH = Stage(
    "verify push",
    (LEDGER,),  # the verification projects and tasks, in the ledger's tables of `hw verify`
    run_verify_push,
    VerifyOptions(),
    all_of(needs(PREDICTION_PROPOSALS), verification_server),
    errors=VERIFY_ERRORS,
)
VERIFY_PULL = Stage(
    "verify pull",
    (PREDICTION_VERDICTS, LEDGER),
    run_verify_pull,
    VerifyOptions(),
    all_of(needs(LEDGER), verification_server),
    always=True,
    errors=VERIFY_ERRORS,
)
