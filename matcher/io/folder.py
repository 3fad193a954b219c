"""A scenario kept as files: a document (scenario.yaml, .yml or .json) and the table files
it names, in a folder on disk or in the files of an upload."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import yaml

from matcher.io.errors import Problem, ScenarioError
from matcher.io.source import FolderFiles, ScenarioSource, UploadedFiles, document_tables
from matcher.messages import Message

DOCUMENT_NAMES = ("scenario.yaml", "scenario.yml", "scenario.json")


def read_folder(path: Path) -> ScenarioSource:
    """A scenario folder, or a document with its tables beside it; raise ScenarioError
    when the document cannot be read."""
    base, label, document, problems = read_document(path)
    if document is None:
        raise ScenarioError(problems)
    return document_tables(document, label, FolderFiles(base))


def read_uploaded(files: dict[str, bytes]) -> ScenarioSource:
    """The files of an upload, by plain name: the document and the tables it names, all in
    memory; raise ScenarioError when there is no document or it cannot be read."""
    name = next((n for n in DOCUMENT_NAMES if n in files), None)
    if name is None:
        raise ScenarioError([Problem("scenario.yaml", Message("io.folder_without_document"))])
    document, problems = parse_document(files[name], name)
    if document is None:
        raise ScenarioError(problems)
    return document_tables(document, name, UploadedFiles(files))


def read_document(path: Path) -> tuple[Path, str, dict[str, Any] | None, list[Problem]]:
    """The folder of a document (``path``: the document or its folder), its label, its
    settings, and why they cannot be read."""
    if path.is_dir():
        for name in DOCUMENT_NAMES:
            if (path / name).is_file():
                path = path / name
                break
        else:
            return path, "scenario.yaml", None, [
                Problem(str(path), Message("io.folder_without_document"))
            ]
    if not path.is_file():
        return path.parent, path.name, None, [
            Problem(str(path), Message("io.path_not_found"))]
    document, problems = parse_document(path.read_bytes(), path.name)
    return path.parent, path.name, document, problems


def parse_document(content: bytes, label: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """A scenario document's settings (JSON when ``label`` ends in .json, else YAML;
    dates stay text), or why it cannot be read."""
    try:
        text = content.decode("utf-8-sig")
        document = (json.loads(text) if label.lower().endswith(".json")
                    else yaml.load(text, Loader=_TextDatesLoader))
    except (UnicodeDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        return None, [Problem(label, Message("io.document_unreadable", error=str(exc)))]
    except ValueError:
        # PyYAML raises a bare ValueError for an impossible date such as 2026-13-01
        return None, [_impossible_date(text, label)]
    if not isinstance(document, dict):
        return None, [Problem(label, Message("io.document_not_mapping"))]
    return document, []


class _TextDatesLoader(yaml.SafeLoader):
    """YAML without date conversion: dates stay text and are checked with the
    other settings, so an impossible date does not hide mistakes elsewhere."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _impossible_date(text: str, label: str) -> Problem:
    for line in text.splitlines():
        match = re.match(r"\s*([\w.-]+)\s*:\s*(\d{4}-\d{1,2}-\d{1,2})\s*(#.*)?$", line)
        if not match:
            continue
        try:
            dt.date.fromisoformat(match.group(2))
        except ValueError:
            return Problem(label, Message("io.impossible_date", value=match.group(2)),
                           column=match.group(1))
    return Problem(label, Message("io.impossible_date_somewhere"))
