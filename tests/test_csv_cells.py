"""Text a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

import pandas as pd

from matcher.csv_cells import text_cell, text_cells, text_frame


def test_formula_text_gets_an_apostrophe_and_other_values_stay() -> None:
    for formula in ('=HYPERLINK("http://x","klik")', "+1+1", "-2+3", "@SUM(A1)", "\t=1",
                    "\r=1"):
        assert text_cell(formula) == "'" + formula
    for plain in ("S01", "W-01", "bakker", "", "1=1"):
        assert text_cell(plain) == plain
    assert text_cell(-3) == -3 and text_cell(2.5) == 2.5  # numbers are numbers


def test_rows_and_frames() -> None:
    assert text_cells([["=1", 4], ["a", "@b"]]) == [["'=1", 4], ["a", "'@b"]]
    frame = text_frame(pd.DataFrame({"id": ["=A1", "S1"], "n": [-1, 2]}))
    assert frame["id"].tolist() == ["'=A1", "S1"] and frame["n"].tolist() == [-1, 2]
