"""`hw push`: one Label Studio project per annotator batch, on that annotator's own server (desk);
tasks imported in batches, every id in the ledger.

Resuming is exact: a project or task the ledger does not know yet (its creation answered but the
answer was lost) is found on the server by its title or its `pair_id` and adopted, so a re-run
creates only what is missing. A project gone from its server is reported, never taken as done;
`recreate` rebuilds it with the tasks that still need a label.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from annotation.interface import label_config
from annotation.sync import BatchReport, PreparedBatch, prepare_batches, push_prepared
from annotation.tasks import BatchError, ImageLinks, read_batch
from heritage_weaver.artifacts import BATCH, RoundBatch, round_batches
from heritage_weaver.workspace import Workspace


def batch_files(
    workspace: Workspace, annotators: list[str] | None = None, rounds: list[int] | None = None
) -> list[RoundBatch]:
    """The batch files of every labelling round (or of these rounds), of every annotator (or of these)."""
    files = round_batches(workspace)
    folder = workspace.path(BATCH.path).parent
    if rounds:
        files = [batch for batch in files if batch.round in rounds]
        unknown_rounds = sorted(set(rounds) - {batch.round for batch in files})
        if unknown_rounds:
            raise BatchError(f"no batches of round(s) {unknown_rounds} in {folder}; draw them with `hw sample --round`")
    if annotators:
        files = [batch for batch in files if batch.annotator in annotators]
        unknown = sorted(set(annotators) - {batch.annotator for batch in files})
        if unknown:
            raise BatchError(f"no batch file for annotator(s) {unknown} in {folder}")
    if not files:
        raise BatchError(f"no batches in {folder}; run `hw {BATCH.verb}` first")
    return files


def prepare(
    workspace: Workspace, files: list[RoundBatch], links: Callable[[str], ImageLinks] | None = None
) -> list[PreparedBatch]:
    """Read batches and records and build every task before anything is sent (bad input fails early)."""
    return prepare_batches(workspace, [read_batch(f.artifact.location(workspace), f.round) for f in files], links)


def push(
    workspace: Workspace,
    annotators: list[str] | None = None,
    config: str | None = None,
    on_progress: Callable[[int], None] = lambda n: None,
    on_total: Callable[[int], None] = lambda n: None,
    rounds: list[int] | None = None,
    recreate: Sequence[str] = (),
) -> list[BatchReport]:
    """Push every batch of every round (or those of `annotators`, `rounds`) to its annotator's server;
    safe to re-run at any point. The projects of the `recreate` annotators that are gone are rebuilt."""
    files = batch_files(workspace, annotators or (list(recreate) or None), rounds)
    prepared = prepare(workspace, files)
    return push_prepared(workspace, prepared, config or label_config(), on_progress, on_total, recreate)
