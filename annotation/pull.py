"""`hw pull`: bring every annotation back, keep its history, flag the latest per annotator and pair.

Each pull reads every project's export (annotations and every user's drafts); the ledger keeps one
row per annotation version, so only what is new or changed since the last pull is added, and
`annotation/labels.parquet` is rebuilt from the ledger.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from annotation.client import Connection
from annotation.ledger import ADJUDICATION, LABELLING, Ledger, now
from heritage_weaver.artifacts import (
    ADJUDICATED_AT,
    ADJUDICATION_COLUMNS,
    LABEL_ROUND,
    LABEL_VALUES,
    LABELS,
    LEDGER,
)
from heritage_weaver.workspace import Workspace

LABEL_COLUMNS = LABELS.columns
ADJUDICATED_LABEL, ADJUDICATOR = ADJUDICATION_COLUMNS


@dataclass
class PullReport:
    projects: int = 0
    annotations_seen: int = 0
    drafts_seen: int = 0
    new_versions: int = 0
    unknown_tasks: list[int] = field(default_factory=list)
    unknown_labels: list[str] = field(default_factory=list)


def read_result(result: Iterable[dict]) -> tuple[str | None, str | None]:
    """(label, comment) from a Label Studio result list; either may be missing."""
    label = comment = None
    for region in result or []:
        value = region.get("value", {})
        if region.get("from_name") == "label" and value.get("choices"):
            label = value["choices"][0]
        elif region.get("from_name") == "comment" and value.get("text"):
            text = value["text"]
            comment = "\n".join(text) if isinstance(text, list) else str(text)
    return label, comment


def versions_from_export(
    tasks: Iterable[dict],
    index: dict[int, tuple[str, str, str]],
    users: dict[int, str],
    pulled_at: str,
    report: PullReport,
) -> tuple[list[dict], set[int]]:
    """Ledger rows for every annotation and draft of exported tasks, and the ids of live drafts."""
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
                    "ls_user": users.get(item.get("completed_by"), str(item.get("completed_by"))),
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
                    "ls_user": draft.get("user"),
                    "status": "draft",
                    "label": label,
                    "comment": comment,
                    "created_at": draft["created_at"],
                    "lead_time": draft.get("lead_time"),
                }
            )
    return rows, live_drafts


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


def versions_table(history: list[dict]) -> pd.DataFrame:
    """Every batch's annotations and open drafts (newest version each), `is_latest`, `round`, `batch_kind`."""
    if not history:
        return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in _VERSION_DTYPES.items()})
    frame = pd.DataFrame(history)
    frame = frame.assign(**{k: v for k, v in ((LABEL_ROUND, 1), ("batch_kind", LABELLING)) if k not in frame})
    frame = frame[frame["status"] != "draft-closed"]
    frame = frame.sort_values("updated_at").groupby(["kind", "ls_id"], as_index=False).tail(1)
    frame = frame.assign(
        annotation_id=frame["kind"] + "/" + frame["ls_id"].astype(str),
        created_at=pd.to_datetime(frame["created_at"], utc=True, format="ISO8601"),
        updated_at=pd.to_datetime(frame["updated_at"], utc=True, format="ISO8601"),
    )
    submitted = frame[frame["kind"] == "annotation"].sort_values(["updated_at", "ls_id"])
    latest = submitted.groupby(["annotator", "pair_id"]).tail(1).index
    frame["is_latest"] = frame.index.isin(latest)
    frame = frame.sort_values(["annotator", "pair_id", "updated_at"]).reset_index(drop=True)
    return frame[list(_VERSION_DTYPES)].astype(_VERSION_DTYPES)


_VERSION_DTYPES = {
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
TABLE_COLUMNS = (*LABEL_COLUMNS, LABEL_ROUND, ADJUDICATED_LABEL, ADJUDICATOR, ADJUDICATED_AT)
_DTYPES = {
    **{column: _VERSION_DTYPES[column] for column in (*LABEL_COLUMNS, LABEL_ROUND)},
    ADJUDICATED_LABEL: "string",
    ADJUDICATOR: "string",
    ADJUDICATED_AT: "datetime64[us, UTC]",
}


def _users(connection: Connection) -> dict[int, str]:
    listing = connection.get_json("listing users", "/api/users/")
    return {user["id"]: user.get("email") or user.get("username") for user in listing}


def export_project(connection: Connection, project_id: int) -> list[dict]:
    def request() -> list[dict]:
        response = connection.http.get(
            f"/api/projects/{project_id}/export", params={"exportType": "JSON", "download_all_tasks": "true"}
        )
        response.raise_for_status()
        return json.loads(response.content)

    return connection.call(f"exporting project {project_id}", request)


def pull(workspace: Workspace, connection: Connection) -> PullReport:
    """Fetch every project of the ledger, add new annotation versions, rewrite labels.parquet."""
    ledger_path = LEDGER.location(workspace)
    if not ledger_path.is_file():
        raise FileNotFoundError(f"{ledger_path}: no ledger yet; run `hw push` first")
    connection.check()
    with Ledger(ledger_path) as ledger:
        report = PullReport()
        projects = [p for p in ledger.projects() if p.server_url == connection.url]
        index = ledger.task_index()
        users = _users(connection)
        pulled_at = now()
        rows: list[dict] = []
        live_drafts: set[int] = set()
        for project in projects:
            found, drafts = versions_from_export(
                export_project(connection, project.project_id), index, users, pulled_at, report
            )
            rows += found
            live_drafts |= drafts
        report.projects = len(projects)
        report.new_versions = ledger.add_annotation_versions(rows)
        ledger.retire_drafts(live_drafts, {project.project_id for project in projects})
        ledger.record_pull(connection.url, report.__dict__)
        table = labels_table(ledger.annotation_rows())
    rounds = table[table["is_latest"]].groupby(LABEL_ROUND).size()
    LABELS.write(
        workspace,
        table,
        inputs=[LEDGER],
        server=connection.url,
        latest_annotations_per_round={str(r): int(n) for r, n in rounds.items()},
        adjudicated_pairs=int(table.dropna(subset=[ADJUDICATED_LABEL])["pair_id"].nunique()),
    )
    return report


def annotation_status(workspace: Workspace) -> pd.DataFrame:
    """Per annotator: pairs in their batches, done (labelled), skipped, remaining, open drafts."""
    with Ledger(LEDGER.location(workspace)) as ledger:
        sizes = ledger.batch_sizes()
        table = versions_table(ledger.annotation_rows())
    pairs = pd.Series({annotator: 0 for annotator, _ in sizes.values()}, dtype="int64")
    for annotator, n in sizes.values():
        pairs[annotator] += n
    latest = table[table["is_latest"]]
    done = latest[latest["status"] == "labelled"].groupby("annotator").size()
    skipped = latest[latest["status"] == "skipped"].groupby("annotator").size()
    drafts = table[table["status"] == "draft"].groupby("annotator").size()
    frame = pd.DataFrame({"pairs": pairs, "done": done, "skipped": skipped, "drafts": drafts}).fillna(0).astype("int64")
    frame["remaining"] = frame["pairs"] - frame["done"] - frame["skipped"]
    return frame.rename_axis("annotator").reset_index()[
        ["annotator", "pairs", "done", "skipped", "remaining", "drafts"]
    ]
