"""Scenario uploads: validated by the CLI's own loader, stored as one canonical document.

Whatever the upload (a folder's files as CSV, xlsx or parquet, or one JSON
document with inline tables), the stored form is the same JSON document with
every table inlined as text cells, exactly the text the loader validated. Its
sha256 is the scenario's content hash, and it reloads without touching the
file system.

Nothing an upload names is read from the server's disk: uploaded files are read
in memory (``matcher.io.read.read_upload``), table names must be plain file names
among the uploaded ones, and JSON documents must inline their tables.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml
from openpyxl import load_workbook

from matcher.io import Problem, ScenarioError
from matcher.io.document import INLINE_LABEL, inline_records, load_inline, text_records
from matcher.io.folder import DOCUMENT_NAMES
from matcher.io.limits import (
    TableLimits,
    TooLargeError,
    bounded_rows,
    check_csv,
    check_depth,
    check_workbook_archive,
    too_many_cells,
    too_many_rows,
)
from matcher.io.load import scenario_from_source
from matcher.io.read import read_upload
from matcher.io.source import ScenarioSource
from matcher.io.workbook import is_workbook_upload
from matcher.messages import Message
from models.config import OPTIONAL_TABLES, REQUIRED_TABLES
from models.scenario import Scenario

ALL_TABLES = REQUIRED_TABLES + OPTIONAL_TABLES
JSON_LABEL = INLINE_LABEL
MAX_FILE_NAME_BYTES = 255  # the longest file name most file systems store


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


def canonical_version(document: dict[str, Any], scenario: Scenario) -> CanonicalScenario:
    """The canonical form of a document with inline text tables that the loader has
    validated as ``scenario`` (a what-if version, ``matcher.whatif.apply``)."""
    settings = {key: value for key, value in document.items() if key != "tables"}
    return _canonical(settings, document["tables"], scenario)


@dataclass(frozen=True)
class UploadLimits:
    """How large an upload's tables and how deep its documents may be."""

    tables: TableLimits
    max_depth: int


def file_name_problem(name: str) -> Message | None:
    if not name or "/" in name or "\\" in name or name in (".", ".."):
        return Message("upload.plain_names")
    if not name.isprintable():
        return Message("upload.name_control")
    if len(name.encode("utf-8")) > MAX_FILE_NAME_BYTES:
        return Message("upload.name_too_long", length=MAX_FILE_NAME_BYTES)
    return None


def _shown_name(name: str) -> str:
    """A file name as a problem names it: printable, and short enough to read."""
    shown = name.encode("unicode_escape").decode("ascii") if not name.isprintable() else name
    return shown if len(shown) <= 60 else shown[:57] + "…"


def ingest_files(files: list[tuple[str, bytes]],
                 limits: UploadLimits | None = None) -> CanonicalScenario:
    """Validate uploaded files (scenario.yaml and its tables, or one workbook with a
    sheet per table); raise ScenarioError (TooLargeError beyond ``limits``)."""
    table_limits = limits.tables if limits else None
    if is_workbook_upload(files) and file_name_problem(files[0][0]) is None:
        source = read_upload(dict(files), table_limits)
        if limits is not None:
            check_document(source.document, source.label, limits)
        return _canonical_source(source.document, source)
    problems: list[Problem] = []
    names = [name for name, _ in files]
    for name in names:
        if message := file_name_problem(name):
            problems.append(Problem(_shown_name(name) or "(no name)", message))
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(Problem(name, Message("upload.twice")))
    documents = [n for n in DOCUMENT_NAMES if n in names]
    if not documents:
        problems.append(Problem("scenario.yaml", Message("upload.document_missing")))
    if problems:
        raise ScenarioError(problems)
    if limits is not None:
        for name, content in files:
            check_table_file(name, content, limits.tables)
    by_name = dict(files)
    settings = _read_settings(by_name[documents[0]], documents[0])
    if settings is not None:
        if limits is not None:
            check_document(settings, documents[0], limits)
        _check_table_names(settings, documents[0])
    return _canonical_source(settings, read_upload(by_name, table_limits))


def _canonical_source(settings: dict[str, Any] | None, source: ScenarioSource
                      ) -> CanonicalScenario:
    """The CLI's validation, every problem at once, and ids usable in addresses; the
    tables stored inline, exactly the text that was validated."""
    scenario = scenario_from_source(source, JSON_LABEL, web_ids=True)
    assert settings is not None  # the loader rejects a document it cannot read
    return _canonical(settings, inline_records(source), scenario)


def _read_settings(content: bytes, name: str) -> dict[str, Any] | None:
    try:
        text = content.decode("utf-8-sig")
        loaded = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
    except RecursionError:
        raise ScenarioError([Problem(name, Message("limits.too_deep_to_read"))]
                            ) from None
    except (UnicodeDecodeError, ValueError, yaml.YAMLError):
        return None  # the loader reports it with the right words
    return loaded if isinstance(loaded, dict) else None


def check_table_file(name: str, content: bytes, limits: TableLimits) -> None:
    """Raise TooLargeError for an uploaded table beyond the limits, before it is loaded."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        check_csv(content, name, limits)
    elif suffix == ".xlsx":
        check_workbook_archive(content, name, limits)
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:
            return
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # the stored size can lie: count the rows
            for _ in bounded_rows(sheet.iter_rows(values_only=True), name, limits):
                pass
        finally:
            book.close()
    elif suffix == ".parquet":
        try:
            metadata = pq.ParquetFile(io.BytesIO(content)).metadata
        except Exception:
            return
        if metadata.num_rows > limits.max_rows:
            raise TooLargeError([too_many_rows(name, limits.max_rows + 2, limits)])
        if (metadata.num_rows + 1) * metadata.num_columns > limits.max_cells:
            raise TooLargeError([too_many_cells(name, metadata.num_rows + 1,
                                                metadata.num_columns, limits, False)])


def check_document(document: dict[str, Any], label: str, limits: UploadLimits) -> None:
    """Raise ScenarioError for a scenario document nested too deeply, TooLargeError for
    an inline table with too many records."""
    check_depth(document, label, limits.max_depth, max_containers=limits.tables.max_cells)
    tables = document.get("tables")
    for name, records in (tables.items() if isinstance(tables, dict) else ()):
        if isinstance(records, list) and len(records) > limits.tables.max_rows:
            raise TooLargeError([Problem(
                label, Message("limits.records", rows=limits.tables.max_rows),
                column=f"tables.{name}")])


def _check_table_names(settings: dict[str, Any], label: str) -> None:
    tables = settings.get("tables")
    if not isinstance(tables, dict):
        return
    problems = [
        Problem(label, Message("upload.not_a_file_name", value=_shown_name(value)),
                column=f"tables.{name}")
        for name, value in tables.items()
        if isinstance(value, str) and file_name_problem(value) is not None
    ]
    if problems:
        raise ScenarioError(problems)


def ingest_document(document: Any, limits: UploadLimits | None = None) -> CanonicalScenario:
    """Validate one JSON scenario document with inline tables; raise ScenarioError
    (TooLargeError beyond ``limits``)."""
    if not isinstance(document, dict):
        raise ScenarioError([Problem(JSON_LABEL, Message("upload.json_not_object"))])
    if limits is not None:
        check_document(document, JSON_LABEL, limits)
    tables = document.get("tables")
    problems: list[Problem] = []
    if not isinstance(tables, dict):
        problems.append(Problem(JSON_LABEL, Message("upload.json_tables_object"),
                                column="tables"))
        tables = {}
    for name in REQUIRED_TABLES:
        if name not in tables:
            problems.append(Problem(JSON_LABEL, Message("upload.json_table_required"),
                                    column=f"tables.{name}"))
    for name, value in tables.items():
        if name in ALL_TABLES and not isinstance(value, list):
            problems.append(Problem(JSON_LABEL, Message("upload.json_table_inline"),
                                    column=f"tables.{name}"))
    if problems:
        raise ScenarioError(problems)
    scenario = load_stored_document(document, web_ids=True)
    inline = {name: text_records(tables[name]) for name in ALL_TABLES if name in tables}
    return _canonical(document, inline, scenario)


def load_stored_document(
    document: dict[str, Any], source: str = JSON_LABEL, web_ids: bool = False
) -> Scenario:
    """Parse a document whose tables are all inline; nothing is looked up on this
    server's disk."""
    return load_inline(document, source, web_ids)


def load_stored(text: str, source: str) -> Scenario:
    """The Scenario of a stored canonical document."""
    document = json.loads(text)
    assert isinstance(document, dict)
    return load_stored_document(document, source)
