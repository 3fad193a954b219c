"""A whole scenario as one Excel workbook, for people who keep it in a spreadsheet.

A sheet ``scenario`` holds the settings as two columns, ``setting`` and
``value`` (``format_version``, ``reference_date``, ``name``, and dotted names
such as ``policy.default_max_travel_min`` or ``weights.travel``); every other
sheet is a table named by the sheet (``students``, ``workplaces``, …).

The workbook is split into the files of a scenario folder (the settings as
``scenario.json``, each sheet as a CSV of its cells' text, made by the same
``cell_text`` the ``.xlsx`` reader uses, blank rows kept so row numbers stay
those of the sheet), so the loader and its validation are exactly those of a
folder. Mistakes are relabelled to the
workbook and sheet, Excel style: ``[plan.xlsx]students row 14, column phase``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tempfile
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from matcher.io.errors import Problem, ScenarioError
from matcher.io.limits import TableLimits, bounded_rows, check_workbook_archive
from matcher.io.load import DOCUMENT_NAMES, read_document
from matcher.io.tables import cell_text, read_table_file
from matcher.messages import Message
from models.scenario import Scenario
from models.tables import TABLE_SPECS

SETTINGS_SHEET = "scenario"
SETTINGS_FILE = "scenario.json"


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


def split_workbook(name: str, content: bytes, limits: TableLimits | None = None
                   ) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """The files of a scenario folder made from a workbook, and the label of each
    file (for relabelling mistakes). Raises ScenarioError for a workbook that
    cannot be read or has no settings sheet, TooLargeError at the first row of a
    sheet beyond ``limits``."""
    if limits is not None:
        check_workbook_archive(content, name, limits)
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ScenarioError([Problem(name, Message("workbook.unreadable", error=str(exc)))]
                            ) from None
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
    settings_sheet = sheets[SETTINGS_SHEET]
    settings_sheet.reset_dimensions()  # a stale size in the file would cut rows off
    document, setting_problems = _settings(
        list(bounded_rows(settings_sheet.iter_rows(values_only=True), label, limits)), label)
    problems += setting_problems
    if "tables" in document:
        problems.append(Problem(label, Message("workbook.tables_setting"), column="tables"))
    unknown = [s for s in sheets if s != SETTINGS_SHEET and s not in TABLE_SPECS]
    sheet_names = ", ".join((SETTINGS_SHEET, *TABLE_SPECS))
    problems += [Problem(sheet_label(name, s), Message("workbook.unknown_sheet",
                                                       sheets=sheet_names)) for s in unknown]
    if problems:
        raise ScenarioError(problems)
    files: list[tuple[str, bytes]] = []
    labels = {SETTINGS_FILE: label}
    tables: dict[str, str] = {}
    for title, sheet in sheets.items():
        if title == SETTINGS_SHEET:
            continue
        sheet.reset_dimensions()
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        for row in bounded_rows(sheet.iter_rows(values_only=True), sheet_label(name, title),
                                limits):
            writer.writerow([cell_text(value) for value in row])
        file_name = f"{title}.csv"
        files.append((file_name, text.getvalue().encode("utf-8")))
        labels[file_name] = sheet_label(name, title)
        tables[title] = file_name
    document["tables"] = tables
    files.append((SETTINGS_FILE, json.dumps(document, default=str).encode("utf-8")))
    return files, labels


def relabel(error: ScenarioError, labels: dict[str, str]) -> ScenarioError:
    """The same mistakes, named by workbook and sheet instead of the split files."""
    settings = labels.get(SETTINGS_FILE, "")

    def name(file: str) -> str:
        if file in DOCUMENT_NAMES or file == SETTINGS_FILE:
            return settings or file
        return labels.get(file, file)

    return type(error)([Problem(name(p.file), p.detail, p.row, p.column, p.row_label)
                        for p in error.problems])


def is_workbook_upload(files: list[tuple[str, bytes]]) -> bool:
    """One .xlsx file, not named after a table: a whole scenario in a workbook (a lone
    students.xlsx is a table whose scenario.yaml is missing)."""
    if len(files) != 1 or not files[0][0].lower().endswith(".xlsx"):
        return False
    return Path(files[0][0]).stem not in TABLE_SPECS


def folder_workbook(folder: Path) -> bytes:
    """A scenario folder as one workbook (the reverse of ``split_workbook``), for a
    consultant who wants to edit the scenario in a spreadsheet."""
    base, _label, document, problems = read_document(folder)
    if document is None:
        raise ScenarioError(problems)
    book = Workbook()
    settings = book.active
    assert settings is not None
    settings.title = SETTINGS_SHEET
    settings.append(["setting", "value"])
    for key, value in _flatten({k: v for k, v in document.items() if k != "tables"}):
        settings.append([key, value])
    for table, file_name in (document.get("tables") or {}).items():
        frame, table_problems = read_table_file(base / str(file_name), str(file_name),
                                                 TABLE_SPECS.get(str(table)))
        if frame is None:
            raise ScenarioError(table_problems)
        sheet = book.create_sheet(str(table))
        sheet.append(list(frame.columns))
        for record in frame.itertuples(index=False):
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


def load_workbook_scenario(path: Path, web_ids: bool = False) -> Scenario:
    """Load a scenario kept as one workbook (``matcher validate plan.xlsx``)."""
    from matcher.io.load import load_scenario

    files, labels = split_workbook(path.name, path.read_bytes())
    with tempfile.TemporaryDirectory(prefix="matcher-workbook-") as tmp:
        for file_name, content in files:
            (Path(tmp) / file_name).write_bytes(content)
        try:
            return load_scenario(Path(tmp), web_ids)
        except ScenarioError as exc:
            raise relabel(exc, labels) from None
