"""Every per-desk decision in one place: which desks a study has, and whose labels count at a desk.

A desk is one person's place of work: an annotator's (named as in `[sampling] annotators`), an
adjudicator's (named by `hw push --adjudication NAME`), or the verification desk of `hw verify`.
Each desk has its own Label Studio server (`annotation.server`), so a curator's account reaches
only that desk's projects, and its own curator accounts (`hw labelstudio invite`, kept in the
ledger's `accounts` table).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from heritage_weaver.workspace import Workspace

VERIFICATION_DESK = "verification"  # where `hw verify push` sends a field's proposals


def study_desks(workspace: Workspace, known: Iterable[str] = ()) -> list[str]:
    """The configured annotators, then every other desk already known (adjudicators, verification)."""
    annotators = list(workspace.config.sampling.annotators)
    return annotators + sorted(set(known) - set(annotators))


def split_by_author(history: list[dict], accounts: dict[str, set[str]]) -> tuple[list[dict], pd.DataFrame]:
    """Separate the annotation versions that count from those written by another account.

    An annotation (a server's id and its creation time: ids of deleted ones are reused) or draft
    counts for its desk only when the desk's own curator account wrote its
    latest version (`updated_by`, else `completed_by`; `author` in the ledger, `ls_user` for ledgers
    written before authors were kept). Every version of an annotation that does not count goes to the
    quarantine table (one row per annotation, its latest version), with who wrote it, when, and why.
    """
    latest: dict[tuple[str, str, int, str], dict] = {}
    for row in history:
        key = (row["annotator"], row["kind"], row["ls_id"], row["created_at"])
        if key not in latest or row["updated_at"] >= latest[key]["updated_at"]:
            latest[key] = row
    foreign = {key: row for key, row in latest.items() if _author(row) not in accounts.get(row["annotator"], set())}
    kept = [row for row in history if (row["annotator"], row["kind"], row["ls_id"], row["created_at"]) not in foreign]
    quarantined = pd.DataFrame(
        [
            {
                "annotation_id": f"{row['annotator']}/{row['kind']}/{row['ls_id']}",
                "pair_id": row["pair_id"],
                "annotator": row["annotator"],
                "author": _author(row) or "(unknown account)",
                "written_at": pd.Timestamp(row["updated_at"]),
                "label": row["label"],
                "status": row["status"],
                "reason": _reason(row, accounts),
            }
            for row in foreign.values()
        ],
        columns=QUARANTINE_COLUMNS,
    )
    quarantined["written_at"] = pd.to_datetime(quarantined["written_at"], utc=True, format="ISO8601")
    return kept, quarantined.sort_values(["annotator", "written_at"]).reset_index(drop=True)


QUARANTINE_COLUMNS = ("annotation_id", "pair_id", "annotator", "author", "written_at", "label", "status", "reason")


def _author(row: dict) -> str | None:
    return row.get("author") or row.get("ls_user")


def _reason(row: dict, accounts: dict[str, set[str]]) -> str:
    desk = row["annotator"]
    own = accounts.get(desk)
    if not own:
        return f"{desk} has no curator account yet (`hw labelstudio invite {desk}`); written by {_author(row)}"
    return f"last written by {_author(row)}, not by {desk}'s account ({', '.join(sorted(own))})"
