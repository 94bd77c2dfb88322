"""`hw push`: one Label Studio project per annotator batch, tasks imported in batches, every id in the ledger.

Resuming is exact: a project or task the ledger does not know yet (its creation answered but the
answer was lost) is found on the server by its title or its `pair_id` and adopted, so a re-run
creates only what is missing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from annotation import server
from annotation.client import Connection, LabelStudioError
from annotation.interface import instructions, label_config
from annotation.ledger import ADJUDICATION, Ledger, PairRow, Project
from annotation.tasks import Batch, BatchError, ImageLinks, RecordView, read_batch, record_views, task_data
from heritage_weaver.artifacts import BATCH, LEDGER, RECORDS, RoundBatch, round_batches
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


def image_links(workspace: Workspace, connection: Connection) -> ImageLinks:
    """Local file serving works only on the study's own local server, which serves the workspace."""
    state = server.read_state(workspace)
    if state is not None and state.url.rstrip("/") == connection.url:
        return ImageLinks(Path(state.document_root))
    return ImageLinks(None)


def find_project(connection: Connection, title: str) -> int | None:
    listing = connection.get_json("listing projects", "/api/projects/", title=title, page_size=1000)
    matches = [project["id"] for project in listing["results"] if project["title"] == title]
    return min(matches) if matches else None


def _create_project(connection: Connection, workspace: Workspace, batch: Batch, title: str, config: str) -> int:
    study = workspace.config.study.name
    purpose = (
        f"pairs on which annotators disagree, for adjudicator {batch.annotator}"
        if batch.kind == ADJUDICATION
        else f"blind pairs for annotator {batch.annotator}" + (f" (round {batch.round})" if batch.round > 1 else "")
    )
    created = connection.call(
        f"creating project {title!r}",
        lambda: connection.sdk.projects.create(
            title=title,
            description=f"Heritage Weaver study {study}: {purpose}.",
            label_config=config,
            expert_instruction=instructions(),
            show_instruction=True,
            show_skip_button=True,
            maximum_annotations=1,
        ),
    )
    if created.id is None:
        raise LabelStudioError(f"{connection.url}: creating project {title!r} returned no project id")
    return created.id


def ensure_storage(connection: Connection, project_id: int, folder: Path | None) -> None:
    if folder is None:
        return
    existing = connection.get_json("listing local storages", "/api/storages/localfiles/", project=project_id)
    if any(storage["path"] == str(folder) for storage in existing):
        return
    connection.call(
        f"connecting local images {folder} to project {project_id}",
        lambda: connection.sdk.import_storage.local.create(
            project=project_id, path=str(folder), title="study images", use_blob_urls=False
        ),
    )


def server_tasks(
    connection: Connection, project_id: int, fields: str = "task_only", include: str = "id,data", page_size: int = 2000
) -> Iterator[dict]:
    """Every task of a project (by default its id and data), page by page."""
    page = 1
    seen = 0
    while True:
        listing = connection.get_json(
            f"listing tasks of project {project_id}",
            "/api/tasks/",
            project=project_id,
            fields=fields,
            include=include,
            page_size=page_size,
            page=page,
        )
        yield from listing["tasks"]
        seen += len(listing["tasks"])
        if not listing["tasks"] or seen >= listing["total"]:
            return
        page += 1


def _adopt_orphans(connection: Connection, ledger: Ledger, project: Project, report: BatchReport) -> None:
    """Record tasks that exist on the server but not in the ledger (an import whose answer was lost)."""
    known = ledger.task_pairs(project.batch_id)
    valid = ledger.pair_ids(project.batch_id)
    counts: Counter[str] = Counter()
    orphans = []
    for task in server_tasks(connection, project.project_id):
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


def prepare(workspace: Workspace, files: list[RoundBatch], links: ImageLinks) -> list[PreparedBatch]:
    """Read batches and records and build every task before anything is sent (bad input fails early)."""
    return prepare_batches(workspace, [read_batch(f.artifact.location(workspace), f.round) for f in files], links)


def prepare_batches(
    workspace: Workspace, batches: list[Batch], links: ImageLinks, make_task: TaskMaker = task_data
) -> list[PreparedBatch]:
    """Every batch's tasks (built by `make_task`) and the local image folder they need."""
    wanted = {
        key
        for batch in batches
        for pair in batch.pairs
        for key in ((pair.collection_a, pair.record_a), (pair.collection_b, pair.record_b))
    }
    views = record_views(
        RECORDS.read(workspace, columns=["record_id", "collection", "name", "description", "images"]), wanted
    )
    prepared = []
    for batch in batches:
        tasks = {pair.pair_id: make_task(pair, views, links) for pair in batch.pairs}
        images = [
            view.image
            for pair in batch.pairs
            for view in (views[(pair.collection_a, pair.record_a)], views[(pair.collection_b, pair.record_b)])
            if view.image is not None
        ]
        prepared.append(PreparedBatch(batch, tasks, links.storage_folder(images)))
    return prepared


def _ensure_project(
    connection: Connection, workspace: Workspace, ledger_path: Path, item: PreparedBatch, config: str
) -> tuple[Project, bool]:
    """The batch's project: from the ledger, else found on the server by title, else created.

    Returns the project and whether the ledger knew it before this run.
    """
    batch = item.batch
    if ledger_path.is_file():
        with Ledger(ledger_path) as ledger:
            project = ledger.project(batch.batch_id)
        if project is not None:
            if project.server_url != connection.url:
                raise LabelStudioError(
                    f"batch {batch.batch_id} was pushed to {project.server_url}, not {connection.url}; "
                    "point labelstudio.url back at it"
                )
            return project, True
    prefix = workspace.config.labelstudio.project_prefix or workspace.config.study.name
    title = project_title(prefix, batch)
    project_id = find_project(connection, title)
    if project_id is None:
        project_id = _create_project(connection, workspace, batch, title, config)
    ensure_storage(connection, project_id, item.storage_folder)
    project = Project(batch.batch_id, batch.annotator, project_id, connection.url, title)
    with Ledger(ledger_path) as ledger:
        ledger.register_project(
            batch.batch_id, batch.annotator, str(batch.source_file), batch.pairs, project, batch.round, batch.kind
        )
    return project, False


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
) -> BatchReport:
    """Create the batch's project if needed and import exactly the tasks the ledger lacks."""
    project, known = _ensure_project(connection, workspace, ledger_path, item, config)
    batch = item.batch
    round = "adjudication" if batch.kind == ADJUDICATION else str(batch.round)
    report = BatchReport(batch.annotator, batch.batch_id, project.project_id, len(item.tasks), round)
    with Ledger(ledger_path) as ledger:
        incomplete = len(ledger.task_pairs(project.batch_id)) < len(item.tasks)
        if incomplete and (known or _find_any_task(connection, project.project_id)):
            _adopt_orphans(connection, ledger, project, report)
        done = ledger.task_pairs(project.batch_id)
        report.already = len(done) - report.adopted
        on_progress(len(done))
        missing = [pair_id for pair_id in item.tasks if pair_id not in done]
        for chunk in _chunks(missing, workspace.config.labelstudio.import_batch_size):
            task_ids = import_tasks(connection, project.project_id, [item.tasks[pair_id] for pair_id in chunk])
            if len(task_ids) != len(chunk):
                raise LabelStudioError(
                    f"{connection.url}: project {project.project_id} created {len(task_ids)} tasks "
                    f"for {len(chunk)} sent; re-run `hw push` to reconcile"
                )
            ledger.record_tasks(project.batch_id, project.project_id, zip(chunk, task_ids))
            report.created += len(chunk)
            on_progress(len(chunk))
    return report


def import_tasks(connection: Connection, project_id: int, tasks: list[dict]) -> list[int]:
    """One batched import; the ids of the created tasks, in the order sent.

    Posted as plain JSON: the SDK's generic encoder costs more than the server's import itself.
    """

    def request() -> list[int]:
        response = connection.http.post(
            f"/api/projects/{project_id}/import", params={"return_task_ids": "true"}, json=tasks
        )
        response.raise_for_status()
        return response.json().get("task_ids") or []

    return connection.call(f"importing {len(tasks)} tasks into project {project_id}", request)


def _find_any_task(connection: Connection, project_id: int) -> bool:
    listing = connection.get_json(
        f"listing tasks of project {project_id}",
        "/api/tasks/",
        project=project_id,
        fields="task_only",
        include="id",
        page_size=1,
        page=1,
    )
    return listing["total"] > 0


def push(
    workspace: Workspace,
    connection: Connection,
    annotators: list[str] | None = None,
    config: str | None = None,
    on_progress: Callable[[int], None] = lambda n: None,
    on_total: Callable[[int], None] = lambda n: None,
    rounds: list[int] | None = None,
) -> list[BatchReport]:
    """Push every batch of every round (or those of `annotators`, `rounds`); safe to re-run at any point."""
    connection.check()
    links = image_links(workspace, connection)
    prepared = prepare(workspace, batch_files(workspace, annotators, rounds), links)
    return push_prepared(workspace, connection, prepared, config or label_config(), on_progress, on_total)


def push_prepared(
    workspace: Workspace,
    connection: Connection,
    prepared: list[PreparedBatch],
    config: str,
    on_progress: Callable[[int], None] = lambda n: None,
    on_total: Callable[[int], None] = lambda n: None,
) -> list[BatchReport]:
    """Push prepared batches with this label config and note the ledger in the manifest."""
    on_total(sum(len(item.tasks) for item in prepared))
    ledger_path = LEDGER.location(workspace)
    reports = [push_batch(connection, workspace, ledger_path, item, config, on_progress) for item in prepared]
    with Ledger(ledger_path) as ledger:
        projects, rounds = ledger.projects(), ledger.batch_rounds()
    LEDGER.record(
        workspace,
        inputs=sorted({str(item.batch.source_file) for item in prepared}),
        server=connection.url,
        projects={p.batch_id: p.project_id for p in projects},
        rounds={batch: "adjudication" if kind == ADJUDICATION else r for batch, (r, kind) in rounds.items()},
    )
    return reports
