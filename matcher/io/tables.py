"""Read one table (CSV, .xlsx first sheet, .parquet, or inline records) as text cells.

Every cell becomes a string ("" when empty) so that one validator serves every
format and no value is silently reinterpreted by a reader's type guessing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matcher.io.errors import Problem
from matcher.messages import Message
from models.tables import TableSpec

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


def read_table_file(
    path: Path, label: str, spec: TableSpec | None = None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read ``path`` into a frame of strings, or report why it cannot be read.

    ``spec`` names the table's columns: it lets a CSV's delimiter be recognised
    from its header and its decimal commas be read in numeric columns.
    """
    problem = _unsupported(path.suffix.lower(), label)
    if problem is not None:
        return None, [problem]
    if not path.is_file():
        return None, [Problem(label, Message("io.file_not_found"))]
    return read_table_content(path.read_bytes(), path.suffix, label, spec)


def _unsupported(suffix: str, label: str) -> Problem | None:
    if suffix in SUPPORTED_SUFFIXES:
        return None
    return Problem(label, Message("io.unsupported_file_type", suffix=suffix)
                   if suffix else Message("io.file_without_type"))


def read_table_content(
    content: bytes, suffix: str, label: str, spec: TableSpec | None = None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A table file's bytes (``suffix``: its type, such as ``.csv``) as a frame of strings,
    as ``read_table_file`` reads it from disk."""
    suffix = suffix.lower()
    problem = _unsupported(suffix, label)
    if problem is not None:
        return None, [problem]
    if suffix == ".csv":
        return _read_csv(content, label, spec)
    try:
        if suffix == ".xlsx":
            frame = pd.read_excel(io.BytesIO(content), sheet_name=0, dtype=object,
                                  engine="openpyxl")
        else:
            frame = pd.read_parquet(io.BytesIO(content))
    except Exception as exc:  # a corrupt workbook or parquet file is a user mistake
        return None, [Problem(label, Message("io.unreadable_file", kind=suffix[1:],
                                               error=str(exc)))]
    return _text_table(frame, label)


def _text_table(frame: pd.DataFrame, label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    duplicates = _duplicate_columns([str(c) for c in frame.columns])
    if duplicates:
        return None, [Problem(label, Message("io.duplicate_column", column=name), row=1)
                      for name in duplicates]
    return _numbered(_as_text_frame(frame)), []


def sheet_table(rows: Sequence[Sequence[Any]], label: str
                ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A sheet's rows of cell values (the first one the header, blank rows included so the
    numbers stay the sheet's) as a frame of strings, as an .xlsx table file reads: short
    rows are filled with empty cells, cells beyond the header get an unnamed column."""
    if not any(cell_text(value).strip() for row in rows for value in row):
        return None, [Problem(label, Message("io.file_empty"))]
    header = [cell_text(value) for value in rows[0]]
    if not any(name.strip() for name in header):
        return None, [Problem(label, Message("io.header_empty"), row=1)]
    width = max(len(row) for row in rows)
    names = [name if name.strip() else f"Unnamed: {i}"
             for i, name in enumerate(header + [""] * (width - len(header)))]
    cells = [list(row) + [None] * (width - len(row)) for row in rows[1:]]
    return _text_table(pd.DataFrame(cells, columns=names, dtype=object), label)


# CSV as spreadsheets save it (contract: "Additions within version 1").
DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "io.delimiter_comma", ";": "io.delimiter_semicolon",
                    "\t": "io.delimiter_tab"}
HEADER_CHARS = 1 << 16
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A number written with a decimal comma (50,93 or ,5), as Belgian Excel saves it.
_DECIMAL_COMMA = r"\s*[+-]?(?:\d+,\d*|,\d+)(?:[eE][+-]?\d+)?\s*"
# One message per way a file can fail, each saying how to fix it (saving as .xlsx
# always works).
NOT_TEXT = "io.not_text"
NOT_ENCODED = "io.not_encoded"


def _read_csv(
    content: bytes, label: str, spec: TableSpec | None
) -> tuple[pd.DataFrame | None, list[Problem]]:
    text, problem = _decoded(content, label)
    if text is None:
        assert problem is not None
        return None, [problem]
    if not text.strip():
        return None, [Problem(label, Message("io.file_empty"))]
    known = {c.name for c in spec.columns} if spec is not None else set()
    delimiter, header = _delimiter_and_header(text, known)
    if not header:
        return None, [Problem(label, Message("io.header_empty"), row=1)]
    if len(header) == 1 and header[0] not in known and spec is not None:
        # Other columns are not "missing": they cannot be told apart. One message,
        # not one per required column and their follow-ups.
        return None, [Problem(label, Message("io.columns_not_separated", header=header[0]),
                              row=1)]
    try:
        # header=None: a first record with one cell too many is refused like any other
        # (with a header, pandas would quietly take its first cell as a row label)
        # dtype=object: Python strings straight from the parser (dtype=str would build
        # Arrow strings that the validator converts back, cell by cell)
        cells = pd.read_csv(io.StringIO(text, newline=""), sep=delimiter, dtype=object,
                            header=None, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.ParserError as exc:
        ragged = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if ragged:
            expected, line, seen = (int(g) for g in ragged.groups())
            return None, [Problem(label, Message(
                "io.ragged_row", seen=seen, expected=expected,
                delimiter=Message(_DELIMITER_NAMES[delimiter])), row=line)]
        return None, [Problem(label, Message("io.unreadable_csv", error=str(exc)))]
    except pd.errors.EmptyDataError:
        return None, [Problem(label, Message("io.file_empty"))]
    header = [str(name) for name in cells.iloc[0]]  # as pandas split it
    duplicates = _duplicate_columns(header)
    if duplicates:
        return None, [Problem(label, Message("io.duplicate_column", column=name), row=1)
                      for name in duplicates]
    # a blank header cell is named as pandas names it, so blank columns stay distinct
    names = [name if name.strip() else f"Unnamed: {i}" for i, name in enumerate(header)]
    frame = pd.DataFrame(cells.iloc[1:].to_numpy(dtype=object), columns=names, dtype=object)
    if delimiter != "," and spec is not None:
        _read_decimal_commas(frame, spec)
    return _numbered(frame), []


def _decoded(content: bytes, label: str) -> tuple[str | None, Problem | None]:
    """The file's text: UTF-8 (a BOM is dropped), else Windows-1252 as a whole.

    The encoding is decided for the whole file, never per row. A file that is
    neither (UTF-16 "Unicode text", a workbook renamed to .csv, a byte that
    Windows-1252 leaves undefined) gets one message naming the first bad row.
    """
    if content.startswith(_UTF16_BOMS) or b"\x00" in content:
        return None, Problem(label, Message(NOT_TEXT))
    if content.startswith(_UTF8_BOM):
        try:
            return content[len(_UTF8_BOM):].decode("utf-8"), None
        except UnicodeDecodeError as exc:
            return None, Problem(label, Message(NOT_ENCODED), row=_line_of(content, exc.start))
    try:
        return content.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), None
    except UnicodeDecodeError as exc:
        return None, Problem(label, Message(NOT_ENCODED), row=_line_of(content, exc.start))


def _line_of(content: bytes, offset: int) -> int:
    """Line number (1 = header) of a byte offset; a line ends with \n or \r\n (or with
    \r alone, as old Mac spreadsheets write)."""
    end = b"\n" if b"\n" in content else b"\r"
    return content.count(end, 0, offset) + 1


def _delimiter_and_header(text: str, known: set[str]) -> tuple[str, list[str]]:
    """The delimiter of the whole file, judged on its header row.

    A header holds the contract's column names, never numbers or lists, so the
    delimiter is the candidate that splits it into the most known columns (then
    into the most cells; ties go to ',' before ';' before tab). Unlike
    character statistics over sample rows (csv.Sniffer), this cannot be swayed
    by what the data rows hold (decimal commas, lists, commas in names).
    """
    best: tuple[tuple[int, int, int], str, list[str]] | None = None
    start = text[:HEADER_CHARS]  # the header row is within; no need to copy a large file
    for order, delimiter in enumerate(DELIMITERS):
        header = next(csv.reader(io.StringIO(start, newline=""), delimiter=delimiter), [])
        score = (sum(name in known for name in header), len(header), -order)
        if best is None or score > best[0]:
            best = (score, delimiter, header)
    assert best is not None
    return best[1], best[2]


def _read_decimal_commas(frame: pd.DataFrame, spec: TableSpec) -> None:
    """In a ';' or tab file, numeric cells may use a decimal comma: read 50,93 as 50.93."""
    for column in spec.columns:
        if column.kind not in ("int", "float") or column.name not in frame.columns:
            continue
        cells = frame[column.name].astype(str)
        comma = cells.str.fullmatch(_DECIMAL_COMMA)
        if comma.any():
            frame.loc[comma, column.name] = cells[comma].str.replace(",", ".", regex=False)


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
    # A row is blank when every cell holds only whitespace. Column by column, only
    # the rows still blank so far are looked at: after the first column (an id,
    # filled in) hardly any are left, so millions of cells are never touched.
    blank = np.arange(len(frame))
    for column in frame.columns:
        if not len(blank):
            break
        blank = blank[_blank(frame[column].to_numpy(dtype=object)[blank])]
    if not len(blank):
        return frame
    kept = np.ones(len(frame), dtype=bool)
    kept[blank] = False
    return frame.loc[kept]


_IS_SPACE = np.frompyfunc(str.isspace, 1, 1)


def _blank(cells: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Whether each cell holds only whitespace (or nothing)."""
    try:
        spaces = np.asarray(_IS_SPACE(cells), dtype=bool)
    except TypeError:  # a cell that is not text
        return np.fromiter((str(cell).strip() == "" for cell in cells), dtype=bool,
                           count=len(cells))
    blank: np.ndarray[Any, np.dtype[np.bool_]] = np.asarray(cells == "", dtype=bool) | spaces
    return blank


def inline_table(records: Any, label: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Tables inlined in a scenario document, as a list of records."""
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return None, [Problem(label, Message("io.inline_not_records"))]
    columns: list[str] = []
    for record in records:
        for key in record:
            if str(key) not in columns:
                columns.append(str(key))
    data = {c: [cell_text(r.get(c)) for r in records] for c in columns}
    return _numbered(pd.DataFrame(data, columns=columns, dtype=object)), []
