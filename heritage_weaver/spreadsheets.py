"""CSV files that people open in a spreadsheet: no cell is read as a formula.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and, after a tab or a carriage
return, one that only seems to start otherwise) as a formula. Every text cell and header that starts
so gets a leading `'` (the OWASP advice), which spreadsheets show as text; control characters are
written as escapes (`heritage_weaver.text_safety.visible`). Numbers stay numbers: a negative figure
is written as it is. Parquet and RDF files keep the exact values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from heritage_weaver.atomic import atomic_path
from heritage_weaver.text_safety import visible

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """`text` as a spreadsheet cell shows it as text: `'` before a formula's first character,
    control characters as escapes."""
    return visible("'" + text if text.startswith(FORMULA_STARTS) else text)


def _cell(value: object) -> object:
    return neutralise(value) if isinstance(value, str) else value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell and header `neutralise`d; other cells as they are."""
    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
    cells = [column.map(_cell) if not pd.api.types.is_numeric_dtype(column) else column for column in columns]
    safe = pd.concat(cells, axis=1) if cells else frame.copy()
    safe.columns = [_cell(name) for name in frame.columns]
    return safe


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write `frame` as CSV (no index) atomically, every text cell and header `neutralise`d."""
    with atomic_path(path) as temporary:
        neutralised(frame).to_csv(temporary, index=False)
