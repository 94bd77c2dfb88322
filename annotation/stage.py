"""The annotation package's stages: `push` (or `export` import files) and `pull`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from annotation.adjudication import push_adjudication
from annotation.artifacts import IMPORT_FILE, LABELS, LEDGER
from annotation.client import LabelStudioError
from annotation.export import export_import_files
from annotation.pull import PullReport, annotation_status, pull
from annotation.push import push
from annotation.server import Desk, ServerError
from annotation.sync import BatchReport
from annotation.tasks import BatchError
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.progress import Progress
from heritage_weaver.stages import Stage, all_of, needs
from heritage_weaver.workspace import Workspace
from sampler.artifacts import BATCH

SERVER_ERRORS = (LabelStudioError, ServerError, BatchError, ArtifactError, OSError)


def labelstudio_servers(ws: Workspace) -> str | None:
    """Ready once every annotator's Label Studio server has been started (`hw labelstudio up`)."""
    missing = [name for name in ws.config.sampling.annotators if not Desk(ws, name).started]
    return f"needs Label Studio servers for {', '.join(missing)} (`hw labelstudio up`)" if missing else None


def run_push(
    ws: Workspace,
    progress: Progress,
    annotators: list[str] | None = None,
    rounds: list[int] | None = None,
    recreate: list[str] | None = None,
) -> list[BatchReport]:
    """Create one Label Studio project per batch of every round, on its annotator's server, and import the
    tasks it lacks (safe to re-run); rebuild the `recreate` annotators' projects that are gone."""
    advance = []

    def started(total: int) -> None:
        advance.append(progress.task("push", total, "tasks"))

    return push(
        ws, annotators, on_progress=lambda n: advance[0](n), on_total=started, rounds=rounds, recreate=recreate or []
    )


def run_push_adjudication(ws: Workspace, progress: Progress, adjudicator: str = "") -> list[BatchReport]:
    """Send the overlap pairs whose annotators disagree to the adjudicator's project (safe to re-run)."""
    advance = []

    def started(total: int) -> None:
        advance.append(progress.task("push adjudication", total, "tasks"))

    reports = push_adjudication(ws, adjudicator, lambda n: advance[0](n), started)
    if not reports:
        progress.note("no overlap pair has disagreeing labels (as of the last `hw pull`): nothing to adjudicate")
    return reports


def run_export(
    ws: Workspace, progress: Progress, annotators: list[str] | None = None, rounds: list[int] | None = None
) -> list[Path]:
    """Label Studio import files instead of a push, for a server this machine cannot reach."""
    return export_import_files(ws, annotators, rounds)


def run_pull(ws: Workspace, progress: Progress) -> tuple[PullReport, pd.DataFrame]:
    """Every desk's annotations into the ledger and the labels table; with where each annotator stands."""
    return pull(ws), annotation_status(ws)


PUSH = Stage("push", (LEDGER,), run_push, all_of(needs(BATCH), labelstudio_servers), errors=SERVER_ERRORS)
PUSH_ADJUDICATION = Stage(
    "push", (LEDGER,), run_push_adjudication, all_of(needs(LABELS), labelstudio_servers), errors=SERVER_ERRORS
)
EXPORT = Stage("export", (IMPORT_FILE,), run_export, needs(BATCH), errors=(BatchError, ArtifactError, OSError))
PULL = Stage("pull", (LABELS,), run_pull, all_of(needs(LEDGER), labelstudio_servers), always=True, errors=SERVER_ERRORS)
