"""A whole scenario in one workbook loads exactly as the folder it came from, and its
mistakes are named by workbook, sheet, row and column."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook, load_workbook

from matcher.io import ScenarioError, load_scenario
from matcher.io.workbook import folder_workbook, is_workbook_upload, read_workbook

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"


def _edit(content: bytes, sheet: str, cell: str, value: object) -> bytes:
    book = load_workbook(io.BytesIO(content))
    book[sheet][cell] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _problems(tmp_path: Path, content: bytes, name: str = "plan.xlsx") -> list[str]:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(p) for p in caught.value.problems]


def test_a_workbook_loads_as_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "demo.xlsx"
    path.write_bytes(folder_workbook(DEMO))
    from_book, from_folder = load_scenario(path), load_scenario(DEMO)  # any caller reads one
    assert from_book.name == from_folder.name
    assert from_book.config.model_dump(exclude={"tables"}) == \
        from_folder.config.model_dump(exclude={"tables"})
    for table, fields in (("students", ("ids", "lat", "lon", "priority", "grade", "age")),
                          ("workplaces", ("ids", "lat", "lon", "seats", "recognised")),
                          ("mentors", ("ids", "workplace", "capacity"))):
        left, right = getattr(from_book, table), getattr(from_folder, table)
        for field in fields:
            assert np.array_equal(getattr(left, field), getattr(right, field)), (table, field)
    assert len(from_book.pinned) == len(from_folder.pinned)


def test_a_mistake_names_workbook_sheet_row_and_column(tmp_path: Path) -> None:
    book = load_workbook(io.BytesIO(folder_workbook(DEMO)))
    header = [c.value for c in book["students"][1]]
    column = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[header.index("phase")]
    content = _edit(folder_workbook(DEMO), "students", f"{column}5", "duaaal")
    assert _problems(tmp_path, content) == [
        "[plan.xlsx]students row 5, column phase: 'duaaal' is not one of aanloop, duaal"]


def test_blank_rows_keep_the_row_numbers_of_the_sheet(tmp_path: Path) -> None:
    book = load_workbook(io.BytesIO(folder_workbook(DEMO)))
    sheet = book["students"]
    header = [c.value for c in sheet[1]]
    for cell in sheet[3]:
        cell.value = None  # a blank row between the header and the mistake
    sheet.cell(row=5, column=header.index("phase") + 1, value="duaaal")
    buffer = io.BytesIO()
    book.save(buffer)
    assert _problems(tmp_path, buffer.getvalue()) == [
        "[plan.xlsx]students row 5, column phase: 'duaaal' is not one of aanloop, duaal"]


def test_a_note_beside_the_table_is_ignored_with_a_warning(tmp_path: Path) -> None:
    """A cell right of the header's last column is an unnamed column, as in an .xlsx
    table file: a warning, not a refused row."""
    book = load_workbook(io.BytesIO(folder_workbook(DEMO)))
    sheet = book["students"]
    sheet.cell(row=4, column=sheet.max_column + 2, value="note")
    path = tmp_path / "plan.xlsx"
    book.save(path)
    warnings = [str(w) for w in load_scenario(path).warnings]
    assert any(w.startswith("[plan.xlsx]students row 1, column Unnamed:") for w in warnings)


def test_a_wrong_setting_names_the_settings_sheet(tmp_path: Path) -> None:
    content = folder_workbook(DEMO)
    book = load_workbook(io.BytesIO(content))
    row = next(r[0].row for r in book["scenario"].iter_rows() if r[0].value == "reference_date")
    problems = _problems(tmp_path, _edit(content, "scenario", f"B{row}", "2026-13-01"))
    assert len(problems) == 1 and problems[0].startswith("[plan.xlsx]scenario")
    assert "reference_date" in problems[0]


@pytest.mark.parametrize(("sheets", "expected"), [
    ({"students": [["student_id"]]}, "needs a sheet 'scenario'"),
    ({"scenario": [["name", "what"]]}, "must name the columns setting and value"),
    ({"scenario": [["setting", "value"], ["format_version", 1]], "leerlingen": [["x"]]},
     "[plan.xlsx]leerlingen: not a table of a scenario"),
    ({"scenario": [["setting", "value"], ["weights.travel", 1], ["weights.travel", 2]]},
     "setting 'weights.travel' appears more than once"),
    ({"scenario": [["setting", "value"]], "students": [["x"]], "students ": [["y"]]},
     "[plan.xlsx]students: two sheets have this name"),
    ({"scenario": [["setting", "value"], ["tables.students", "s.csv"]]},
     "remove the tables settings"),
])
def test_a_workbook_without_the_right_sheets_is_explained(
        sheets: dict[str, list[list[object]]], expected: str) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(ScenarioError) as caught:
        read_workbook("plan.xlsx", buffer.getvalue())
    assert any(expected in str(p) for p in caught.value.problems), caught.value.problems


def test_settings_cells_keep_their_text(tmp_path: Path) -> None:
    content = folder_workbook(DEMO)
    book = load_workbook(io.BytesIO(content))
    row = next(r[0].row for r in book["scenario"].iter_rows() if r[0].value == "name")
    path = tmp_path / "plan.xlsx"
    path.write_bytes(_edit(content, "scenario", f"B{row}", "Kempen #2: 2026-2027"))
    assert load_scenario(path).name == "Kempen #2: 2026-2027"


def test_a_lone_table_workbook_is_a_table_not_a_scenario() -> None:
    assert not is_workbook_upload([("students.xlsx", b"")])
    assert is_workbook_upload([("plaatsing 2026.xlsx", b"")])


def test_a_file_that_is_not_a_workbook_is_a_user_mistake() -> None:
    with pytest.raises(ScenarioError) as caught:
        read_workbook("plan.xlsx", b"not a workbook")
    assert str(caught.value.problems[0]).startswith("plan.xlsx: cannot be read")
