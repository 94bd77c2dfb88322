"""Helpers shared by the ingest tests of the museum formats: a study over a fixture folder, and the
reconciliation every adapter promises (rows read = accepted + rejected, values read = kept + dropped)."""

from __future__ import annotations

import shutil
from pathlib import Path

from heritage_weaver.workspace import Workspace


def fixture_study(folder: Path, fixtures: Path, collection: str) -> Workspace:
    """A study in `folder` with `fixtures` copied to `data/` and one `[[collections]]` block."""
    shutil.copytree(fixtures, folder / "data", dirs_exist_ok=True)
    (folder / "study.toml").write_text(
        f'[study]\nname = "t"\n[models]\nbase = "models/base"\n[[collections]]\n{collection}'
    )
    return Workspace.open(folder)


def records_by_id(result) -> dict[str, dict]:
    return {record["record_id"]: record for record in result.records.to_pylist()}


def dropped_of(result, record_id: str) -> list[tuple[str, str, str]]:
    """(field, value, reason) of every value dropped from one record."""
    return [(d["field"], d["value"], d["reason"]) for d in result.dropped.to_pylist() if d["record_id"] == record_id]


def assert_reconciles(result) -> None:
    """Rows read = accepted + rejected (a rejected row with several reasons counted once); per field,
    values read = kept + dropped, each dropped value listed once."""
    counts = result.counts[0]
    rejected = len({(r["source_file"], r["source_position"]) for r in result.rejects.to_pylist()})
    assert counts.rows == counts.accepted + counts.rejected == result.records.num_rows + rejected
    assert counts.values_read == counts.values_kept + counts.values_dropped
    assert counts.values_dropped + counts.values_changed == result.dropped.num_rows
    assert counts.images == sum(len(r["images"]) for r in result.records.to_pylist())
