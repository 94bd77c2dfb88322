"""`hw verify push|pull`: a field's proposals (`hw predict`) as a Label Studio verification project.

One project per field; one task per record with a proposal: the record's first image, name and
description, the most probable value with its probability, and the other candidates. A curator
accepts, rejects or corrects it (typing the correct value). Like `hw push`, the push is idempotent
through the study ledger: a record already sent keeps its task (a re-run of `hw predict` does not
change the value its task shows), and tasks whose import answer was lost are found by their
record and adopted. `hw verify pull` keeps every verdict version in the ledger and rewrites
`predict/<field>/verdicts.parquet` (submitted verdicts only; drafts are not verdicts).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

import pandas as pd

from annotation.artifacts import LEDGER
from annotation.client import Connection
from annotation.ledger import Ledger, VerificationProject, now
from annotation.sync import (
    TITLE_LIMIT,
    empty_table,
    find_or_create_project,
    image_links,
    latest_of,
    newest_versions,
    read_regions,
    sync_tasks,
)
from annotation.tasks import ImageLinks, record_views
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from prediction.artifacts import PREDICTION_PROPOSALS, PREDICTION_VERDICTS, VERDICT_VALUES

CHOICES = {
    "accept": "the proposed value is right",
    "reject": "the proposed value is wrong, and I do not know the right one",
    "correct": "the proposed value is wrong; I type the right one below",
}
TASK_FIELDS = ("collection", "record_id", "image", "name", "description", "proposal", "alternatives")
NO_DESCRIPTION = "(no description)"


class VerificationError(ValueError):
    """`hw verify` was asked for nothing it can do (no field named or configured); the message says what to name."""


@dataclass
class VerifyPushReport:
    field: str
    project_id: int
    records: int
    created: int = 0
    adopted: int = 0
    already: int = 0


@dataclass
class VerifyPullReport:
    field: str
    project_id: int
    verdicts: int = 0
    new_versions: int = 0
    by_verdict: dict[str, int] = dataclasses.field(default_factory=dict)
    unknown: list[str] = dataclasses.field(default_factory=list)  # verdicts outside accept/reject/correct, kept as sent
    corrections_without_value: int = 0


def label_config() -> str:
    """The verification interface: the record, the proposal, one required verdict, the correct value."""
    choices = "\n".join(f'    <Choice value="{value}" hint="{escape(meaning)}"/>' for value, meaning in CHOICES.items())
    return (
        "<View>\n"
        '  <Image name="image" value="$image" maxWidth="100%" maxHeight="360px"/>\n'
        '  <Header value="$name" size="4"/>\n'
        '  <Text name="description" value="$description"/>\n'
        '  <Header value="$proposal" size="5"/>\n'
        '  <Text name="alternatives" value="$alternatives"/>\n'
        '  <Choices name="verdict" toName="description" choice="single-radio" required="true"'
        ' requiredMessage="Accept, reject or correct the proposal." showInline="true">\n'
        f"{choices}\n"
        "  </Choices>\n"
        '  <TextArea name="correction" toName="description" placeholder="The correct value (when you correct)"'
        ' maxSubmissions="1" editable="true" rows="1"/>\n'
        "</View>\n"
    )


def instructions(field_name: str) -> str:
    rows = "".join(f"<tr><td><b>{value}</b></td><td>{escape(meaning)}</td></tr>" for value, meaning in CHOICES.items())
    return (
        f"<p>Each task shows one museum object and the value of <b>{escape(field_name)}</b> that a classifier "
        "proposes for it from its images and text, with the classifier's probability and the next candidates. "
        "Judge the object, then choose one verdict.</p>"
        f"<table><tr><th>verdict</th><th>meaning</th></tr>{rows}</table>"
        "<p>If you cannot judge an object (for instance its image does not load), skip it.</p>"
    )


def verification_title(prefix: str, field_name: str) -> str:
    suffix = f" · verify {field_name}"
    return (prefix[: max(TITLE_LIMIT - len(suffix), 0)] + suffix)[:TITLE_LIMIT]


def proposal_tasks(ws: Workspace, field_name: str, links: ImageLinks) -> tuple[dict[tuple[str, str], dict], list]:
    """Task data per (collection, record_id) from the field's proposals, and the local images they show."""
    proposals = PREDICTION_PROPOSALS.at(field=field_name).read(ws).sort_values(["collection", "record_id", "rank"])
    wanted = set(zip(proposals["collection"], proposals["record_id"]))
    views = record_views(RECORDS.read(ws, columns=["record_id", "collection", "name", "description", "images"]), wanted)
    tasks, images = {}, []
    for (collection, record_id), rows in proposals.groupby(["collection", "record_id"], sort=False):
        view = views.get((collection, record_id))
        if view is None:
            raise ArtifactError(
                f"{PREDICTION_PROPOSALS.at(field=field_name).path}: record {collection}/{record_id} is not in "
                f"{RECORDS.path}; run `hw predict {field_name}` again after `hw ingest`"
            )
        top, others = rows.iloc[0], rows.iloc[1:]
        alternatives = "; ".join(f"{r.value} ({r.probability:.2f})" for r in others.itertuples())
        tasks[(collection, record_id)] = {
            "collection": collection,
            "record_id": record_id,
            "image": links(view.image),
            "name": view.name or record_id,
            "description": view.description or NO_DESCRIPTION,
            "proposal": f"Proposed {field_name}: {top['value']} (probability {top['probability']:.2f})",
            "alternatives": f"Other candidates: {alternatives}" if alternatives else "No other candidates.",
            "proposed": str(top["value"]),
            "probability": float(top["probability"]),
        }
        if view.image is not None:
            images.append(view.image)
    return tasks, images


def _ensure_project(ws: Workspace, connection: Connection, ledger: Ledger, field_name: str) -> VerificationProject:
    """The field's project: from the ledger, else found on the server by its title, else created."""
    known = ledger.verification_project(field_name)
    if known is not None:
        return known
    title = verification_title(ws.config.labelstudio.project_prefix or ws.config.study.name, field_name)
    project_id = find_or_create_project(
        connection,
        title,
        f"Heritage Weaver study {ws.config.study.name}: verify the proposed {field_name}.",
        label_config(),
        instructions(field_name),
    )
    made = VerificationProject(field_name, connection.url, project_id, title)
    ledger.register_verification_project(made)
    return made


def push_proposals(ws: Workspace, connection: Connection, fields: Iterable[str]) -> list[VerifyPushReport]:
    """Push each field's proposals as its verification project; safe to re-run at any point."""
    connection.check()
    links = image_links(ws, connection.desk)
    prepared = {name: proposal_tasks(ws, name, links) for name in fields}  # bad input fails before anything is sent
    reports = []
    with Ledger(LEDGER.location(ws)) as ledger:
        ledger.with_verification()
        for name, (tasks, images) in prepared.items():
            project = _ensure_project(ws, connection, ledger, name)
            connection.ensure_storage(project.project_id, links.storage_folder(images))
            reports.append(_push_tasks(ws, connection, ledger, project, tasks))
    return reports


def _push_tasks(
    ws: Workspace,
    connection: Connection,
    ledger: Ledger,
    project: VerificationProject,
    tasks: dict[tuple[str, str], dict],
) -> VerifyPushReport:
    """Import exactly the field's tasks the ledger lacks, adopting those the server has."""

    def record(created: list[tuple[tuple[str, str], int]]) -> None:
        rows = [(*key, tasks[key]["proposed"], tasks[key]["probability"], t) for key, t in created]
        ledger.record_verification_tasks(project.field, project.project_id, rows)

    synced = sync_tasks(
        connection,
        project.project_id,
        tasks,
        recorded=lambda: ledger.verification_tasks(project.field),
        record=record,
        key_of=lambda data: (data.get("collection"), data.get("record_id")),
        chunk_size=ws.config.labelstudio.import_batch_size,
        rerun=f"hw verify push {project.field}",
        send=lambda data: {k: data[k] for k in TASK_FIELDS},
    )
    report = VerifyPushReport(project.field, project.project_id, len(tasks), synced.created, synced.adopted)
    report.already = len(set(synced.done) & set(tasks)) - report.adopted
    return report


def read_verdict(result: Iterable[dict] | None) -> tuple[str | None, str | None]:
    """(verdict, correction) from a Label Studio result list; either may be missing."""
    verdict, correction = read_regions(result, "verdict", "correction", " ")
    return verdict, None if correction is None else " ".join(correction.split()) or None


def _versions(tasks: list[dict], known: set[int], users: dict[int, str]) -> list[dict]:
    """Ledger rows for every submitted verdict (or skip) of the exported tasks the ledger knows."""
    rows, pulled_at = [], now()
    for task in tasks:
        if task["id"] not in known:
            continue
        for item in task.get("annotations", []):
            skipped = bool(item.get("was_cancelled"))
            verdict, correction = read_verdict(item.get("result"))
            rows.append(
                {
                    "ls_id": item["id"],
                    "updated_at": item["updated_at"],
                    "task_id": task["id"],
                    "curator": users.get(item.get("completed_by"), str(item.get("completed_by"))),
                    "verdict": "skipped" if skipped else verdict,
                    "correction": None if skipped else correction,
                    "created_at": item["created_at"],
                    "pulled_at": pulled_at,
                }
            )
    return rows


def verdicts_table(history: list[dict]) -> pd.DataFrame:
    """The newest version of each verdict; `value` is the verified value (the proposal when accepted, the
    correction when corrected, none when rejected or skipped); `is_latest` marks each record's newest verdict."""
    columns = list(PREDICTION_VERDICTS.columns)
    if not history:
        dtypes = {"probability": "float64", "is_latest": "bool"}
        return empty_table({c: dtypes.get(c, "string") for c in columns})
    frame = newest_versions(pd.DataFrame(history), ["ls_id"])
    frame["value"] = frame["proposed"].where(
        frame["verdict"] == "accept", frame["correction"].where(frame["verdict"] == "correct")
    )
    frame["annotation_id"] = "annotation/" + frame["ls_id"].astype(str)
    frame["is_latest"] = latest_of(frame, ["collection", "record_id"])
    text = {c: "string" for c in ("field", "record_id", "collection", "proposed", "verdict", "value", "curator")}
    return frame.sort_values(["collection", "record_id", "updated_at"]).reset_index(drop=True)[columns].astype(text)


def pull_verdicts(ws: Workspace, connection: Connection, fields: Iterable[str] = ()) -> list[VerifyPullReport]:
    """Every verdict of the ledger's verification projects on this server (or of `fields`) into the ledger
    and each field's verdicts table."""
    path = LEDGER.location(ws)
    if not path.is_file():
        raise ArtifactError(f"{LEDGER.path}: no ledger yet; run `hw verify push FIELD` first")
    connection.check()
    chosen = set(fields)
    reports = []
    with Ledger(path) as ledger:
        ledger.with_verification()
        projects = [p for p in ledger.verification_projects() if not chosen or p.field in chosen]
        missing = sorted(chosen - {p.field for p in projects})
        if missing:
            raise ArtifactError(
                f"no verification project for {missing} on {connection.url}; run `hw verify push` first"
            )
        users = connection.users()
        for project in projects:
            report = VerifyPullReport(project.field, project.project_id)
            known = set(ledger.verification_tasks(project.field).values())
            rows = _versions(connection.export(project.project_id), known, users)
            report.new_versions = ledger.add_verdict_versions(rows)
            table = verdicts_table(ledger.verdict_rows(project.field))
            report.verdicts = len(table)
            report.by_verdict = table["verdict"].value_counts().to_dict()
            report.unknown = sorted(f"{v!r}" for v in set(table["verdict"].dropna()) - set(VERDICT_VALUES))
            report.unknown += ["(none)"] * int(table["verdict"].isna().sum())
            report.corrections_without_value = int(((table["verdict"] == "correct") & table["value"].isna()).sum())
            PREDICTION_VERDICTS.at(field=project.field).write(
                ws, table, inputs=[LEDGER], server=connection.url, project=project.project_id
            )
            reports.append(report)
    return reports
