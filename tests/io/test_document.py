"""A scenario as one document with inline text tables: read from a folder or a workbook
alike, saved as a folder that loads the same, and loaded without touching the disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from matcher.io import ScenarioError, load_scenario
from matcher.io.document import load_inline, read_inline, write_folder
from matcher.io.workbook import folder_workbook

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"


def test_a_folder_and_its_workbook_give_the_same_document(tmp_path: Path) -> None:
    book = tmp_path / "demo.xlsx"
    book.write_bytes(folder_workbook(DEMO))
    from_folder, _ = read_inline(DEMO)
    from_book, _ = read_inline(book)
    assert from_book["tables"] == from_folder["tables"]


def test_a_saved_document_loads_as_the_original(tmp_path: Path) -> None:
    document, original = read_inline(DEMO)
    folder = write_folder(document, tmp_path / "copy")
    again = load_scenario(folder)
    assert list(again.students.ids) == list(original.students.ids)
    assert np.array_equal(again.workplaces.seats, original.workplaces.seats)
    assert np.array_equal(again.pinned.student, original.pinned.student)
    assert read_inline(folder)[0]["tables"] == document["tables"]


def test_an_inline_document_never_reads_a_named_file(tmp_path: Path) -> None:
    document, _ = read_inline(DEMO)
    document["tables"]["exclusions"] = "exclusions.csv"  # a file name, not records
    with pytest.raises(ScenarioError):
        load_inline(document)
