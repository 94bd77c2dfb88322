"""Reading the stage's inputs and writing its tables (Parquet and CSV side by side)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa

from heritage_weaver.atomic import atomic_path, write_table
from heritage_weaver.workspace import Workspace

LABEL_COLUMNS = ("annotation_id", "pair_id", "annotator", "label", "status", "is_latest")
BATCH_COLUMNS = ("pair_id", "annotator", "record_a", "record_b", "link_types", "is_control")


class MissingInput(RuntimeError):
    """An input artifact is absent or lacks columns; the message says which and what makes it."""


def read_table(ws: Workspace, relative: str, required: Iterable[str] = (), made_by: str = "") -> pd.DataFrame:
    path = ws.path(relative)
    if not path.is_file():
        hint = f" (run `{made_by}` first)" if made_by else ""
        raise MissingInput(f"{relative} is missing{hint}")
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as error:
        raise MissingInput(f"{relative} cannot be read as Parquet: {error}") from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise MissingInput(f"{relative} lacks the column(s) {missing}")
    return frame


def batch_files(ws: Workspace) -> list[Path]:
    return sorted(ws.path("sampler", "batches").glob("*.parquet"))


def read_batches(ws: Workspace) -> pd.DataFrame:
    files = batch_files(ws)
    if not files:
        raise MissingInput("sampler/batches/*.parquet is missing (run `hw sample` first)")
    return pd.concat(
        [read_table(ws, ws.relative(path), BATCH_COLUMNS, "hw sample") for path in files], ignore_index=True
    )


def write_result(ws: Workspace, name: str, frame: pd.DataFrame, verb: str, inputs: Iterable[Path | str], sections: Iterable[str], **details: object) -> Path:
    """Write `analysis/<name>.parquet` and `.csv` and note both in the manifest."""
    parquet = ws.path("analysis", f"{name}.parquet")
    csv = ws.path("analysis", f"{name}.csv")
    write_table(parquet, frame)
    with atomic_path(csv) as temporary:
        frame.to_csv(temporary, index=False)
    inputs, sections = list(inputs), list(sections)
    for path in (parquet, csv):
        ws.record(path, verb, inputs=inputs, config_sections=sections, **details)
    return parquet
