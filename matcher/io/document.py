"""A scenario as one document: its settings and every table inlined as text records.

This is the form in which the service stores a scenario (``api.scenario_store``)
and in which a what-if changes one (``matcher.whatif``): the tables exactly as the
loader read them, every cell as the text a spreadsheet user typed, before any
encoding. Loading such a document runs every check of the contract again, and
writing it out gives a scenario folder that ``matcher solve`` reads.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

import yaml

from matcher.io.errors import Problem, ScenarioError
from matcher.io.load import load_scenario, read_document, scenario_from_document
from matcher.io.tables import cell_text, read_table_file
from matcher.io.workbook import relabel, split_workbook
from matcher.messages import Message
from models.config import DEFAULT_TABLE_FILES, OPTIONAL_TABLES, REQUIRED_TABLES
from models.scenario import Scenario
from models.tables import TABLE_SPECS

ALL_TABLES = REQUIRED_TABLES + OPTIONAL_TABLES
INLINE_LABEL = "scenario"  # the loader's label for a document given in memory
Records = list[dict[str, str]]


def text_records(records: list[dict[Any, Any]]) -> Records:
    return [{str(key): cell_text(value) for key, value in record.items()} for record in records]


def inline_tables(settings: dict[str, Any], folder: Path) -> dict[str, Records]:
    """Every table the settings name (inline or a file under ``folder``) as text
    records; the tables must have been validated by the loader already."""
    given = settings.get("tables") if isinstance(settings.get("tables"), dict) else {}
    assert isinstance(given, dict)
    tables: dict[str, Records] = {}
    for name in ALL_TABLES:
        value = given.get(name)
        if isinstance(value, list):
            tables[name] = text_records(value)
            continue
        path = folder / (str(value) if value is not None else DEFAULT_TABLE_FILES[name])
        if value is None and name in OPTIONAL_TABLES and not path.exists():
            continue
        frame, found = read_table_file(path, path.name, TABLE_SPECS[name])
        if frame is None or found:  # cannot happen: the loader has just read it
            raise ScenarioError(found or [Problem(path.name, Message("upload.unreadable"))])
        tables[name] = text_records(frame.to_dict("records"))
    return tables


def read_inline(path: str | Path) -> tuple[dict[str, Any], Scenario]:
    """A scenario (folder, scenario.yaml/json, or one .xlsx workbook) validated by
    the loader, and the same scenario as one document with inline tables."""
    path = Path(path)
    scenario = load_scenario(path)
    if path.suffix.lower() == ".xlsx":
        files, labels = split_workbook(path.name, path.read_bytes())
        with tempfile.TemporaryDirectory(prefix="matcher-workbook-") as tmp:
            for file_name, content in files:
                (Path(tmp) / file_name).write_bytes(content)
            try:
                return _inline_folder(Path(tmp)), scenario
            except ScenarioError as exc:
                raise relabel(exc, labels) from None
    return _inline_folder(path), scenario


def _inline_folder(path: Path) -> dict[str, Any]:
    base, _label, document, problems = read_document(path)
    if document is None:
        raise ScenarioError(problems)
    settings = {key: value for key, value in document.items() if key != "tables"}
    return {**settings, "tables": inline_tables(document, base)}


def load_inline(document: dict[str, Any], source: str = INLINE_LABEL,
                web_ids: bool = False) -> Scenario:
    """Parse a document whose tables are all inline. An empty folder stands in for the
    base, so a table the document does not inline is never looked up on disk."""
    with tempfile.TemporaryDirectory(prefix="matcher-empty-") as empty:
        return scenario_from_document(document, base=Path(empty), label=INLINE_LABEL,
                                      source=source, web_ids=web_ids)


def write_folder(document: dict[str, Any], folder: str | Path) -> Path:
    """Write a document with inline tables as a scenario folder (scenario.yaml and one
    CSV per table, UTF-8, comma separated) that ``matcher solve`` reads; returns the
    folder. Files of the same names are replaced; nothing else in it is touched."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tables: dict[str, Records] = document.get("tables") or {}
    settings = {key: value for key, value in document.items() if key != "tables"}
    settings["tables"] = {name: DEFAULT_TABLE_FILES[name] for name in tables}
    for name, records in tables.items():
        columns = list(dict.fromkeys(key for record in records for key in record))
        if not columns:
            columns = [column.name for column in TABLE_SPECS[name].columns if column.required]
        with (folder / DEFAULT_TABLE_FILES[name]).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([record.get(column, "") for column in columns]
                             for record in records)
    (folder / "scenario.yaml").write_text(
        yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder
