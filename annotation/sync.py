"""One Label Studio sync: a batch of tasks to its project on a desk's server, and the results back.

Every verb that sends tasks (`hw push`, `hw push --adjudication`, `hw verify push`) and every verb
that reads results (`hw pull`, `hw verify pull`) does it through here:

- `find_or_create_project`: the project found on the desk's server by its title, else created, so a
  creation whose answer was lost is adopted, not made twice.
- `sync_tasks`: adopt the orphans (tasks the server has but the ledger lacks: an import whose answer
  was lost), then import exactly the tasks still missing, in chunks, each checked (as many tasks
  created as sent) and recorded in the ledger before the next is sent.
- `read_regions`: a choice and a text from an annotation's result.
- `newest_versions`, `latest_of`: the newest version of each annotation, and each item's latest.
- Pair batches (`hw push`, `hw push --adjudication`, `hw push --export-only`): `batch_files` and
  `prepare` read the round batches, `prepare_batches` builds every task before anything is sent,
  `push_prepared` syncs each batch to its project (`push_batch`) with the ledger opened once and
  notes the ledger in the manifest; `versions_table` and `labelled_pairs` read back what was judged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd

from annotation import server
from annotation.artifacts import LABEL_ROUND, LEDGER
from annotation.client import Connection, LabelStudioError, connect
from annotation.desks import split_by_author
from annotation.interface import instructions
from annotation.ledger import Ledger, PairRow, Project, now
from annotation.ledger_schema import ADJUDICATION, LABELLING
from annotation.tasks import Batch, BatchError, ImageLinks, RecordView, read_batch, record_views, task_data
from heritage_weaver.url_safety import AddressRule
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from sampler.artifacts import BATCH, RoundBatch, round_batches

TITLE_LIMIT = 50  # Label Studio's project title length
TaskMaker = Callable[[PairRow, dict[tuple[str, str], RecordView], ImageLinks], dict]
K = TypeVar("K", bound=Hashable)


# -- one batch of tasks to one project ----------------------------------------------------------


def image_links(workspace: Workspace, desk: str) -> ImageLinks:
    """Local images reach a desk's server through its own document root, which holds only them; image
    URLs only where the study would fetch them."""
    return ImageLinks(server.Desk(workspace, desk).media_dir, AddressRule(workspace.config.fetch.allow_hosts))


def find_or_create_project(connection: Connection, title: str, description: str, config: str, guide: str) -> int:
    """The oldest project titled `title` on the desk's server, else a new one with this description,
    label config and instructions (`guide`)."""
    found = connection.find_project(title)
    return found if found is not None else connection.create_project(title, description, config, guide)


@dataclass
class Synced(Generic[K]):
    """What `sync_tasks` did: the tasks the ledger had before the import (adopted ones included), how
    many orphans it adopted and tasks it created, and the keys the server holds more than one task of."""

    done: Mapping[K, int] = field(default_factory=dict)
    adopted: int = 0
    created: int = 0
    duplicates: list[Any] = field(default_factory=list)  # as `key_of` read them


def sync_tasks(
    connection: Connection,
    project_id: int,
    tasks: Mapping[K, dict],
    *,
    recorded: Callable[[], Mapping[K, int]],
    record: Callable[[list[tuple[K, int]]], None],
    key_of: Callable[[dict], Any],
    chunk_size: int,
    rerun: str,
    valid: Collection[K] | None = None,
    send: Callable[[dict], dict] = lambda data: data,
    look: Callable[[], bool] = lambda: True,
    on_progress: Callable[[int], None] = lambda n: None,
) -> Synced[K]:
    """Bring the project's tasks to `tasks` (key → task data, in order); safe to re-run at any point.

    `recorded` reads the ledger's tasks of the project (key → task id), `record` adds created ones
    (key, task id) to it in one transaction, `key_of` reads a server task's key from its data. When
    the ledger lacks some tasks and `look` says the server may have them, the server's tasks whose
    key is `valid` (default: a key of `tasks`) and unknown to the ledger are adopted (the first task
    of a key). Then the missing tasks are sent (as `send` makes them) in chunks of `chunk_size`; a
    chunk that creates another number of tasks than it sent stops the sync (`rerun` is the command
    that reconciles). `on_progress` hears the tasks already done, then each chunk's size.
    """
    synced: Synced[K] = Synced()
    if len(recorded()) < len(tasks) and look():
        known, wanted = recorded(), tasks if valid is None else valid
        counts: Counter[Any] = Counter()
        orphans = []
        for task in connection.tasks(project_id):
            key = key_of(task["data"])
            counts[key] += 1
            if key in wanted and key not in known and counts[key] == 1:
                orphans.append((key, task["id"]))
        if orphans:
            record(orphans)
        synced.adopted = len(orphans)
        synced.duplicates = [key for key, n in counts.items() if n > 1]
    synced.done = recorded()
    on_progress(len(synced.done))
    missing = [key for key in tasks if key not in synced.done]
    for chunk in _chunks(missing, chunk_size):
        task_ids = connection.import_tasks(project_id, [send(tasks[key]) for key in chunk])
        if len(task_ids) != len(chunk):
            raise LabelStudioError(
                f"{connection.url}: project {project_id} created {len(task_ids)} tasks "
                f"for {len(chunk)} sent; re-run `{rerun}` to reconcile"
            )
        record(list(zip(chunk, task_ids)))
        synced.created += len(chunk)
        on_progress(len(chunk))
    return synced


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- results and their versions -----------------------------------------------------------------


def read_regions(result: Iterable[dict] | None, choice: str, text: str, sep: str) -> tuple[str | None, str | None]:
    """(the first choice of region `choice`, the text of region `text`, its lines joined by `sep`) from a
    Label Studio result list; either may be missing, and the last region of a name counts."""
    chosen = written = None
    for region in result or []:
        value = region.get("value", {})
        if region.get("from_name") == choice and value.get("choices"):
            chosen = value["choices"][0]
        elif region.get("from_name") == text and value.get("text"):
            lines = value["text"]
            written = sep.join(lines) if isinstance(lines, list) else str(lines)
    return chosen, written


def empty_table(dtypes: Mapping[str, str]) -> pd.DataFrame:
    """A table with these columns and types and no row."""
    return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in dtypes.items()})


def newest_versions(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The newest version (by `updated_at`) of each annotation (`keys`: what names one), with its
    `created_at` and `updated_at` as UTC times."""
    frame = frame.sort_values("updated_at").groupby(keys, as_index=False).tail(1)
    return frame.assign(
        created_at=pd.to_datetime(frame["created_at"], utc=True, format="ISO8601"),
        updated_at=pd.to_datetime(frame["updated_at"], utc=True, format="ISO8601"),
    )


def latest_of(frame: pd.DataFrame, by: list[str], among: pd.DataFrame | None = None) -> np.ndarray:
    """Marks the rows of `frame` that are the latest (newest `updated_at`, then highest `ls_id`) of the
    rows `among` (default: all) per `by`."""
    candidates = frame if among is None else among
    return frame.index.isin(candidates.sort_values(["updated_at", "ls_id"]).groupby(by).tail(1).index)


VERSION_DTYPES = {
    "annotation_id": "string",
    "pair_id": "string",
    "annotator": "string",
    "label": "string",
    "status": "string",
    "comment": "string",
    "created_at": "datetime64[us, UTC]",
    "updated_at": "datetime64[us, UTC]",
    "lead_time": "float64",
    "is_latest": "bool",
    LABEL_ROUND: "int64",
    "batch_kind": "string",
}


def versions_table(history: list[dict]) -> pd.DataFrame:
    """Every batch's annotations and open drafts (newest version each), `is_latest`, `round`, `batch_kind`."""
    if not history:
        return empty_table(VERSION_DTYPES)
    frame = pd.DataFrame(history)
    frame = frame.assign(**{k: v for k, v in ((LABEL_ROUND, 1), ("batch_kind", LABELLING)) if k not in frame})
    frame = newest_versions(frame, ["annotator", "kind", "ls_id", "created_at"])
    frame = frame[frame["status"] != "draft-closed"]
    frame = frame.assign(annotation_id=frame["annotator"] + "/" + frame["kind"] + "/" + frame["ls_id"].astype(str))
    submitted = frame[(frame["kind"] == "annotation") & frame["status"].isin(["labelled", "skipped"])]
    frame["is_latest"] = latest_of(frame, ["annotator", "pair_id"], submitted)
    frame = frame.sort_values(["annotator", "pair_id", "updated_at"]).reset_index(drop=True)
    return frame[list(VERSION_DTYPES)].astype(VERSION_DTYPES)


def labelled_pairs(ledger: Ledger, batch_id: str) -> set[str]:
    """The batch's pairs its desk has judged (latest counted annotation labelled or skipped)."""
    kept, _ = split_by_author(
        [row for row in ledger.annotation_rows() if row["batch_id"] == batch_id], ledger.accounts()
    )
    table = versions_table(kept)
    return set(table.loc[table["is_latest"], "pair_id"].astype(str))


# -- pair batches: `hw push` and `hw push --adjudication` ---------------------------------------


@dataclass
class BatchReport:
    annotator: str
    batch_id: str
    project_id: int
    pairs: int
    round: str = "1"  # the labelling round, or `adjudication`
    created: int = 0
    adopted: int = 0
    already: int = 0
    duplicates_on_server: list[str] = field(default_factory=list)
    gone: str | None = None  # the project is gone from its server: what to do about it
    recreated: bool = False


@dataclass(frozen=True)
class PreparedBatch:
    batch: Batch
    tasks: dict[str, dict]  # pair_id → blind task data, in the batch's order
    storage_folder: Path | None


def project_title(study: str, batch: Batch) -> str:
    suffix = f" · {batch.title_part}{batch.annotator} · {batch.batch_id.rsplit('-', 1)[-1]}"
    return study[: TITLE_LIMIT - len(suffix)] + suffix


def _purpose(workspace: Workspace, batch: Batch) -> str:
    """The project description of a pair batch."""
    study = workspace.config.study.name
    purpose = (
        f"pairs on which annotators disagree, for adjudicator {batch.annotator}"
        if batch.kind == ADJUDICATION
        else f"blind pairs for annotator {batch.annotator}" + (f" (round {batch.round})" if batch.round > 1 else "")
    )
    return f"Heritage Weaver study {study}: {purpose}."


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


def prepare_batches(
    workspace: Workspace,
    batches: list[Batch],
    links: Callable[[str], ImageLinks] | None = None,
    make_task: TaskMaker = task_data,
) -> list[PreparedBatch]:
    """Every batch's tasks (built by `make_task`) and the local image folder they need; `links` gives
    each desk's image links (default: the desk server's own document root)."""
    wanted = {
        key
        for batch in batches
        for pair in batch.pairs
        for key in ((pair.collection_a, pair.record_a), (pair.collection_b, pair.record_b))
    }
    views = record_views(
        RECORDS.read(workspace, columns=["record_id", "collection", "name", "description", "images"]), wanted
    )
    desk_links: dict[str, ImageLinks] = {}
    prepared = []
    for batch in batches:
        if batch.annotator not in desk_links:
            desk_links[batch.annotator] = links(batch.annotator) if links else image_links(workspace, batch.annotator)
        batch_links = desk_links[batch.annotator]
        tasks = {pair.pair_id: make_task(pair, views, batch_links) for pair in batch.pairs}
        images = [
            view.image
            for pair in batch.pairs
            for view in (views[(pair.collection_a, pair.record_a)], views[(pair.collection_b, pair.record_b)])
            if view.image is not None
        ]
        prepared.append(PreparedBatch(batch, tasks, batch_links.storage_folder(images)))
    return prepared


class LazyLedger:
    """The study ledger for one push: opened at its first use and kept open to the end, so a push that
    fails before it needs the ledger creates none."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ledger: Ledger | None = None

    def exists(self) -> bool:
        return self._ledger is not None or self.path.is_file()

    def __call__(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger(self.path)
        return self._ledger

    def close(self) -> None:
        if self._ledger is not None:
            self._ledger.close()


def _ensure_project(
    connection: Connection,
    workspace: Workspace,
    ledger: LazyLedger,
    item: PreparedBatch,
    config: str,
    recreate: bool = False,
) -> tuple[Project, bool, str | None]:
    """The batch's project: from the ledger, else found on the server by title, else created.

    Returns the project, whether the ledger knew it before this run, and, when the ledger's project is
    gone from the server and `recreate` is off, what to do about it (nothing is pushed then).
    """
    batch = item.batch
    prefix = workspace.config.labelstudio.project_prefix or workspace.config.study.name
    title = project_title(prefix, batch)
    project = ledger().project(batch.batch_id) if ledger.exists() else None
    if project is not None and connection.project_exists(project.project_id):
        return project, True, None
    if project is not None:
        if not recreate:
            ledger().mark_lost(batch.batch_id, now())
            return (
                project,
                True,
                (
                    f"{batch.annotator}'s project {project.project_id} is gone from the server: "
                    f"`hw push --recreate {batch.annotator}` rebuilds it with the tasks still to label, "
                    f"`hw labelstudio restore {batch.annotator}` brings back the last snapshot"
                ),
            )
        new_id = connection.create_project(title, _purpose(workspace, batch), config, instructions())
        connection.ensure_storage(new_id, item.storage_folder)
        fresh = Project(batch.batch_id, batch.annotator, new_id, connection.url, title)
        ledger().replace_project(batch.batch_id, fresh, labelled_pairs(ledger(), batch.batch_id))
        return fresh, False, None
    project_id = find_or_create_project(connection, title, _purpose(workspace, batch), config, instructions())
    connection.ensure_storage(project_id, item.storage_folder)
    project = Project(batch.batch_id, batch.annotator, project_id, connection.url, title)
    ledger().register_project(
        batch.batch_id, batch.annotator, str(batch.source_file), batch.pairs, project, batch.round, batch.kind
    )
    return project, False, None


def push_batch(
    connection: Connection,
    workspace: Workspace,
    ledger: LazyLedger,
    item: PreparedBatch,
    config: str,
    on_progress: Callable[[int], None] = lambda n: None,
    recreate: bool = False,
) -> BatchReport:
    """Create the batch's project if needed and import exactly the tasks the ledger lacks."""
    project, known, gone = _ensure_project(connection, workspace, ledger, item, config, recreate)
    batch = item.batch
    round = "adjudication" if batch.kind == ADJUDICATION else str(batch.round)
    report = BatchReport(batch.annotator, batch.batch_id, project.project_id, len(item.tasks), round, gone=gone)
    report.recreated = recreate and not known
    if gone:
        return report
    opened = ledger()
    synced = sync_tasks(
        connection,
        project.project_id,
        item.tasks,
        recorded=lambda: opened.task_pairs(project.batch_id),
        record=lambda created: opened.record_tasks(project.batch_id, project.project_id, created),
        key_of=lambda data: data.get("pair_id"),
        chunk_size=workspace.config.labelstudio.import_batch_size,
        rerun="hw push",
        valid=opened.pair_ids(project.batch_id),
        look=lambda: known or connection.has_tasks(project.project_id),
        on_progress=on_progress,
    )
    report.adopted, report.created = synced.adopted, synced.created
    report.duplicates_on_server = sorted(synced.duplicates)
    report.already = len(synced.done) - report.adopted
    return report


def push_prepared(
    workspace: Workspace,
    prepared: list[PreparedBatch],
    config: str,
    on_progress: Callable[[int], None] = lambda n: None,
    on_total: Callable[[int], None] = lambda n: None,
    recreate: Sequence[str] = (),
) -> list[BatchReport]:
    """Push prepared batches, each to its desk's server, and note the ledger in the manifest."""
    on_total(sum(len(item.tasks) for item in prepared))
    ledger = LazyLedger(LEDGER.location(workspace))
    connections: dict[str, Connection] = {}
    reports = []
    try:
        for item in prepared:
            desk = item.batch.annotator
            if desk not in connections:
                connections[desk] = connect(workspace, desk)
                connections[desk].check()
            reports.append(
                push_batch(connections[desk], workspace, ledger, item, config, on_progress, desk in recreate)
            )
        projects, rounds = ledger().projects(), ledger().batch_rounds()
    finally:
        ledger.close()
    LEDGER.record(
        workspace,
        inputs=sorted({str(item.batch.source_file) for item in prepared}),
        projects={p.batch_id: [p.annotator, p.project_id] for p in projects},
        rounds={batch: "adjudication" if kind == ADJUDICATION else r for batch, (r, kind) in rounds.items()},
    )
    return reports
