"""The study ledger (`annotation/ledger.sqlite`): what was sent where, and every judgement that came back.

Blindness lives here: task data on the server carries only what a curator needs, while the
pair's provenance (link types, scores, flags, overlap/control) stays in `pairs.provenance`.
Label Studio numbers projects, tasks and annotations per server, and every desk has its own
server, so an id means something only with its desk (a batch's `annotator`). A server reuses the
ids of deleted tasks and annotations, so a task is known by its project too, and an annotation
by its creation time too.

`Ledger` is the one class over every table: the link-annotation batches, tasks and annotation
versions (`hw push`, `hw pull`), the desks' curator accounts, and the verification projects, tasks
and verdict versions of `hw verify` (`with_verification` and the `verification_*` methods). The
tables themselves are declared in `annotation.ledger_schema`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from annotation.ledger_schema import INSERT_VERSION, LABELLING, create_tables, create_verification_tables


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class PairRow:
    pair_id: str
    position: int
    record_a: str
    collection_a: str
    record_b: str
    collection_b: str
    provenance: dict


@dataclass(frozen=True)
class Project:
    batch_id: str
    annotator: str  # the desk whose server holds the project
    project_id: int
    server_url: str
    title: str
    lost_at: str | None = None  # when a pull found it gone from its server


@dataclass(frozen=True)
class VerificationProject:
    field: str
    server_url: str
    project_id: int
    title: str


class Ledger:
    """A thin, transactional wrapper around the ledger database."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)  # annotation/: the ledger, the desks' credentials and databases
        self.path = path
        fresh = not path.is_file()
        self.db = sqlite3.connect(path, isolation_level=None)
        if fresh:
            path.chmod(0o600)  # scores, strata, overlap and control flags: unblinding data
        self.db.execute("PRAGMA foreign_keys = ON")
        create_tables(self.db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- push -----------------------------------------------------------------------
    def register_project(
        self,
        batch_id: str,
        annotator: str,
        source_file: str,
        pairs: list[PairRow],
        project: Project,
        round: int = 1,
        kind: str = LABELLING,
    ) -> None:
        """Record a batch (its round and kind), its pairs and its new project in one transaction."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO batches (batch_id, annotator, source_file, n_pairs, registered_at, round, kind) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (batch_id, annotator, source_file, len(pairs), now(), round, kind),
            )
            db.executemany(
                "INSERT OR IGNORE INTO pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        batch_id,
                        p.pair_id,
                        p.position,
                        p.record_a,
                        p.collection_a,
                        p.record_b,
                        p.collection_b,
                        json.dumps(p.provenance, sort_keys=True),
                    )
                    for p in pairs
                ],
            )
            db.execute(
                "INSERT INTO projects (batch_id, server_url, project_id, title, created_at) VALUES (?, ?, ?, ?, ?)",
                (batch_id, project.server_url, project.project_id, project.title, now()),
            )

    _PROJECT = (
        "SELECT p.batch_id, b.annotator, p.project_id, p.server_url, p.title, p.lost_at FROM projects p "
        "JOIN batches b USING (batch_id)"
    )

    def project(self, batch_id: str) -> Project | None:
        row = self.db.execute(f"{self._PROJECT} WHERE batch_id = ?", (batch_id,)).fetchone()
        return Project(*row) if row else None

    def projects(self) -> list[Project]:
        rows = self.db.execute(f"{self._PROJECT} ORDER BY b.annotator, p.batch_id").fetchall()
        return [Project(*row) for row in rows]

    def mark_lost(self, batch_id: str, when: str) -> None:
        """A pull found the batch's project gone: what was pulled stays; `push --recreate` replaces it."""
        with self.transaction() as db:
            db.execute("UPDATE projects SET lost_at = ? WHERE batch_id = ? AND lost_at IS NULL", (when, batch_id))

    def mark_pulled(self, batch_id: str, when: str) -> None:
        """The project was exported by the pull at `when` (and so is on its server, even after a restore)."""
        with self.transaction() as db:
            db.execute("UPDATE projects SET lost_at = NULL, pulled_at = ? WHERE batch_id = ?", (when, batch_id))

    def pulled_at(self, batch_id: str) -> str | None:
        row = self.db.execute("SELECT pulled_at FROM projects WHERE batch_id = ?", (batch_id,)).fetchone()
        return row[0] if row else None

    def replace_project(self, batch_id: str, project: Project, keep_pairs: set[str]) -> None:
        """A recreated project takes the lost one's place; tasks of `keep_pairs` (already labelled) keep
        their old ids, every other task will be imported anew. Open drafts of the lost project close."""
        with self.transaction() as db:
            db.execute(
                "UPDATE annotations SET status = 'draft-closed' WHERE kind = 'draft' AND status = 'draft' "
                "AND batch_id = ?",
                (batch_id,),
            )
            db.execute(
                "UPDATE projects SET project_id = ?, server_url = ?, title = ?, lost_at = NULL, created_at = ? "
                "WHERE batch_id = ?",
                (project.project_id, project.server_url, project.title, now(), batch_id),
            )
            tasks = db.execute("SELECT pair_id FROM tasks WHERE batch_id = ?", (batch_id,)).fetchall()
            db.executemany(
                "DELETE FROM tasks WHERE batch_id = ? AND pair_id = ?",
                [(batch_id, pair_id) for (pair_id,) in tasks if pair_id not in keep_pairs],
            )

    # -- accounts -------------------------------------------------------------------
    def add_account(self, desk: str, user_id: int, email: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO accounts VALUES (?, ?, ?, ?)", (desk, user_id, email, now()))

    def accounts(self) -> dict[str, set[str]]:
        """desk → the emails of its curator accounts (the only authors whose labels count there)."""
        found: dict[str, set[str]] = {}
        for desk, email in self.db.execute("SELECT desk, email FROM accounts"):
            found.setdefault(desk, set()).add(email)
        return found

    def record_tasks(self, batch_id: str, project_id: int, task_ids: Iterable[tuple[str, int]]) -> None:
        """Record created tasks (pair_id, task_id) of one import in one transaction."""
        stamp = now()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO tasks (batch_id, pair_id, project_id, task_id, created_at) VALUES (?, ?, ?, ?, ?)",
                [(batch_id, pair_id, project_id, task_id, stamp) for pair_id, task_id in task_ids],
            )

    def batches_of(self, kind: str, annotator: str) -> list[tuple[str, str, int]]:
        """(batch_id, source_file, round) of an annotator's batches of one kind, in registration order."""
        rows = self.db.execute(
            "SELECT batch_id, source_file, round FROM batches WHERE kind = ? AND annotator = ? ORDER BY registered_at",
            (kind, annotator),
        )
        return rows.fetchall()

    def pair_rows(self, batch_id: str) -> list[PairRow]:
        rows = self.db.execute(
            "SELECT pair_id, position, record_a, collection_a, record_b, collection_b, provenance FROM pairs "
            "WHERE batch_id = ? ORDER BY position",
            (batch_id,),
        )
        return [
            PairRow(pair_id, position, record_a, collection_a, record_b, collection_b, json.loads(provenance))
            for pair_id, position, record_a, collection_a, record_b, collection_b, provenance in rows
        ]

    def pairs_of_kind(self, kind: str) -> dict[str, tuple[str, str, str, str]]:
        """pair_id → (record_a, collection_a, record_b, collection_b) of every pair in a batch of that kind."""
        rows = self.db.execute(
            "SELECT p.pair_id, p.record_a, p.collection_a, p.record_b, p.collection_b FROM pairs p "
            "JOIN batches b USING (batch_id) WHERE b.kind = ?",
            (kind,),
        )
        return {pair_id: tuple(rest) for pair_id, *rest in rows}

    def pair_ids(self, batch_id: str) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT pair_id FROM pairs WHERE batch_id = ?", (batch_id,))}

    def task_pairs(self, batch_id: str, project_id: int | None = None) -> dict[str, int]:
        """pair_id → task id of the batch's tasks (only those in `project_id`: after `push --recreate`,
        the labelled pairs keep their task in the lost project)."""
        if project_id is None:
            rows = self.db.execute("SELECT pair_id, task_id FROM tasks WHERE batch_id = ?", (batch_id,))
        else:
            rows = self.db.execute(
                "SELECT pair_id, task_id FROM tasks WHERE batch_id = ? AND project_id = ?", (batch_id, project_id)
            )
        return dict(rows.fetchall())

    def task_index(self, batch_id: str, project_id: int) -> dict[int, tuple[str, str, str]]:
        """task id → (batch_id, pair_id, annotator) for every task the ledger knows in this project."""
        rows = self.db.execute(
            "SELECT t.task_id, t.batch_id, t.pair_id, b.annotator FROM tasks t JOIN batches b USING (batch_id) "
            "WHERE t.batch_id = ? AND t.project_id = ?",
            (batch_id, project_id),
        )
        return {task_id: (batch_id, pair_id, annotator) for task_id, batch_id, pair_id, annotator in rows}

    # -- pull -----------------------------------------------------------------------
    def insert_new(self, statement: str, rows: list[dict]) -> int:
        """Run an `INSERT OR IGNORE` for every row in one transaction; returns how many rows were new."""
        before = self.db.total_changes
        with self.transaction() as db:
            db.executemany(statement, rows)
        return self.db.total_changes - before

    def add_annotation_versions(self, rows: list[dict]) -> int:
        """Insert annotation/draft versions not seen before; returns how many were new."""
        return self.insert_new(INSERT_VERSION, rows)

    def withdraw(self, live_ids: set[tuple[int, str]], exported: set[tuple[str, int]], when: str) -> int:
        """Annotations pulled from these just exported (batch, project)s that the server no longer has
        get a `withdrawn` version stamped `when`; returns how many this pull withdrew. Annotations of a
        project that was lost (and replaced by `push --recreate`) stay as they were pulled."""
        with self.transaction() as db:
            rows = db.execute(
                "SELECT * FROM annotations a WHERE kind = 'annotation' AND status != 'withdrawn' "
                "AND batch_id || '/' || project_id IN (SELECT value FROM json_each(?)) AND updated_at = "
                "(SELECT MAX(updated_at) FROM annotations b WHERE b.annotator = a.annotator AND b.kind = a.kind "
                "AND b.ls_id = a.ls_id AND b.created_at = a.created_at)",
                (json.dumps(sorted(f"{batch}/{project}" for batch, project in exported)),),
            )
            names = [column[0] for column in rows.description]
            gone = [
                dict(zip(names, row)) | {"status": "withdrawn", "updated_at": when, "pulled_at": when}
                for row in rows.fetchall()
            ]
            gone = [row for row in gone if (row["ls_id"], row["created_at"]) not in live_ids]
            db.executemany(INSERT_VERSION, gone)
        return len(gone)

    def retire_drafts(self, live_draft_ids: set[int], pulled_batches: set[str]) -> None:
        """Drafts of these batches that vanished from the server (submitted or discarded) are no longer pending."""
        with self.transaction() as db:
            current = db.execute(
                "SELECT ls_id, batch_id FROM annotations WHERE kind = 'draft' AND status = 'draft'"
            ).fetchall()
            gone = [
                (ls_id, batch_id)
                for ls_id, batch_id in current
                if batch_id in pulled_batches and ls_id not in live_draft_ids
            ]
            db.executemany(
                "UPDATE annotations SET status = 'draft-closed' WHERE kind = 'draft' AND ls_id = ? AND batch_id = ?",
                gone,
            )

    def annotation_rows(self) -> list[dict]:
        """Every annotation version, with its batch's round and kind."""
        cursor = self.db.execute(
            "SELECT a.*, b.round, b.kind AS batch_kind FROM annotations a JOIN batches b USING (batch_id) "
            "ORDER BY a.batch_id, a.pair_id, a.created_at, a.ls_id, a.updated_at"
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def record_pull(self, server_url: str, report: dict) -> None:
        with self.transaction() as db:
            db.execute("INSERT INTO pulls VALUES (?, ?, ?)", (now(), server_url, json.dumps(report, sort_keys=True)))

    def batch_sizes(self) -> dict[str, tuple[str, int]]:
        rows = self.db.execute("SELECT batch_id, annotator, n_pairs FROM batches")
        return {batch_id: (annotator, n) for batch_id, annotator, n in rows}

    def batch_rounds(self) -> dict[str, tuple[int, str]]:
        """batch_id → (round, kind)."""
        return {
            batch_id: (r, kind) for batch_id, r, kind in self.db.execute("SELECT batch_id, round, kind FROM batches")
        }

    # -- verification (`hw verify push|pull`) ---------------------------------------------------
    def with_verification(self) -> Ledger:
        """The ledger with the verification tables created (idempotent)."""
        create_verification_tables(self.db)
        return self

    def verification_project(self, field: str) -> VerificationProject | None:
        row = self.db.execute(
            "SELECT field, server_url, project_id, title FROM verification_projects WHERE field = ?", (field,)
        ).fetchone()
        return VerificationProject(*row) if row else None

    def verification_projects(self) -> list[VerificationProject]:
        rows = self.db.execute("SELECT field, server_url, project_id, title FROM verification_projects ORDER BY field")
        return [VerificationProject(*row) for row in rows.fetchall()]

    def register_verification_project(self, created: VerificationProject) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO verification_projects VALUES (?, ?, ?, ?, ?)",
                (created.field, created.server_url, created.project_id, created.title, now()),
            )

    def record_verification_tasks(
        self, field: str, project_id: int, tasks: list[tuple[str, str, str, float, int]]
    ) -> None:
        """Record created tasks, each (collection, record_id, proposed, probability, task_id), in one transaction."""
        stamp = now()
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO verification_tasks VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(field, c, r, project_id, task_id, value, p, stamp) for c, r, value, p, task_id in tasks],
            )

    def verification_tasks(self, field: str) -> dict[tuple[str, str], int]:
        """(collection, record_id) → task id of the field's tasks."""
        rows = self.db.execute(
            "SELECT collection, record_id, task_id FROM verification_tasks WHERE field = ?", (field,)
        ).fetchall()
        return {(collection, record_id): task_id for collection, record_id, task_id in rows}

    def add_verdict_versions(self, rows: list[dict]) -> int:
        """Insert verdict versions not seen before; returns how many were new."""
        return self.insert_new(
            "INSERT OR IGNORE INTO verdicts VALUES (:ls_id, :updated_at, :task_id, :curator, :verdict, "
            ":correction, :created_at, :pulled_at)",
            rows,
        )

    def verdict_rows(self, field: str) -> list[dict]:
        """Every verdict version of the field's tasks, with the task's record and proposal."""
        cursor = self.db.execute(
            "SELECT t.field, t.collection, t.record_id, t.proposed, t.probability, v.* FROM verdicts v "
            "JOIN verification_tasks t USING (task_id) WHERE t.field = ? ORDER BY v.ls_id, v.updated_at",
            (field,),
        )
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
