"""Limits on how much of a table a reader may take in, checked while it reads.

A service must refuse a table too large for its memory before the table is
loaded, not after. The size that costs memory is the table's extent: its rows
times its widest row (a reader pads every row to that width), so a sheet with
one cell in column XFD per row is as large as one with 16,384 filled columns.
Files report their size in headers that can be wrong (an xlsx sheet's
``dimension``), so rows are counted as they are read and reading stops at the
first row beyond a limit.

The command line reads without limits (``None``); the service passes its own.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from matcher.io.errors import Problem, ScenarioError
from matcher.io.tables import DELIMITERS
from matcher.messages import Message

RowT = TypeVar("RowT", bound=Sequence[Any])
XLSX_BYTES_PER_CELL = 64  # a cell takes about 35 bytes of sheet XML: room to spare


@dataclass(frozen=True)
class TableLimits:
    max_rows: int  # records per table (blank rows not counted)
    max_cells: int  # rows (blank ones too) times the widest row


class TooLargeError(ScenarioError):
    """A table or document is beyond a limit; reading stopped there."""


def too_many_rows(label: str, row: int, limits: TableLimits) -> Problem:
    return Problem(label, Message("limits.rows", rows=limits.max_rows), row=row)


def too_many_cells(label: str, row: int, width: int, limits: TableLimits,
                   spreadsheet: bool) -> Problem:
    if spreadsheet:
        from openpyxl.utils import get_column_letter  # openpyxl loads only for workbooks

        return Problem(label, Message("limits.cells_column", row=row,
                                      column=get_column_letter(width),
                                      cells=limits.max_cells), row=row)
    return Problem(label, Message("limits.cells_width", row=row, width=width,
                                  cells=limits.max_cells), row=row)


def too_deep(label: str, path: str, max_depth: int) -> Problem:
    return Problem(label, Message("limits.too_deep", depth=max_depth), column=path or None)


def bounded_rows(rows: Iterable[RowT], label: str, limits: TableLimits | None,
                 spreadsheet: bool = True, first_row: int = 1) -> Iterator[RowT]:
    """``rows`` as they come, raising TooLargeError at the first row that takes the table
    beyond a limit. ``first_row`` is the spreadsheet number of the first row (header = 1)."""
    if limits is None:
        yield from rows
        return
    width = records = 0
    for number, row in enumerate(rows, start=first_row):
        width = max(width, len(row))
        if number * width > limits.max_cells:
            raise TooLargeError([too_many_cells(label, number, width, limits, spreadsheet)])
        if number > 1 and any(cell is not None and str(cell).strip() for cell in row):
            records += 1
            if records > limits.max_rows:
                raise TooLargeError([too_many_rows(label, number, limits)])
        yield row


def check_workbook_archive(content: bytes, label: str, limits: TableLimits) -> None:
    """Raise TooLargeError for an .xlsx file with a part (a sheet, the shared strings)
    that unpacks to more XML than a sheet within the limits needs. A reader inflates such
    a part (the shared strings at once) before a single row can be counted, and a zip
    file's parts can be thousands of times larger than the file."""
    try:
        parts = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip file: the reader says so
    most = limits.max_cells * XLSX_BYTES_PER_CELL
    largest = max(parts, key=lambda part: part.file_size, default=None)
    if largest is not None and largest.file_size > most:
        raise TooLargeError([Problem(label, Message(
            "limits.workbook_part", part=largest.filename,
            megabytes=largest.file_size // 2**20, most=most // 2**20))])


def check_csv(content: bytes, label: str, limits: TableLimits) -> None:
    """Raise TooLargeError for a CSV file beyond the limits (read as a stream: the check
    holds one row at a time). The delimiter is the one the header holds most of."""
    lines = content.count(b"\n") + 1
    header = content[:content.find(b"\n")]
    delimiter = max(DELIMITERS, key=lambda d: header.count(d.encode()))
    header_width = header.count(delimiter.encode()) + 1
    if lines <= limits.max_rows and lines * header_width <= limits.max_cells:
        # At most this many rows, and a CSV reader makes them as wide as the header (a
        # wider row is a mistake it reports): nothing to count.
        return
    text = io.TextIOWrapper(io.BytesIO(content), encoding="utf-8-sig", errors="replace",
                            newline="")
    for _ in bounded_rows(csv.reader(text, delimiter=delimiter), label, limits,
                          spreadsheet=False):
        pass


def check_depth(document: Any, label: str, max_depth: int,
                max_containers: int | None = None) -> None:
    """Raise ScenarioError when ``document`` (parsed JSON or YAML) nests deeper than
    ``max_depth``; the problem names the dotted path to where it does. TooLargeError
    when it holds more than ``max_containers`` lists and mappings, counted as a reader
    walking it meets them: YAML aliases repeating each other expand exponentially."""
    stack: list[tuple[Any, int, tuple[str, ...]]] = [(document, 1, ())]
    met = 0
    while stack:
        value, depth, path = stack.pop()
        met += 1
        if max_containers is not None and met > max_containers:
            raise TooLargeError([Problem(label, Message("limits.containers",
                                                        count=max_containers))])
        if depth > max_depth:
            raise ScenarioError([too_deep(label, ".".join(path), max_depth)])
        if isinstance(value, dict):
            stack.extend((child, depth + 1, (*path, str(key)))
                         for key, child in value.items() if isinstance(child, dict | list))
        elif isinstance(value, list):
            stack.extend((child, depth + 1, (*path, str(index)))
                         for index, child in enumerate(value) if isinstance(child, dict | list))
