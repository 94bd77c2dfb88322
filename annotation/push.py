"""`hw push`: one Label Studio project per annotator batch, on that annotator's own server (desk);
tasks imported in batches, every id in the ledger.

Resuming is exact: a project or task the ledger does not know yet (its creation answered but the
answer was lost) is found on the server by its title or its `pair_id` and adopted, so a re-run
creates only what is missing. A project gone from its server is reported, never taken as done;
`recreate` rebuilds it with the tasks that still need a label.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from annotation import server
from annotation.client import Connection, LabelStudioError, connect
from annotation.interface import instructions, label_config
from annotation.ledger import ADJUDICATION, Ledger, PairRow, Project, now
from annotation.pull import labelled_pairs
from annotation.tasks import Batch, BatchError, ImageLinks, RecordView, read_batch, record_views, task_data
from heritage_weaver.artifacts import BATCH, LEDGER, RECORDS, RoundBatch, round_batches
from heritage_weaver.url_safety import AddressRule
from heritage_weaver.workspace import Workspace

TITLE_LIMIT = 50  # Label Studio's project title length
TaskMaker = Callable[[PairRow, dict[tuple[str, str], RecordView], ImageLinks], dict]


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


def project_title(study: str, batch: Batch) -> str:
    suffix = f" · {batch.title_part}{batch.annotator} · {batch.batch_id.rsplit('-', 1)[-1]}"
    return study[: TITLE_LIMIT - len(suffix)] + suffix


def image_links(workspace: Workspace, desk: str) -> ImageLinks:
    """Local images reach a desk's server through its own document root, which holds only them; image
    URLs only where the study would fetch them."""
    return ImageLinks(server.media_dir(workspace, desk), AddressRule(workspace.config.fetch.allow_hosts))


def _create_project(connection: Connection, workspace: Workspace, batch: Batch, title: str, config: str) -> int:
    study = workspace.config.study.name
    purpose = (
        f"pairs on which annotators disagree, for adjudicator {batch.annotator}"
        if batch.kind == ADJUDICATION
        else f"blind pairs for annotator {batch.annotator}" + (f" (round {batch.round})" if batch.round > 1 else "")
    )
    return connection.create_project(title, f"Heritage Weaver study {study}: {purpose}.", config, instructions())


def _adopt_orphans(connection: Connection, ledger: Ledger, project: Project, report: BatchReport) -> None:
    """Record tasks that exist on the server but not in the ledger (an import whose answer was lost)."""
    known = ledger.task_pairs(project.batch_id)
    valid = ledger.pair_ids(project.batch_id)
    counts: Counter[str] = Counter()
    orphans = []
    for task in connection.tasks(project.project_id):
        pair_id = task["data"].get("pair_id")
        counts[pair_id] += 1
        if pair_id in valid and pair_id not in known and counts[pair_id] == 1:
            orphans.append((pair_id, task["id"]))
    if orphans:
        ledger.record_tasks(project.batch_id, project.project_id, orphans)
    report.adopted = len(orphans)
    report.duplicates_on_server = sorted(pair for pair, n in counts.items() if n > 1)


@dataclass(frozen=True)
class PreparedBatch:
    batch: Batch
    tasks: dict[str, dict]  # pair_id → blind task data, in the batch's order
    storage_folder: Path | None


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


def _ensure_project(
    connection: Connection,
    workspace: Workspace,
    ledger_path: Path,
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
    if ledger_path.is_file():
        with Ledger(ledger_path) as ledger:
            project = ledger.project(batch.batch_id)
            if project is not None and connection.project_exists(project.project_id):
                return project, True, None
            if project is not None:
                if not recreate:
                    ledger.mark_lost(batch.batch_id, now())
                    return (
                        project,
                        True,
                        (
                            f"{batch.annotator}'s project {project.project_id} is gone from the server: "
                            f"`hw push --recreate {batch.annotator}` rebuilds it with the tasks still to label, "
                            f"`hw labelstudio restore {batch.annotator}` brings back the last snapshot"
                        ),
                    )
                new_id = _create_project(connection, workspace, batch, title, config)
                connection.ensure_storage(new_id, item.storage_folder)
                fresh = Project(batch.batch_id, batch.annotator, new_id, connection.url, title)
                ledger.replace_project(batch.batch_id, fresh, labelled_pairs(ledger, batch.batch_id))
                return fresh, False, None
    project_id = connection.find_project(title) or _create_project(connection, workspace, batch, title, config)
    connection.ensure_storage(project_id, item.storage_folder)
    project = Project(batch.batch_id, batch.annotator, project_id, connection.url, title)
    with Ledger(ledger_path) as ledger:
        ledger.register_project(
            batch.batch_id, batch.annotator, str(batch.source_file), batch.pairs, project, batch.round, batch.kind
        )
    return project, False, None


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def push_batch(
    connection: Connection,
    workspace: Workspace,
    ledger_path: Path,
    item: PreparedBatch,
    config: str,
    on_progress: Callable[[int], None] = lambda n: None,
    recreate: bool = False,
) -> BatchReport:
    """Create the batch's project if needed and import exactly the tasks the ledger lacks."""
    project, known, gone = _ensure_project(connection, workspace, ledger_path, item, config, recreate)
    batch = item.batch
    round = "adjudication" if batch.kind == ADJUDICATION else str(batch.round)
    report = BatchReport(batch.annotator, batch.batch_id, project.project_id, len(item.tasks), round, gone=gone)
    report.recreated = recreate and not known
    if gone:
        return report
    with Ledger(ledger_path) as ledger:
        incomplete = len(ledger.task_pairs(project.batch_id)) < len(item.tasks)
        if incomplete and (known or connection.has_tasks(project.project_id)):
            _adopt_orphans(connection, ledger, project, report)
        done = ledger.task_pairs(project.batch_id)
        report.already = len(done) - report.adopted
        on_progress(len(done))
        missing = [pair_id for pair_id in item.tasks if pair_id not in done]
        for chunk in _chunks(missing, workspace.config.labelstudio.import_batch_size):
            task_ids = connection.import_tasks(project.project_id, [item.tasks[pair_id] for pair_id in chunk])
            if len(task_ids) != len(chunk):
                raise LabelStudioError(
                    f"{connection.url}: project {project.project_id} created {len(task_ids)} tasks "
                    f"for {len(chunk)} sent; re-run `hw push` to reconcile"
                )
            ledger.record_tasks(project.batch_id, project.project_id, zip(chunk, task_ids))
            report.created += len(chunk)
            on_progress(len(chunk))
    return report


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
    ledger_path = LEDGER.location(workspace)
    connections: dict[str, Connection] = {}
    reports = []
    for item in prepared:
        desk = item.batch.annotator
        if desk not in connections:
            connections[desk] = connect(workspace, desk)
            connections[desk].check()
        reports.append(
            push_batch(connections[desk], workspace, ledger_path, item, config, on_progress, desk in recreate)
        )
    with Ledger(ledger_path) as ledger:
        projects, rounds = ledger.projects(), ledger.batch_rounds()
    LEDGER.record(
        workspace,
        inputs=sorted({str(item.batch.source_file) for item in prepared}),
        projects={p.batch_id: [p.annotator, p.project_id] for p in projects},
        rounds={batch: "adjudication" if kind == ADJUDICATION else r for batch, (r, kind) in rounds.items()},
    )
    return reports
