"""CSV files a person opens: no cell read as a formula, no control character written raw; numbers as numbers."""

import csv

import numpy as np
import pandas as pd

from heritage_weaver.spreadsheets import FORMULA_STARTS, neutralise, write_csv


def test_cells_and_headers_that_start_a_formula_are_quoted(tmp_path):
    frame = pd.DataFrame(
        {
            '=HYPERLINK("http://x") telegraph key': ['=HYPERLINK("http://x")', "+1+1+co8600249", "@SUM(A1)", "-2"],
            "other": ["\tx", "\r=1", "plain", "a\x1b[2Jb\x00"],
            "score": [-0.5, np.nan, 1.0, 2.0],
            "count": [-1, 2, 3, 4],
        }
    )
    write_csv(frame, tmp_path / "t.csv")
    with (tmp_path / "t.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    cells = [cell for row in rows for cell in row]
    assert rows[0][0] == '\'=HYPERLINK("http://x") telegraph key'
    assert [row[0] for row in rows[1:]] == ['\'=HYPERLINK("http://x")', "'+1+1+co8600249", "'@SUM(A1)", "'-2"]
    assert [row[1] for row in rows[1:]] == ["'\tx", "'\\x0d=1", "plain", "a\\x1b[2Jb\\x00"]
    assert [row[2] for row in rows[1:]] == ["-0.5", "", "1.0", "2.0"] and rows[1][3] == "-1"
    assert not any(cell.startswith(FORMULA_STARTS) for cell in cells if not cell.lstrip("-").replace(".", "").isdigit())
    assert not any(ch in cell for cell in cells for ch in "\x1b\x00\x07")


def test_neutralise_leaves_text_alone():
    assert neutralise("Telephone, model 232") == "Telephone, model 232"
    assert neutralise("a = b") == "a = b"
