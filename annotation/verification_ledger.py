"""The verification projects' part of the study ledger: one project per predicted field, one task per
record with a proposal, and every version of every verdict that came back.

The tables live in `annotation/ledger.sqlite` beside the link-annotation tables, apart from them:
`hw pull` and `hw annotation status` never see a verification project.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotation.ledger import Ledger, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS verification_projects (
    field TEXT PRIMARY KEY,
    server_url TEXT NOT NULL,
    project_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS verification_tasks (
    field TEXT NOT NULL REFERENCES verification_projects(field),
    collection TEXT NOT NULL,
    record_id TEXT NOT NULL,
    project_id INTEGER NOT NULL,
    task_id INTEGER NOT NULL UNIQUE,
    proposed TEXT NOT NULL,           -- the value the task showed, with its probability
    probability REAL NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (field, collection, record_id)
);
CREATE TABLE IF NOT EXISTS verdicts (
    ls_id INTEGER NOT NULL,
    updated_at TEXT NOT NULL,         -- one row per version: an edited verdict adds a row
    task_id INTEGER NOT NULL REFERENCES verification_tasks(task_id),
    curator TEXT,
    verdict TEXT,                     -- accept, reject, correct, skipped (or what the server sent)
    correction TEXT,
    created_at TEXT NOT NULL,
    pulled_at TEXT NOT NULL,
    PRIMARY KEY (ls_id, updated_at)
);
"""


@dataclass(frozen=True)
class VerificationProject:
    field: str
    server_url: str
    project_id: int
    title: str


def open_ledger(ledger: Ledger) -> Ledger:
    """The ledger with the verification tables created (idempotent)."""
    ledger.db.executescript(SCHEMA)
    return ledger


def project(ledger: Ledger, field: str) -> VerificationProject | None:
    row = ledger.db.execute(
        "SELECT field, server_url, project_id, title FROM verification_projects WHERE field = ?", (field,)
    ).fetchone()
    return VerificationProject(*row) if row else None


def projects(ledger: Ledger) -> list[VerificationProject]:
    rows = ledger.db.execute("SELECT field, server_url, project_id, title FROM verification_projects ORDER BY field")
    return [VerificationProject(*row) for row in rows.fetchall()]


def register_project(ledger: Ledger, created: VerificationProject) -> None:
    with ledger.transaction() as db:
        db.execute(
            "INSERT INTO verification_projects VALUES (?, ?, ?, ?, ?)",
            (created.field, created.server_url, created.project_id, created.title, now()),
        )


def record_tasks(ledger: Ledger, field: str, project_id: int, tasks: list[tuple[str, str, str, float, int]]) -> None:
    """Record created tasks, each (collection, record_id, proposed, probability, task_id), in one transaction."""
    stamp = now()
    with ledger.transaction() as db:
        db.executemany(
            "INSERT INTO verification_tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(field, c, r, project_id, task_id, value, p, stamp) for c, r, value, p, task_id in tasks],
        )


def task_records(ledger: Ledger, field: str) -> dict[tuple[str, str], int]:
    """(collection, record_id) → task id of the field's tasks."""
    rows = ledger.db.execute(
        "SELECT collection, record_id, task_id FROM verification_tasks WHERE field = ?", (field,)
    ).fetchall()
    return {(collection, record_id): task_id for collection, record_id, task_id in rows}


def add_verdict_versions(ledger: Ledger, rows: list[dict]) -> int:
    """Insert verdict versions not seen before; returns how many were new."""
    return ledger.insert_new(
        "INSERT OR IGNORE INTO verdicts VALUES (:ls_id, :updated_at, :task_id, :curator, :verdict, "
        ":correction, :created_at, :pulled_at)",
        rows,
    )


def verdict_rows(ledger: Ledger, field: str) -> list[dict]:
    """Every verdict version of the field's tasks, with the task's record and proposal."""
    cursor = ledger.db.execute(
        "SELECT t.field, t.collection, t.record_id, t.proposed, t.probability, v.* FROM verdicts v "
        "JOIN verification_tasks t USING (task_id) WHERE t.field = ? ORDER BY v.ls_id, v.updated_at",
        (field,),
    )
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
