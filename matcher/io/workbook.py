"""A whole scenario as one Excel workbook, for people who keep it in a spreadsheet.

A sheet ``scenario`` holds the settings as two columns, ``setting`` and
``value`` (``format_version``, ``reference_date``, ``name``, and dotted names
such as ``policy.default_max_travel_min`` or ``weights.travel``); every other
sheet is a table named by the sheet (``students``, ``workplaces``, …).

Each sheet is read straight into its table's frame of text cells (the same
``cell_text`` the ``.xlsx`` table reader uses, rows numbered as in the sheet), so the
loader and its validation are exactly those of a folder. Mistakes are named by
workbook and sheet, Excel style: ``[plan.xlsx]students row 14, column phase``.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from matcher.io.errors import Problem, ScenarioError
from matcher.io.folder import read_folder
from matcher.io.limits import TableLimits, bounded_rows, check_workbook_archive
from matcher.io.source import ScenarioSource, SourceTable
from matcher.io.tables import cell_text, sheet_table
from matcher.messages import Message
from models.tables import TABLE_SPECS

SETTINGS_SHEET = "scenario"


def sheet_label(workbook: str, sheet: str) -> str:
    return f"[{workbook}]{sheet}"


def _setting_value(value: Any) -> Any:
    """A settings cell as the loader expects it: dates as text, whole numbers as int,
    text as it was typed (no YAML reading: '#' or ':' in a name stay)."""
    if isinstance(value, dt.datetime | dt.date):
        return cell_text(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _settings(rows: list[tuple[Any, ...]], label: str) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    header = [cell_text(c).strip().lower() for c in (rows[0] if rows else ())]
    if header[:2] != ["setting", "value"]:
        return {}, [Problem(label, Message("workbook.settings_header"), row=1)]
    document: dict[str, Any] = {}
    for number, row in enumerate(rows[1:], start=2):
        name = cell_text(row[0] if row else None).strip()
        if not name:
            continue
        value = _setting_value(row[1] if len(row) > 1 else None)
        *parents, leaf = name.split(".")
        target = document
        for part in parents:
            child = target.setdefault(part, {})
            if not isinstance(child, dict):
                problems.append(Problem(label, Message("workbook.setting_under_value", name=name),
                                        row=number, column="setting"))
                break
            target = child
        else:
            if leaf in target:
                problems.append(Problem(label, Message("workbook.setting_twice", name=name),
                                        row=number, column="setting"))
            target[leaf] = value
    return document, problems


def read_workbook(name: str, content: bytes, limits: TableLimits | None = None
                  ) -> ScenarioSource:
    """The settings and tables of a workbook named ``name``. Raises ScenarioError for a
    workbook that cannot be read or whose sheets are not a scenario's, TooLargeError at
    the first row of a sheet beyond ``limits``."""
    from openpyxl import load_workbook  # openpyxl loads only when a workbook is read
    from openpyxl.utils.exceptions import InvalidFileException

    if limits is not None:
        check_workbook_archive(content, name, limits)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ScenarioError([Problem(name, Message("workbook.unreadable", error=str(exc)))]
                            ) from None
    try:
        return _read_sheets(book, name, limits)
    finally:
        book.close()


def _read_sheets(book: Any, name: str, limits: TableLimits | None) -> ScenarioSource:
    sheets: dict[str, Any] = {}
    problems: list[Problem] = []
    for sheet in book.worksheets:
        title = sheet.title.strip()
        if title in sheets:
            problems.append(Problem(sheet_label(name, title), Message("workbook.sheet_twice")))
        sheets[title] = sheet
    if SETTINGS_SHEET not in sheets:
        raise ScenarioError([*problems, Problem(name, Message("workbook.no_settings_sheet"))])
    label = sheet_label(name, SETTINGS_SHEET)
    document, setting_problems = _settings(_rows(sheets[SETTINGS_SHEET], label, limits), label)
    problems += setting_problems
    if "tables" in document:
        problems.append(Problem(label, Message("workbook.tables_setting"), column="tables"))
    unknown = [s for s in sheets if s != SETTINGS_SHEET and s not in TABLE_SPECS]
    sheet_names = ", ".join((SETTINGS_SHEET, *TABLE_SPECS))
    problems += [Problem(sheet_label(name, s), Message("workbook.unknown_sheet",
                                                       sheets=sheet_names)) for s in unknown]
    if problems:
        raise ScenarioError(problems)
    tables: dict[str, SourceTable] = {}
    for table in TABLE_SPECS:
        if table not in sheets:
            # a required table is reported missing by the loader
            continue
        table_label = sheet_label(name, table)
        frame, found = sheet_table(_rows(sheets[table], table_label, limits), table_label)
        problems += found
        if frame is not None:
            tables[table] = SourceTable(frame, table_label)
    return ScenarioSource(document, label, tables, problems)


def _rows(sheet: Any, label: str, limits: TableLimits | None) -> list[tuple[Any, ...]]:
    """Every row of a sheet, blank ones too (the row numbers stay the sheet's)."""
    sheet.reset_dimensions()  # a stale size in the file would cut rows off
    return list(bounded_rows(sheet.iter_rows(values_only=True), label, limits))


def is_workbook_upload(files: list[tuple[str, bytes]]) -> bool:
    """One .xlsx file, not named after a table: a whole scenario in a workbook (a lone
    students.xlsx is a table whose scenario.yaml is missing)."""
    if len(files) != 1 or not files[0][0].lower().endswith(".xlsx"):
        return False
    return Path(files[0][0]).stem not in TABLE_SPECS


def folder_workbook(folder: Path) -> bytes:
    """A scenario folder as one workbook (the reverse of ``read_workbook``), for a
    consultant who wants to edit the scenario in a spreadsheet."""
    from openpyxl import Workbook

    source = read_folder(folder)
    if source.problems:
        raise ScenarioError(source.problems)
    book = Workbook()
    settings = book.active
    assert settings is not None
    settings.title = SETTINGS_SHEET
    settings.append(["setting", "value"])
    for key, value in _flatten({k: v for k, v in source.document.items() if k != "tables"}):
        settings.append([key, value])
    for table, read in source.tables.items():
        sheet = book.create_sheet(table)
        sheet.append(list(read.frame.columns))
        for record in read.frame.itertuples(index=False):
            sheet.append(list(record))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _flatten(document: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for key, value in document.items():
        if isinstance(value, dict):
            items += _flatten(value, f"{prefix}{key}.")
        else:
            items.append((f"{prefix}{key}", value))
    return items
