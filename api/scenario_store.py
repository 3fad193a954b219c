"""Scenario uploads: validated by the CLI's own loader, stored as one canonical document.

Whatever the upload (a folder's files as CSV, xlsx or parquet, or one JSON
document with inline tables), the stored form is the same JSON document with
every table inlined as text cells, exactly the text the loader validated. Its
sha256 is the scenario's content hash, and it reloads without touching the
file system.

Nothing an upload names is read from the server's disk: files are written to
a fresh temporary folder, table names must be plain file names among the
uploaded ones, and JSON documents must inline their tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from matcher.io import Problem, ScenarioError, load_scenario, scenario_from_document
from matcher.io.load import DOCUMENT_NAMES
from matcher.io.tables import cell_text, read_table_file
from matcher.io.workbook import is_workbook_upload, relabel, split_workbook
from models.config import DEFAULT_TABLE_FILES, OPTIONAL_TABLES, REQUIRED_TABLES
from models.scenario import Scenario
from models.tables import TABLE_SPECS

ALL_TABLES = REQUIRED_TABLES + OPTIONAL_TABLES
JSON_LABEL = "scenario"  # the loader's label for a document given in memory


@dataclass(frozen=True)
class CanonicalScenario:
    document: str  # canonical JSON text
    content_hash: str
    scenario: Scenario


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _canonical(settings: dict[str, Any], tables: dict[str, list[dict[str, str]]],
               scenario: Scenario) -> CanonicalScenario:
    document = {key: _json_safe(value) for key, value in settings.items() if key != "tables"}
    document["tables"] = tables
    text = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return CanonicalScenario(text, hashlib.sha256(text.encode("utf-8")).hexdigest(), scenario)


def _text_records(records: list[dict[Any, Any]]) -> list[dict[str, str]]:
    return [{str(key): cell_text(value) for key, value in record.items()} for record in records]


def _is_plain_file_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and name not in (".", "..")


def ingest_files(files: list[tuple[str, bytes]]) -> CanonicalScenario:
    """Validate uploaded files (scenario.yaml and its tables, or one workbook with a
    sheet per table); raise ScenarioError."""
    if is_workbook_upload(files):
        split, labels = split_workbook(*files[0])
        try:
            return ingest_files(split)
        except ScenarioError as exc:
            raise relabel(exc, labels) from None
    problems: list[Problem] = []
    names = [name for name, _ in files]
    for name in names:
        if not _is_plain_file_name(name):
            problems.append(Problem(name or "(no name)", "upload files by their plain name, "
                                    "without folders"))
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(Problem(name, "this file was uploaded more than once"))
    documents = [n for n in DOCUMENT_NAMES if n in names]
    if not documents:
        problems.append(Problem("scenario.yaml", "the upload needs a scenario.yaml (or "
                                "scenario.json) naming the tables"))
    if problems:
        raise ScenarioError(problems)
    with tempfile.TemporaryDirectory(prefix="matcher-upload-") as tmp:
        folder = Path(tmp)
        for name, content in files:
            (folder / name).write_bytes(content)
        document_path = folder / documents[0]
        settings = _read_settings(document_path)
        if settings is not None:
            _check_table_names(settings, documents[0])
        scenario = load_scenario(folder)  # the CLI's validation, every problem at once
        assert settings is not None  # the loader rejects a document it cannot read
        tables = _inline_tables(settings, folder)
    return _canonical(settings, tables, scenario)


def _read_settings(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8-sig")
        loaded = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (UnicodeDecodeError, ValueError, yaml.YAMLError):
        return None  # the loader reports it with the right words
    return loaded if isinstance(loaded, dict) else None


def _check_table_names(settings: dict[str, Any], label: str) -> None:
    tables = settings.get("tables")
    if not isinstance(tables, dict):
        return
    problems = [
        Problem(label, f"{value!r} must be the plain name of an uploaded file",
                column=f"tables.{name}")
        for name, value in tables.items()
        if isinstance(value, str) and not _is_plain_file_name(value)
    ]
    if problems:
        raise ScenarioError(problems)


def _inline_tables(settings: dict[str, Any], folder: Path) -> dict[str, list[dict[str, str]]]:
    given = settings.get("tables") if isinstance(settings.get("tables"), dict) else {}
    assert isinstance(given, dict)
    tables: dict[str, list[dict[str, str]]] = {}
    for name in ALL_TABLES:
        value = given.get(name)
        if isinstance(value, list):
            tables[name] = _text_records(value)
            continue
        path = folder / (str(value) if value is not None else DEFAULT_TABLE_FILES[name])
        if value is None and name in OPTIONAL_TABLES and not path.exists():
            continue
        frame, found = read_table_file(path, path.name, TABLE_SPECS[name])
        if frame is None or found:  # cannot happen: the loader has just read it
            raise ScenarioError(found or [Problem(path.name, "cannot be read")])
        tables[name] = _text_records(frame.to_dict("records"))
    return tables


def ingest_document(document: Any) -> CanonicalScenario:
    """Validate one JSON scenario document with inline tables; raise ScenarioError."""
    if not isinstance(document, dict):
        raise ScenarioError([Problem(JSON_LABEL, "the body must be a JSON object with "
                                     "format_version, reference_date and tables")])
    tables = document.get("tables")
    problems: list[Problem] = []
    if not isinstance(tables, dict):
        problems.append(Problem(JSON_LABEL, "must be an object holding the tables as lists of "
                                "records", column="tables"))
        tables = {}
    for name in REQUIRED_TABLES:
        if name not in tables:
            problems.append(Problem(JSON_LABEL, "required: the table as a list of records",
                                    column=f"tables.{name}"))
    for name, value in tables.items():
        if name in ALL_TABLES and not isinstance(value, list):
            problems.append(Problem(JSON_LABEL, "in a JSON upload every table is inlined as "
                                    "a list of records", column=f"tables.{name}"))
    if problems:
        raise ScenarioError(problems)
    scenario = load_stored_document(document)
    inline = {name: _text_records(tables[name]) for name in ALL_TABLES if name in tables}
    return _canonical(document, inline, scenario)


def load_stored_document(document: dict[str, Any], source: str = JSON_LABEL) -> Scenario:
    """Parse a document whose tables are all inline. An empty folder stands in for the
    base, so a table the document does not inline is never looked up on this server."""
    with tempfile.TemporaryDirectory(prefix="matcher-empty-") as empty:
        return scenario_from_document(document, base=Path(empty), label=JSON_LABEL,
                                      source=source)


def load_stored(text: str, source: str) -> Scenario:
    """The Scenario of a stored canonical document."""
    document = json.loads(text)
    assert isinstance(document, dict)
    return load_stored_document(document, source)
