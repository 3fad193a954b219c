"""A scenario as one document: its settings and every table inlined as text records.

This is the form in which the service stores a scenario (``api.scenario_store``)
and in which a what-if changes one (``matcher.whatif``): the tables exactly as the
loader read them, every cell as the text a spreadsheet user typed, before any
encoding. Loading such a document runs every check of the contract again, and
writing it out gives a scenario folder that ``matcher solve`` reads.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import yaml

from matcher.io.load import scenario_from_source
from matcher.io.read import read_scenario
from matcher.io.source import ScenarioSource, UploadedFiles, document_tables
from matcher.io.tables import cell_text
from models.config import DEFAULT_TABLE_FILES
from models.scenario import Scenario
from models.tables import TABLE_SPECS

INLINE_LABEL = "scenario"  # the loader's label for a document given in memory
Records = list[dict[str, str]]


def text_records(records: list[dict[Any, Any]]) -> Records:
    return [{str(key): cell_text(value) for key, value in record.items()} for record in records]


def inline_records(source: ScenarioSource) -> dict[str, Records]:
    """Every table a reader read as text records: the records a document inlines as they
    were written (so their numbers stay), a file's or a sheet's rows as read."""
    given = source.document.get("tables")
    written = given if isinstance(given, dict) else {}
    return {name: text_records(written[name] if isinstance(written.get(name), list)
                               else table.frame.to_dict("records"))
            for name, table in source.tables.items()}


def read_inline(path: str | Path) -> tuple[dict[str, Any], Scenario]:
    """A scenario (folder, scenario.yaml/json, or one .xlsx workbook) validated by
    the loader, and the same scenario as one document with inline tables."""
    source = read_scenario(Path(path))
    scenario = scenario_from_source(source, str(path))
    settings = {key: value for key, value in source.document.items() if key != "tables"}
    return {**settings, "tables": inline_records(source)}, scenario


def load_inline(document: dict[str, Any], source: str = INLINE_LABEL,
                web_ids: bool = False) -> Scenario:
    """Parse a document whose tables are all inline. No files stand in for a folder, so
    a table the document does not inline is never looked up on disk."""
    read = document_tables(document, INLINE_LABEL, UploadedFiles({}))
    return scenario_from_source(read, source, web_ids)


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
