"""`hw pull`: bring every annotation back, keep its history, flag the latest per annotator and pair.

Each pull reads every desk's server, project by project (annotations and every user's drafts); the
ledger keeps one row per annotation version, so only what is new or changed since the last pull is
added, and `annotation/labels.parquet` is rebuilt from the ledger. What cannot be read (a server
down, a project deleted) is named in the report and skipped: what was pulled before stays, and
every other desk is pulled. An annotation the server no longer has gets a `withdrawn` version.
Labels written by an account other than the desk's curator go to `annotation/quarantine.parquet`
(`annotation.desks.split_by_author`). Every pull ends with a snapshot of each desk's database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby

import pandas as pd

from annotation import server
from annotation.artifacts import (
    ADJUDICATED_AT,
    ADJUDICATION_COLUMNS,
    LABEL_ROUND,
    LABEL_VALUES,
    LABELS,
    LEDGER,
    QUARANTINE,
)
from annotation.client import LabelStudioError, connect
from annotation.desks import split_by_author
from annotation.ledger import Ledger, Project, now
from annotation.ledger_schema import ADJUDICATION
from annotation.sync import VERSION_DTYPES, read_regions, versions_table
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.workspace import Workspace

LABEL_COLUMNS = LABELS.columns
ADJUDICATED_LABEL, ADJUDICATOR = ADJUDICATION_COLUMNS


@dataclass
class PullReport:
    projects: int = 0
    annotations_seen: int = 0
    drafts_seen: int = 0
    new_versions: int = 0
    withdrawn: int = 0  # annotations this pull found deleted on their server
    quarantined: int = 0  # annotations (in all) whose latest version another account wrote
    unknown_tasks: list[int] = field(default_factory=list)
    unknown_labels: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # what could not be pulled, and what was kept
    snapshots: list[str] = field(default_factory=list)
    snapshots_held: list[str] = field(default_factory=list)  # desks not snapshotted: they have a lost project


def read_result(result: Iterable[dict]) -> tuple[str | None, str | None]:
    """(label, comment) from a Label Studio result list; either may be missing."""
    return read_regions(result, "label", "comment", "\n")


def versions_from_export(
    tasks: Iterable[dict],
    index: dict[int, tuple[str, str, str]],
    users: dict[int, str],
    pulled_at: str,
    report: PullReport,
    project_id: int | None = None,
) -> tuple[list[dict], set[int]]:
    """Ledger rows for every annotation and draft of one project's exported tasks (`index`: that
    project's tasks), and the ids of live drafts."""
    rows: list[dict] = []
    live_drafts: set[int] = set()
    for task in tasks:
        known = index.get(task["id"])
        if known is None:
            if task.get("annotations") or task.get("drafts"):
                report.unknown_tasks.append(task["id"])
            continue
        batch_id, pair_id, annotator = known
        base = {
            "task_id": task["id"],
            "batch_id": batch_id,
            "pair_id": pair_id,
            "annotator": annotator,
            "pulled_at": pulled_at,
            "project_id": project_id,
        }
        for item in task.get("annotations", []):
            report.annotations_seen += 1
            label, comment = read_result(item.get("result"))
            skipped = bool(item.get("was_cancelled"))
            if not skipped and label not in LABEL_VALUES:
                report.unknown_labels.append(f"annotation {item['id']}: {label!r}")
            rows.append(
                base
                | {
                    "kind": "annotation",
                    "ls_id": item["id"],
                    "updated_at": item["updated_at"],
                    "ls_user": _account(users, item.get("completed_by")),
                    "author": _account(users, item.get("updated_by") or item.get("completed_by")),
                    "status": "skipped" if skipped else "labelled",
                    "label": None if skipped else label,
                    "comment": comment,
                    "created_at": item["created_at"],
                    "lead_time": item.get("lead_time"),
                }
            )
        for draft in task.get("drafts", []):
            report.drafts_seen += 1
            live_drafts.add(draft["id"])
            label, comment = read_result(draft.get("result"))
            rows.append(
                base
                | {
                    "kind": "draft",
                    "ls_id": draft["id"],
                    "updated_at": draft["updated_at"],
                    "ls_user": _account(users, draft.get("user")),
                    "author": _account(users, draft.get("user")),
                    "status": "draft",
                    "label": label,
                    "comment": comment,
                    "created_at": draft["created_at"],
                    "lead_time": draft.get("lead_time"),
                }
            )
    return rows, live_drafts


def _account(users: dict[int, str], user: object) -> str | None:
    """An export's user field (an id, or the user itself as a dict or email) as the account's email."""
    if isinstance(user, dict):
        user = user.get("id")
    if isinstance(user, int):
        return users.get(user, f"user {user}")
    return None if user is None else str(user)


def labels_table(history: list[dict]) -> pd.DataFrame:
    """One row per annotation (its newest version) and per open draft of the labelling batches, with its
    batch's `round`; `is_latest` per annotator and pair.

    Only submitted judgements (labelled or skipped) can be the latest; drafts never are. An adjudicator's
    latest labelled annotation of a pair is no row of its own: it fills `adjudicated_label`, `adjudicator`
    and `adjudicated_at` on every row of that pair (empty where the pair was not adjudicated).
    """
    frame = versions_table(history)
    labelling = frame[frame["batch_kind"] != ADJUDICATION]
    decided = frame[(frame["batch_kind"] == ADJUDICATION) & frame["is_latest"] & (frame["status"] == "labelled")]
    decided = decided.sort_values("updated_at").drop_duplicates("pair_id", keep="last")
    decided = decided.set_index("pair_id")[["label", "annotator", "updated_at"]]
    decided.columns = [ADJUDICATED_LABEL, ADJUDICATOR, ADJUDICATED_AT]
    table = labelling.join(decided, on="pair_id")
    return table[list(TABLE_COLUMNS)].astype(_DTYPES).reset_index(drop=True)


TABLE_COLUMNS = (*LABEL_COLUMNS, LABEL_ROUND, ADJUDICATED_LABEL, ADJUDICATOR, ADJUDICATED_AT)
_DTYPES = {
    **{column: VERSION_DTYPES[column] for column in (*LABEL_COLUMNS, LABEL_ROUND)},
    ADJUDICATED_LABEL: "string",
    ADJUDICATOR: "string",
    ADJUDICATED_AT: "datetime64[us, UTC]",
}


def pull(workspace: Workspace) -> PullReport:
    """Fetch every desk's projects, add new annotation versions, rewrite labels and quarantine."""
    ledger_path = LEDGER.location(workspace)
    if not ledger_path.is_file():
        raise FileNotFoundError(f"{ledger_path}: no ledger yet; run `hw push` first")
    report = PullReport()
    pulled_at = now()
    with Ledger(ledger_path) as ledger:
        for desk, projects in groupby(ledger.projects(), key=lambda project: project.annotator):
            _pull_desk(workspace, ledger, desk, list(projects), pulled_at, report)
        ledger.record_pull(",".join(sorted({p.annotator for p in ledger.projects()})), report.__dict__)
        kept, quarantined = split_by_author(ledger.annotation_rows(), ledger.accounts())
    table = labels_table(kept)
    report.quarantined = len(quarantined)
    rounds = table[table["is_latest"]].groupby(LABEL_ROUND).size()
    QUARANTINE.write(workspace, quarantined, inputs=[LEDGER])
    LABELS.write(
        workspace,
        table,
        inputs=[LEDGER],
        latest_annotations_per_round={str(r): int(n) for r, n in rounds.items()},
        adjudicated_pairs=int(table.dropna(subset=[ADJUDICATED_LABEL])["pair_id"].nunique()),
        withdrawn=int((table["status"] == "withdrawn").sum()),
        quarantined=len(quarantined),
    )
    return report


def _pull_desk(
    workspace: Workspace,
    ledger: Ledger,
    desk: str,
    projects: list[Project],
    pulled_at: str,
    report: PullReport,
) -> None:
    """One desk's projects into the ledger; a server or project that cannot be read is reported and skipped."""
    try:
        connection = connect(workspace, desk)
        connection.check()
        users = connection.users()
    except LabelStudioError as error:
        report.missing += [
            f"{gone_message(ledger, project, 'server is unreachable')} ({error})" for project in projects
        ]
        return
    rows: list[dict] = []
    live_drafts: set[int] = set()
    live_annotations: set[tuple[int, str]] = set()
    exported: list[Project] = []
    for project in projects:
        if not connection.project_exists(project.project_id):
            ledger.mark_lost(project.batch_id, pulled_at)
            report.missing.append(gone_message(ledger, project, "project is gone from the server"))
            continue
        tasks = connection.export(project.project_id)
        index = ledger.task_index(project.batch_id, project.project_id)
        found, drafts = versions_from_export(tasks, index, users, pulled_at, report, project.project_id)
        rows += found
        live_drafts |= drafts
        live_annotations |= {(row["ls_id"], row["created_at"]) for row in found if row["kind"] == "annotation"}
        exported.append(project)
    report.projects += len(exported)
    report.new_versions += ledger.add_annotation_versions(rows)
    report.withdrawn += ledger.withdraw(live_annotations, {(p.batch_id, p.project_id) for p in exported}, pulled_at)
    ledger.retire_drafts(live_drafts, {project.batch_id for project in exported})
    for project in exported:
        ledger.mark_pulled(project.batch_id, pulled_at)
    connection.reset_invite()  # an invite link a curator read from their own server works until the next pull
    if len(exported) < len(projects):  # a project of this desk is gone
        # Rotation would push out the snapshots that still hold the lost project: keep them for a restore.
        report.snapshots_held.append(desk)
        return
    snapshot = server.Desk(workspace, desk).snapshot(workspace.config.labelstudio.backups)
    report.snapshots.append(str(snapshot.relative_to(workspace.root)))


def gone_message(ledger: Ledger, project: Project, what: str) -> str:
    """ "A03's project is gone from the server: 60 tasks, labels pulled up to 21:51 kept"."""
    tasks = len(ledger.task_pairs(project.batch_id))
    pulled = ledger.pulled_at(project.batch_id)
    kept = f"labels pulled up to {pulled[:16].replace('T', ' ')} UTC kept" if pulled else "nothing had been pulled yet"
    return f"{project.annotator}'s {what} ({project.title}): {tasks} tasks, {kept}"


@dataclass(frozen=True)
class LostProject:
    annotator: str  # the desk whose server lost it
    message: str  # what was lost and what was kept (`gone_message`)


@dataclass(frozen=True)
class AnnotationStanding:
    """Where the annotation stands as of the last pull: per annotator (`annotation_status`), and the
    projects a pull or push found gone from their server."""

    table: pd.DataFrame
    lost: list[LostProject]


def annotation_standing(workspace: Workspace) -> AnnotationStanding:
    """Per annotator, where the annotation stands (as of the last pull), and every project found gone
    from its server; an `ArtifactError` before anything was pushed."""
    if not LEDGER.exists(workspace):
        raise ArtifactError(f"{LEDGER.location(workspace)}: nothing pushed yet; run `hw {LEDGER.verb}` first")
    with Ledger(LEDGER.location(workspace)) as ledger:
        lost = [
            LostProject(project.annotator, gone_message(ledger, project, "project is gone from the server"))
            for project in ledger.projects()
            if project.lost_at
        ]
    return AnnotationStanding(annotation_status(workspace), lost)


def annotation_status(workspace: Workspace) -> pd.DataFrame:
    """Per annotator: pairs in their batches, done (labelled), skipped, remaining, open drafts,
    withdrawn and quarantined annotations, and projects gone from their server (as of the last pull)."""
    with Ledger(LEDGER.location(workspace)) as ledger:
        sizes = ledger.batch_sizes()
        kept, quarantined = split_by_author(ledger.annotation_rows(), ledger.accounts())
        lost = pd.Series([p.annotator for p in ledger.projects() if p.lost_at]).value_counts()
    table = versions_table(kept)
    pairs = pd.Series({annotator: 0 for annotator, _ in sizes.values()}, dtype="int64")
    for annotator, n in sizes.values():
        pairs[annotator] += n
    latest = table[table["is_latest"]]
    done = latest[latest["status"] == "labelled"].groupby("annotator").size()
    skipped = latest[latest["status"] == "skipped"].groupby("annotator").size()
    counts = {
        "pairs": pairs,
        "done": done,
        "skipped": skipped,
        "drafts": table[table["status"] == "draft"].groupby("annotator").size(),
        "withdrawn": table[table["status"] == "withdrawn"].groupby("annotator").size(),
        "quarantined": quarantined.groupby("annotator").size(),
        "projects lost": lost,
    }
    frame = pd.DataFrame(counts).fillna(0).astype("int64")
    frame["remaining"] = frame["pairs"] - frame["done"] - frame["skipped"]
    return frame.rename_axis("annotator").reset_index()[list(STATUS_COLUMNS)]


STATUS_COLUMNS = (
    "annotator", "pairs", "done", "skipped", "remaining", "drafts", "withdrawn", "quarantined", "projects lost",
)  # fmt: skip
