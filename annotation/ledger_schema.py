"""The study ledger's tables (`annotation/ledger.sqlite`): their declarations, the columns later
versions added to a ledger written before them, and the statement that adds an annotation version.

`annotation.ledger.Ledger` reads and writes them; this module only says what they are and brings
an existing ledger up to date (`create_tables`, `create_verification_tables`).
"""

from __future__ import annotations

import sqlite3

LABELLING, ADJUDICATION = "labelling", "adjudication"  # the kinds of batch

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id TEXT PRIMARY KEY,
    annotator TEXT NOT NULL,
    source_file TEXT NOT NULL,
    n_pairs INTEGER NOT NULL,
    registered_at TEXT NOT NULL,
    round INTEGER NOT NULL DEFAULT 1,      -- the labelling round (0 for an adjudication batch)
    kind TEXT NOT NULL DEFAULT 'labelling' -- 'labelling' or 'adjudication'
);
CREATE TABLE IF NOT EXISTS pairs (
    batch_id TEXT NOT NULL REFERENCES batches(batch_id),
    pair_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    record_a TEXT NOT NULL,
    collection_a TEXT NOT NULL,
    record_b TEXT NOT NULL,
    collection_b TEXT NOT NULL,
    provenance TEXT NOT NULL,
    PRIMARY KEY (batch_id, pair_id)
);
CREATE TABLE IF NOT EXISTS projects (
    batch_id TEXT PRIMARY KEY REFERENCES batches(batch_id),
    server_url TEXT NOT NULL,
    project_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    batch_id TEXT NOT NULL,
    pair_id TEXT NOT NULL,
    project_id INTEGER NOT NULL,
    task_id INTEGER NOT NULL,         -- unique on its desk's server
    created_at TEXT NOT NULL,
    PRIMARY KEY (batch_id, pair_id),
    FOREIGN KEY (batch_id, pair_id) REFERENCES pairs(batch_id, pair_id)
);
CREATE TABLE IF NOT EXISTS annotations (
    kind TEXT NOT NULL,               -- 'annotation' or 'draft' (Label Studio keeps them apart)
    ls_id INTEGER NOT NULL,
    updated_at TEXT NOT NULL,         -- one row per version: an edited annotation adds a row
    task_id INTEGER NOT NULL,
    batch_id TEXT NOT NULL,
    pair_id TEXT NOT NULL,
    annotator TEXT NOT NULL,
    ls_user TEXT,                     -- the account that created it (`completed_by`)
    status TEXT NOT NULL,             -- 'labelled', 'skipped', 'draft', 'withdrawn' (deleted on the server)
    label TEXT,
    comment TEXT,
    created_at TEXT NOT NULL,
    lead_time REAL,
    pulled_at TEXT NOT NULL,
    PRIMARY KEY (annotator, kind, ls_id, updated_at)
);
CREATE TABLE IF NOT EXISTS accounts (  -- the curator accounts of each desk: only they write its labels
    desk TEXT NOT NULL,
    user_id INTEGER NOT NULL,         -- the account's id on the desk's own server
    email TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (desk, user_id)
);
CREATE TABLE IF NOT EXISTS pulls (
    pulled_at TEXT PRIMARY KEY,
    server_url TEXT NOT NULL,
    report TEXT NOT NULL
);
"""
# `hw verify`: one project per predicted field, one task per record with a proposal, every verdict
# version. Apart from the link-annotation tables (`hw pull` and `hw annotation status` never see a
# verification project), and created only by the verbs that use them (`Ledger.with_verification`).
VERIFICATION_SCHEMA = """
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

# Columns later versions added to an existing ledger: (table, column, declaration).
ADDED_COLUMNS = (
    ("batches", "round", "INTEGER NOT NULL DEFAULT 1"),
    ("batches", "kind", f"TEXT NOT NULL DEFAULT '{LABELLING}'"),
    ("annotations", "author", "TEXT"),  # the account that wrote this version (`updated_by`, else `completed_by`)
    ("projects", "lost_at", "TEXT"),  # when a pull found the project gone from its server
    ("projects", "pulled_at", "TEXT"),  # the last pull that exported it
    ("annotations", "project_id", "INTEGER"),  # the project it was pulled from
)
ANNOTATION_FIELDS = (
    "kind", "ls_id", "updated_at", "task_id", "batch_id", "pair_id", "annotator", "ls_user", "status", "label",
    "comment", "created_at", "lead_time", "pulled_at", "author", "project_id",
)  # fmt: skip
INSERT_VERSION = (
    f"INSERT OR IGNORE INTO annotations ({', '.join(ANNOTATION_FIELDS)}) "
    f"VALUES ({', '.join(':' + name for name in ANNOTATION_FIELDS)})"
)


def create_tables(db: sqlite3.Connection) -> None:
    """The link-annotation tables, with every column a later version added (a ledger written before rounds existed)."""
    db.executescript(SCHEMA)
    for table, column, declaration in ADDED_COLUMNS:
        if column not in {row[1] for row in db.execute(f"PRAGMA table_info({table})")}:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def create_verification_tables(db: sqlite3.Connection) -> None:
    """The tables of `hw verify` (idempotent)."""
    db.executescript(VERIFICATION_SCHEMA)
