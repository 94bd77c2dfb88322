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
from annotation.sync import BatchReport, batch_files, prepare, push_prepared
from heritage_weaver.workspace import Workspace


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
