"""Cells of the CSV files people open in a spreadsheet.

Ids, employer names and notes come from uploaded files. A text cell starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a
formula by Excel or LibreOffice (``=HYPERLINK(…)`` sends a click elsewhere), so
such a cell is written with a leading apostrophe, which spreadsheets show as
text. Numbers are written as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: object) -> object:
    """``value``, with an apostrophe before text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def text_column(values: list[str]) -> list[object]:
    """``text_cell`` of each text in a column, at once."""
    return [("'" + value) if value.startswith(FORMULA_STARTS) else value for value in values]


def text_cells(rows: Iterable[Sequence[object]]) -> list[list[object]]:
    return [[text_cell(value) for value in row] for row in rows]


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell made safe (for ``DataFrame.to_csv``)."""
    return frame.map(text_cell)
