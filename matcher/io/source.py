"""What a reader hands the loader: the settings document and every table as a frame of
text cells, each with the label its mistakes are named by.

A folder, the files of an upload and a workbook all end here, so the loader validates
one shape and never reads a file itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from matcher.io.errors import Problem
from matcher.io.tables import inline_table, read_table_content, read_table_file
from matcher.messages import Message
from models.config import DEFAULT_TABLE_FILES, OPTIONAL_TABLES, REQUIRED_TABLES
from models.tables import TABLE_SPECS


@dataclass(frozen=True)
class SourceTable:
    frame: pd.DataFrame  # text cells, indexed by spreadsheet row (header = 1)
    label: str  # how a mistake names it: students.csv, [plan.xlsx]students, …
    inline: bool = False  # records of the document's list, counted from 1


@dataclass(frozen=True)
class ScenarioSource:
    document: dict[str, Any]  # the settings, as read
    label: str  # how a mistake in the settings names them: scenario.yaml, [plan.xlsx]scenario
    tables: dict[str, SourceTable]  # the tables that could be read, by table name
    problems: list[Problem] = field(default_factory=list)  # the tables that could not


class TableFiles(Protocol):
    """Where the tables a document names by file name are found."""

    def has(self, file_name: str) -> bool: ...

    def read(self, file_name: str, table: str) -> tuple[pd.DataFrame | None, list[Problem]]:
        """The file as the frame of ``table`` (its columns tell how to read a CSV)."""


@dataclass(frozen=True)
class FolderFiles:
    """Files beside the document on disk."""

    base: Path

    def has(self, file_name: str) -> bool:
        return (self.base / file_name).exists()

    def read(self, file_name: str, table: str) -> tuple[pd.DataFrame | None, list[Problem]]:
        return read_table_file(self.base / file_name, file_name, TABLE_SPECS[table])


@dataclass(frozen=True)
class UploadedFiles:
    """Files of an upload, in memory, by their plain names."""

    files: dict[str, bytes]

    def has(self, file_name: str) -> bool:
        return file_name in self.files

    def read(self, file_name: str, table: str) -> tuple[pd.DataFrame | None, list[Problem]]:
        if file_name not in self.files:
            return None, [Problem(file_name, Message("io.file_not_found"))]
        return read_table_content(self.files[file_name], Path(file_name).suffix, file_name,
                                  TABLE_SPECS[table])


def document_tables(document: dict[str, Any], label: str, files: TableFiles | None
                    ) -> ScenarioSource:
    """Read the tables a document names: inline records, or files (by the names in
    ``tables``, else the default file names). Without ``files`` every table must be
    inline: nothing is read from anywhere."""
    given_tables = document.get("tables")
    named = given_tables if isinstance(given_tables, dict) else {}
    tables: dict[str, SourceTable] = {}
    problems: list[Problem] = []
    for name in REQUIRED_TABLES + OPTIONAL_TABLES:
        given = named.get(name)
        if isinstance(given, list):
            table_label = f"{label} tables.{name}"
            frame, found = inline_table(given, table_label)
        elif files is None:
            if given is None and name in OPTIONAL_TABLES:
                continue
            problems.append(Problem(label, Message("io.inline_table_needed"),
                                    column=f"tables.{name}"))
            continue
        else:
            table_label = str(given) if given is not None else DEFAULT_TABLE_FILES[name]
            if given is None and name in OPTIONAL_TABLES and not files.has(table_label):
                continue
            frame, found = files.read(table_label, name)
        problems += found
        if frame is not None:
            tables[name] = SourceTable(frame, table_label, inline=isinstance(given, list))
    return ScenarioSource(document, label, tables, problems)
