"""The reader dispatch: a folder, uploaded files and a workbook give the loader the same
settings and tables, read in memory (nothing written to disk)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest

from matcher.io.read import read_scenario, read_upload
from matcher.io.source import ScenarioSource
from matcher.io.workbook import folder_workbook

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"


def _no_temporary_files(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a reader wrote a temporary file")

    for name in ("mkdtemp", "mkstemp", "TemporaryDirectory", "NamedTemporaryFile"):
        monkeypatch.setattr(tempfile, name, refuse)


def _same_tables(left: ScenarioSource, right: ScenarioSource) -> None:
    assert left.tables.keys() == right.tables.keys()
    for name, table in left.tables.items():
        pd.testing.assert_frame_equal(table.frame, right.tables[name].frame)


def test_uploaded_files_read_as_their_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = read_scenario(DEMO)
    _no_temporary_files(monkeypatch)
    uploaded = read_upload({path.name: path.read_bytes() for path in DEMO.iterdir()})
    assert uploaded.document == folder.document
    assert {n: t.label for n, t in uploaded.tables.items()} == \
        {n: t.label for n, t in folder.tables.items()}
    _same_tables(uploaded, folder)


def test_a_workbook_reads_as_its_folder_without_temporary_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = read_scenario(DEMO)
    path = tmp_path / "plan.xlsx"
    path.write_bytes(folder_workbook(DEMO))
    _no_temporary_files(monkeypatch)
    from_file, uploaded = read_scenario(path), read_upload({"plan.xlsx": path.read_bytes()})
    assert from_file.label == uploaded.label == "[plan.xlsx]scenario"
    assert from_file.tables["students"].label == "[plan.xlsx]students"
    _same_tables(from_file, folder)
    _same_tables(uploaded, folder)
