"""Read one table (CSV, .xlsx first sheet, .parquet, or inline records) as text cells.

Every cell becomes a string ("" when empty) so that one validator serves every
format and no value is silently reinterpreted by a reader's type guessing.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher.io.errors import Problem

SUPPORTED_SUFFIXES = (".csv", ".xlsx", ".parquet")


def cell_text(value: Any) -> str:
    """A cell as the text a spreadsheet user typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, pd.Timestamp | dt.datetime):
        if value is pd.NaT:
            return ""
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | np.ndarray):
        # parquet list<string> cells arrive as numpy arrays
        return ";".join(cell_text(v) for v in value)
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _as_text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    text = {str(col): [cell_text(v) for v in frame[col].tolist()] for col in frame.columns}
    return pd.DataFrame(text, columns=[str(c) for c in frame.columns], dtype=object)


def _duplicate_columns(columns: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    duplicates: list[str] = []
    for name in columns:
        if not name.strip():
            continue  # unnamed columns are handled by _drop_unnamed
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    return duplicates


def read_table_file(path: Path, label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read ``path`` into a frame of strings, or report why it cannot be read."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        return None, [Problem(label, f"unsupported file type {suffix or '(none)'}; "
                             "use .csv, .xlsx or .parquet")]
    if not path.is_file():
        return None, [Problem(label, "file not found")]
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                header = next(csv.reader(handle), None)
            if header is None:
                return None, [Problem(label, "the file is empty; a header row is required")]
            duplicates = _duplicate_columns(header)
            if duplicates:
                return None, [Problem(label, f"column {name!r} appears more than once", row=1)
                              for name in duplicates]
            frame = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                skip_blank_lines=False,
            )
            return _numbered(frame.astype(object)), []
        if suffix == ".xlsx":
            frame = pd.read_excel(path, sheet_name=0, dtype=object, engine="openpyxl")
        else:
            frame = pd.read_parquet(path)
    except UnicodeDecodeError:
        return None, [Problem(label, "the file is not UTF-8 text; save it as CSV UTF-8")]
    except pd.errors.ParserError as exc:
        ragged = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if ragged:
            expected, line, seen = (int(g) for g in ragged.groups())
            return None, [Problem(label, f"this row has {seen} cells but the header has "
                                  f"{expected} columns; put quotes around a value that "
                                  "contains a comma", row=line)]
        return None, [Problem(label, f"cannot be read as CSV: {exc}")]
    except pd.errors.EmptyDataError:
        return None, [Problem(label, "the file is empty; a header row is required")]
    except Exception as exc:  # a corrupt workbook or parquet file is a user mistake
        return None, [Problem(label, f"cannot be read as {suffix[1:]}: {exc}")]
    duplicates = _duplicate_columns([str(c) for c in frame.columns])
    if duplicates:
        return None, [Problem(label, f"column {name!r} appears more than once", row=1)
                      for name in duplicates]
    return _numbered(_as_text_frame(frame)), []


def _numbered(frame: pd.DataFrame) -> pd.DataFrame:
    """Index rows by their spreadsheet row number (header = 1) and drop blank rows.

    Columns without a name and without values (trailing commas a spreadsheet
    export sometimes adds) are dropped; they hold nothing to lose.
    """
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    unnamed = [c for c in frame.columns
               if (not str(c).strip() or str(c).startswith("Unnamed: "))
               and frame[c].map(lambda v: str(v).strip() == "").all()]
    frame = frame.drop(columns=unnamed)
    if len(frame.columns) == 0:
        return frame
    # A row is blank when its cells joined hold only whitespace (one string per
    # row: far cheaper than testing each of millions of cells).
    joined = pd.Series(frame.to_numpy(dtype=object).sum(axis=1), index=frame.index)
    blank = joined.astype(str).str.strip() == ""
    return frame.loc[~blank.to_numpy()]


def inline_table(records: Any, label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Tables inlined in a scenario document, as a list of records."""
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return None, [Problem(label, "an inline table must be a list of records")]
    columns: list[str] = []
    for record in records:
        for key in record:
            if str(key) not in columns:
                columns.append(str(key))
    data = {c: [cell_text(r.get(c)) for r in records] for c in columns}
    return _numbered(pd.DataFrame(data, columns=columns, dtype=object)), []
