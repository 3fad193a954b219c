"""Malformed scenarios: every mistake is reported, each with file, row and column.

Rows are counted as a spreadsheet user counts them: the header is row 1, the
first record row 2. Each test writes a small scenario folder (scenario.yaml and
the tables) the way a sector consultant would prepare it, changes one thing,
and checks what the matcher says about it (contract: shared/scenario-format.md).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from matcher.io import Problem, ScenarioError, load_scenario, scenario_from_document
from models.scenario import Scenario

Row = dict[str, Any]
Tables = dict[str, list[Row]]

REFERENCE_DATE = dt.date(2026, 9, 1)
MATCHER = Path(sys.executable).with_name("matcher")
REQUIRED = ("students", "workplaces", "mentors")


# --------------------------------------------------------------------------
# Building scenario folders
# --------------------------------------------------------------------------


def student(student_id: str, **cells: Any) -> Row:
    row: Row = {"student_id": student_id, "school_id": "SCH1", "programme": "LOG",
                "phase": "duaal", "grade": 3, "postcode": "3500"}
    row.update(cells)
    return row


def workplace(workplace_id: str, **cells: Any) -> Row:
    row: Row = {"workplace_id": workplace_id, "employer": f"Employer {workplace_id}",
                "sector": "logistiek", "recognised_programmes": "LOG", "seats": 2,
                "postcode": "3500"}
    row.update(cells)
    return row


def mentor(mentor_id: str, workplace_id: str, **cells: Any) -> Row:
    row: Row = {"mentor_id": mentor_id, "workplace_id": workplace_id}
    row.update(cells)
    return row


def valid_tables(optional: bool = False) -> Tables:
    """Two students, two workplaces with a mentor each; ``optional`` adds the other tables.

    The second record of each table (spreadsheet row 3) locates by lat/lon, the
    first (row 2) by postcode.
    """
    tables: Tables = {
        "students": [
            student("S1", sector_wishes="logistiek;retail"),
            student("S2", phase="aanloop", grade=2, postcode="", lat=50.93, lon=5.34),
        ],
        "workplaces": [
            workplace("W1"),
            workplace("W2", sector="retail", seats=1, offers_guided="true", postcode="",
                      lat=50.95, lon=5.35),
        ],
        "mentors": [mentor("M1", "W1"), mentor("M2", "W2", capacity=3)],
    }
    if optional:
        tables["placements"] = [{"student_id": "S1", "workplace_id": "W1", "mentor_id": "M1"}]
        tables["exclusions"] = [{"student_id": "S2", "workplace_id": "W1", "reason": "family"}]
        tables["travel_times"] = [
            {"student_id": "S2", "workplace_id": "W2", "minutes": 20},
            {"student_id": "S1", "workplace_id": "W2", "minutes": 35},
        ]
    return tables


def settings(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {"format_version": 1, "name": "Limburg logistiek test",
                                "reference_date": REFERENCE_DATE}
    document.update(changes)
    return document


def changed(tables: Tables, table: str, index: int, **cells: Any) -> Tables:
    """A copy of ``tables`` with some cells of record ``index`` (0 = spreadsheet row 2) changed."""
    result = copy.deepcopy(tables)
    result[table][index].update(cells)
    return result


def without_column(tables: Tables, table: str, column: str) -> Tables:
    result = copy.deepcopy(tables)
    for row in result[table]:
        row.pop(column, None)
    return result


def _columns(rows: list[Row]) -> list[str]:
    return list(dict.fromkeys(column for row in rows for column in row))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _typed(value: Any) -> Any:
    """A cell as Excel stores what a user types: numbers become numbers."""
    text = _text(value)
    if text == "":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def write_table(path: Path, rows: list[Row], *, bom: bool = False, line_end: str = "\n") -> None:
    """Write records as .csv (text), .xlsx (typed cells, first sheet) or .parquet (text)."""
    columns = _columns(rows)
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator=line_end)
            writer.writerow(columns)
            writer.writerows([[_text(row.get(c)) for c in columns] for row in rows])
    elif path.suffix == ".xlsx":
        frame = pd.DataFrame([[_typed(row.get(c)) for c in columns] for row in rows],
                             columns=columns, dtype=object)
        frame.to_excel(path, index=False)
    elif path.suffix == ".parquet":
        frame = pd.DataFrame([[_text(row.get(c)) or None for c in columns] for row in rows],
                             columns=columns, dtype=object)
        frame.to_parquet(path, index=False)
    else:  # pragma: no cover - helper misuse
        raise ValueError(path.suffix)


def write_scenario(
    folder: Path,
    tables: Tables | None = None,
    *,
    document: dict[str, Any] | str | None = None,
    suffix: str = ".csv",
    omit: tuple[str, ...] = (),
) -> Path:
    """Write scenario.yaml and one file per table into ``folder``; return the folder.

    ``document`` is the scenario.yaml content (a mapping, or raw text to write
    as is); ``omit`` names tables whose file is not written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    tables = valid_tables() if tables is None else tables
    document = settings() if document is None else document
    if isinstance(document, dict) and suffix != ".csv" and "tables" not in document:
        document = {**document, "tables": {name: f"{name}{suffix}" for name in tables}}
    text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    for name, rows in tables.items():
        if name not in omit:
            write_table(folder / f"{name}{suffix}", rows)
    return folder


def inline_document(tables: Tables) -> dict[str, Any]:
    return settings(tables=copy.deepcopy(tables))


# --------------------------------------------------------------------------
# Reading what the matcher says
# --------------------------------------------------------------------------


def listing(problems: list[Problem]) -> str:
    return "reported:\n" + "\n".join(f"  {p}" for p in problems)


def problems_in(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value.problems


def only_problem(path: Path) -> Problem:
    """The single problem reported for ``path`` (fails if there are none or several)."""
    problems = problems_in(path)
    assert len(problems) == 1, listing(problems)
    return problems[0]


def at(problems: list[Problem], file: str, row: int | None, column: str | None) -> Problem:
    found = [p for p in problems if (p.file, p.row, p.column) == (file, row, column)]
    assert found, f"nothing reported at {file} row {row}, column {column}; " + listing(problems)
    return found[0]


def digest(scenario: Scenario) -> dict[str, Any]:
    """What a scenario says, independent of the file format it came from."""
    st, wp, me = scenario.students, scenario.workplaces, scenario.mentors
    return {
        "students": list(st.ids), "phase_duaal": st.duaal.tolist(), "grade": st.grade.tolist(),
        "lat": st.lat.round(6).tolist(), "lon": st.lon.round(6).tolist(),
        "wishes": [[scenario.sectors.codes[i] for i in row[:n]]
                   for row, n in zip(st.wishes, st.wish_count, strict=True)],
        "priority": st.priority.tolist(), "contract_ready": st.contract_ready.tolist(),
        "workplaces": list(wp.ids), "employer": list(wp.employer), "seats": wp.seats.tolist(),
        "offers_guided": wp.offers_guided.tolist(), "w_lat": wp.lat.round(6).tolist(),
        "mentors": list(me.ids), "mentor_workplace": me.workplace.tolist(),
        "capacity": me.capacity.tolist(),
        "pinned": list(zip(scenario.pinned.student.tolist(), scenario.pinned.workplace.tolist(),
                           scenario.pinned.mentor.tolist(), strict=True)),
        "exclusions": scenario.exclusions.tolist(),
        "travel": list(zip(scenario.travel_keys.tolist(), scenario.travel_minutes.tolist(),
                           strict=True)),
    }


def run_matcher(*args: object) -> subprocess.CompletedProcess[str]:
    """Run the installed ``matcher`` command as a consultant would, output not a terminal."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR")}
    env["NO_COLOR"] = "1"
    return subprocess.run([str(MATCHER), *map(str, args)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, env=env, timeout=300, check=False)


def assert_input_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


# --------------------------------------------------------------------------
# The helper's scenario is valid
# --------------------------------------------------------------------------


def test_the_minimal_scenario_with_every_table_is_valid(tmp_path: Path) -> None:
    scenario = load_scenario(write_scenario(tmp_path, valid_tables(optional=True)))
    assert list(scenario.students.ids) == ["S1", "S2"]
    assert list(scenario.workplaces.ids) == ["W1", "W2"]
    assert list(scenario.mentors.ids) == ["M1", "M2"]
    assert len(scenario.pinned) == 1
    assert len(scenario.exclusions) == 1
    assert scenario.travel_minutes.tolist() == [35, 20]  # ordered by (student, workplace)


# --------------------------------------------------------------------------
# Columns and cells
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("students", "phase"),
        ("students", "student_id"),
        ("students", "programme"),
        ("workplaces", "seats"),
        ("workplaces", "recognised_programmes"),
        ("mentors", "workplace_id"),
        ("placements", "workplace_id"),
        ("exclusions", "student_id"),
        ("travel_times", "minutes"),
    ],
)
def test_a_missing_required_column_is_reported_on_the_header_row(
    tmp_path: Path, table: str, column: str
) -> None:
    tables = without_column(valid_tables(optional=True), table, column)
    problem = only_problem(write_scenario(tmp_path, tables))
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", 1, column)
    assert str(problem).startswith(f"{table}.csv row 1, column {column}: ")


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("students", "student_id"),
        ("students", "school_id"),
        ("students", "programme"),
        ("students", "phase"),
        ("students", "grade"),
        ("workplaces", "employer"),
        ("workplaces", "sector"),
        ("workplaces", "recognised_programmes"),
        ("workplaces", "seats"),
        ("mentors", "mentor_id"),
        ("mentors", "workplace_id"),
    ],
)
def test_an_empty_required_cell_is_reported_at_its_row_and_column(
    tmp_path: Path, table: str, column: str
) -> None:
    tables = changed(valid_tables(), table, 1, **{column: ""})
    problem = only_problem(write_scenario(tmp_path, tables))
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", 3, column)


def test_the_message_reads_file_row_column_and_the_wrong_value(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["students"] += [student(f"S{n}") for n in range(3, 14)]
    tables["students"][12]["phase"] = "duaaal"  # 13th record: spreadsheet row 14
    problem = only_problem(write_scenario(tmp_path, tables))
    assert str(problem) == (
        "students.csv row 14, column phase: 'duaaal' is not one of aanloop, duaal")


@pytest.mark.parametrize(
    ("table", "cells", "column", "shown"),
    [
        pytest.param("students", {"phase": "duaaal"}, "phase", "duaaal", id="phase"),
        pytest.param("students", {"grade": 4}, "grade", "4", id="grade-4"),
        pytest.param("students", {"contract_ready": "misschien"}, "contract_ready", "misschien",
                     id="boolean"),
        pytest.param("students", {"intensive_support": "soms"}, "intensive_support", "soms",
                     id="boolean-intensive"),
        pytest.param("workplaces", {"seats": "two"}, "seats", "two", id="seats-not-a-number"),
        pytest.param("workplaces", {"seats": -1}, "seats", "-1", id="seats-negative"),
        pytest.param("workplaces", {"seats": 1.5}, "seats", "1.5", id="seats-not-whole"),
        pytest.param("students", {"priority": 0}, "priority", "0", id="priority-0"),
        pytest.param("students", {"max_travel_min": -5}, "max_travel_min", "-5",
                     id="max-travel-negative"),
        pytest.param("students", {"birth_date": "2026-13-01"}, "birth_date", "2026-13-01",
                     id="date-month-13"),
        pytest.param("students", {"birth_date": "01/09/2026"}, "birth_date", "01/09/2026",
                     id="date-not-iso"),
        pytest.param("workplaces", {"recognised_until": "2026-02-30"}, "recognised_until",
                     "2026-02-30", id="date-no-such-day"),
        pytest.param("students", {"dutch_level": "B3"}, "dutch_level", "B3", id="cefr-student"),
        pytest.param("workplaces", {"min_dutch_level": "B3"}, "min_dutch_level", "B3",
                     id="cefr-workplace"),
        pytest.param("workplaces", {"min_age": "achttien"}, "min_age", "achttien",
                     id="min-age-not-a-number"),
        pytest.param("students", {"lat": 95}, "lat", "95", id="lat-95"),
        pytest.param("students", {"lon": 200}, "lon", "200", id="lon-200"),
        pytest.param("workplaces", {"lat": -91}, "lat", "-91", id="workplace-lat-minus-91"),
        pytest.param("workplaces", {"lat": "noord"}, "lat", "noord", id="lat-not-a-number"),
        pytest.param("mentors", {"capacity": -1}, "capacity", "-1", id="capacity-negative"),
        pytest.param("mentors", {"current_load": "veel"}, "current_load", "veel",
                     id="current-load-not-a-number"),
    ],
)
def test_a_wrong_value_is_reported_at_its_row_and_column(
    tmp_path: Path, table: str, cells: Row, column: str, shown: str
) -> None:
    problem = only_problem(write_scenario(tmp_path, changed(valid_tables(), table, 1, **cells)))
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", 3, column)
    assert shown in problem.message


@pytest.mark.parametrize(
    "cells",
    [
        pytest.param({"seats": 0}, id="seats-0"),
        pytest.param({"min_age": 0}, id="min-age-0"),
        pytest.param({"lat": 49.0, "lon": 7.0}, id="lat-lon-at-the-south-east-limits"),
        pytest.param({"lat": 52.0, "lon": 1.5}, id="lat-lon-at-the-north-west-limits"),
    ],
)
def test_values_on_the_allowed_limits_are_accepted(tmp_path: Path, cells: Row) -> None:
    tables = changed(valid_tables(), "workplaces", 1, **cells)
    tables = changed(tables, "students", 0, priority=1, max_travel_min=0)
    # W2's mentor: W1 (2 seats, its mentor with the default capacity) keeps room, so
    # the scenario can place someone.
    tables = changed(tables, "mentors", 1, capacity=0, current_load=0)
    load_scenario(write_scenario(tmp_path, tables))


# --------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["students", "workplaces"])
def test_lat_without_lon_is_reported(tmp_path: Path, table: str) -> None:
    problem = only_problem(write_scenario(tmp_path, changed(valid_tables(), table, 1, lon="")))
    assert (problem.file, problem.row) == (f"{table}.csv", 3)
    assert problem.column in ("lat", "lon")


@pytest.mark.parametrize("table", ["students", "workplaces"])
def test_lon_without_lat_is_reported(tmp_path: Path, table: str) -> None:
    problem = only_problem(write_scenario(tmp_path, changed(valid_tables(), table, 1, lat="")))
    assert (problem.file, problem.row) == (f"{table}.csv", 3)
    assert problem.column in ("lat", "lon")


@pytest.mark.parametrize("table", ["students", "workplaces"])
def test_a_record_without_any_location_is_reported(tmp_path: Path, table: str) -> None:
    tables = changed(valid_tables(), table, 1, lat="", lon="", postcode="")
    problem = only_problem(write_scenario(tmp_path, tables))
    assert (problem.file, problem.row) == (f"{table}.csv", 3)
    assert problem.column in ("lat", "lon", "postcode")


@pytest.mark.parametrize("table", ["students", "workplaces"])
def test_an_unknown_belgian_postcode_is_reported(tmp_path: Path, table: str) -> None:
    problem = only_problem(write_scenario(tmp_path,
                                          changed(valid_tables(), table, 0, postcode="9999")))
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", 2, "postcode")
    assert "9999" in problem.message


def test_a_postcode_stands_in_for_a_missing_lat_lon(tmp_path: Path) -> None:
    scenario = load_scenario(write_scenario(tmp_path, valid_tables()))
    hasselt = (50.930358, 5.336838)  # municipality centre of 3500 in the shipped table
    assert (scenario.students.lat[0], scenario.students.lon[0]) == pytest.approx(hasselt)
    assert (scenario.workplaces.lat[0], scenario.workplaces.lon[0]) == pytest.approx(hasselt)


# --------------------------------------------------------------------------
# Unique ids and references between tables
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "column"),
    [("students", "student_id"), ("workplaces", "workplace_id"), ("mentors", "mentor_id")],
)
def test_a_duplicate_id_names_its_row_and_the_row_it_repeats(
    tmp_path: Path, table: str, column: str
) -> None:
    tables = valid_tables()
    tables[table].append(copy.deepcopy(tables[table][0]))  # row 4 repeats row 2's id
    problem = only_problem(write_scenario(tmp_path, tables))
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", 4, column)
    assert "row 2" in problem.message
    assert repr(tables[table][0][column]) in problem.message


def test_ids_are_compared_exactly(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["students"].append(student("s1"))  # another student than S1
    assert list(load_scenario(write_scenario(tmp_path, tables)).students.ids) == [
        "S1", "S2", "s1"]


@pytest.mark.parametrize(
    ("table", "index", "cells", "column", "shown"),
    [
        pytest.param("mentors", 1, {"workplace_id": "W9"}, "workplace_id", "W9",
                     id="mentor-at-unknown-workplace"),
        pytest.param("placements", 0, {"student_id": "S9"}, "student_id", "S9",
                     id="placement-unknown-student"),
        pytest.param("placements", 0, {"workplace_id": "W9"}, "workplace_id", "W9",
                     id="placement-unknown-workplace"),
        pytest.param("placements", 0, {"mentor_id": "M9"}, "mentor_id", "M9",
                     id="placement-unknown-mentor"),
        pytest.param("placements", 0, {"mentor_id": "M2"}, "mentor_id", "M2",
                     id="placement-mentor-of-another-workplace"),
        pytest.param("exclusions", 0, {"student_id": "S9"}, "student_id", "S9",
                     id="exclusion-unknown-student"),
        pytest.param("exclusions", 0, {"workplace_id": "W9"}, "workplace_id", "W9",
                     id="exclusion-unknown-workplace"),
        pytest.param("travel_times", 1, {"student_id": "S9"}, "student_id", "S9",
                     id="travel-unknown-student"),
        pytest.param("travel_times", 1, {"workplace_id": "W9"}, "workplace_id", "W9",
                     id="travel-unknown-workplace"),
        pytest.param("travel_times", 1, {"minutes": -3}, "minutes", "-3",
                     id="travel-minutes-negative"),
        pytest.param("travel_times", 1, {"minutes": "twintig"}, "minutes", "twintig",
                     id="travel-minutes-not-a-number"),
    ],
)
def test_a_row_referring_to_an_unknown_or_wrong_record_is_reported(
    tmp_path: Path, table: str, index: int, cells: Row, column: str, shown: str
) -> None:
    tables = changed(valid_tables(optional=True), table, index, **cells)
    problem = only_problem(write_scenario(tmp_path, tables))
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", index + 2, column)
    assert shown in problem.message


def test_a_student_placed_twice_in_placements_is_reported(tmp_path: Path) -> None:
    tables = valid_tables(optional=True)
    tables["placements"].append({"student_id": "S1", "workplace_id": "W2", "mentor_id": "M2"})
    problem = only_problem(write_scenario(tmp_path, tables))
    assert (problem.file, problem.row, problem.column) == ("placements.csv", 3, "student_id")
    assert "row 2" in problem.message


def test_a_placement_without_mentor_is_accepted(tmp_path: Path) -> None:
    tables = changed(valid_tables(optional=True), "placements", 0, mentor_id="")
    scenario = load_scenario(write_scenario(tmp_path, tables))
    assert scenario.pinned.mentor.tolist() == [-1]


# --------------------------------------------------------------------------
# All mistakes at once
# --------------------------------------------------------------------------


def test_mistakes_in_several_files_are_all_reported_in_one_run(tmp_path: Path) -> None:
    tables = valid_tables(optional=True)
    tables = changed(tables, "students", 0, phase="duaaal")
    tables = changed(tables, "students", 1, grade=4, dutch_level="B3")
    tables = changed(tables, "workplaces", 1, seats=-1)
    tables = changed(tables, "mentors", 1, workplace_id="W9")
    tables = changed(tables, "travel_times", 0, student_id="S9")
    problems = problems_in(write_scenario(tmp_path, tables))
    assert len(problems) == 6, listing(problems)
    at(problems, "students.csv", 2, "phase")
    at(problems, "students.csv", 3, "grade")
    at(problems, "students.csv", 3, "dutch_level")
    at(problems, "workplaces.csv", 3, "seats")
    at(problems, "mentors.csv", 3, "workplace_id")
    at(problems, "travel_times.csv", 2, "student_id")




@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        pytest.param("missing-column", ("students.csv", 1, "phase"), id="missing-column"),
        pytest.param("missing-file", ("mentors.csv", None, None), id="missing-file"),
        pytest.param("bad-setting", ("scenario.yaml", None, "weights.wish"), id="bad-setting"),
    ],
)
def test_a_structural_mistake_does_not_hide_wrong_values_elsewhere(
    tmp_path: Path, mistake: str, expected: tuple[str, int | None, str | None]
) -> None:
    tables = changed(valid_tables(), "workplaces", 1, seats="two")
    document = settings()
    omit: tuple[str, ...] = ()
    if mistake == "missing-column":
        tables = without_column(tables, "students", "phase")
    elif mistake == "missing-file":
        omit = ("mentors",)
    else:
        document = settings(weights={"wish": -1})
    problems = problems_in(write_scenario(tmp_path, tables, document=document, omit=omit))
    at(problems, *expected)
    at(problems, "workplaces.csv", 3, "seats")
    assert len(problems) == 2, listing(problems)


def test_a_column_given_twice_is_reported_on_the_header_row(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    (folder / "mentors.csv").write_text("mentor_id,workplace_id,mentor_id\nM1,W1,M1\n"
                                        "M2,W2,M2\n", encoding="utf-8")
    problem = only_problem(folder)
    assert (problem.file, problem.row) == ("mentors.csv", 1)
    assert "mentor_id" in problem.message


def test_a_row_with_more_cells_than_the_header_is_reported_at_its_row(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    lines = (folder / "workplaces.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    employer = header.index("employer")
    cells = lines[2].split(",")
    cells[employer] = "Peeters, Transport NV"  # unquoted comma: one cell too many
    lines[2] = ",".join(cells)
    (folder / "workplaces.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    problem = only_problem(folder)
    assert (problem.file, problem.row) == ("workplaces.csv", 3)


def test_a_csv_that_is_neither_utf8_nor_windows_1252_is_one_message(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    text = (folder / "workplaces.csv").read_text(encoding="utf-8")
    # UTF-16 ("Unicode text" in Excel's Save As list)
    (folder / "workplaces.csv").write_bytes(text.encode("utf-16"))
    problem = only_problem(folder)
    assert problem.file == "workplaces.csv"
    assert ".xlsx" in problem.message


def test_a_byte_undefined_in_windows_1252_names_its_row(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    lines = (folder / "workplaces.csv").read_bytes().split(b"\n")
    lines[2] = lines[2].replace(b"Employer W2", b"Employer \x81W2")  # 0x81: no character
    (folder / "workplaces.csv").write_bytes(b"\n".join(lines))
    problem = only_problem(folder)
    assert (problem.file, problem.row) == ("workplaces.csv", 3)
    assert "Windows-1252" in problem.message and ".xlsx" in problem.message


def test_a_header_that_cannot_be_split_into_columns_is_one_message(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    text = (folder / "students.csv").read_text(encoding="utf-8")
    (folder / "students.csv").write_text(text.replace(",", "|"), encoding="utf-8")
    problem = only_problem(folder)  # not one per missing column, no "location required"
    assert (problem.file, problem.row) == ("students.csv", 1)
    assert ".xlsx" in problem.message


# --------------------------------------------------------------------------
# scenario.yaml and the files it names
# --------------------------------------------------------------------------


def test_a_missing_students_file_is_reported(tmp_path: Path) -> None:
    problem = only_problem(write_scenario(tmp_path, omit=("students",)))
    assert problem.file == "students.csv"
    assert "not found" in problem.message


@pytest.mark.parametrize(
    ("tables_setting", "file"),
    [
        pytest.param({"students": "leerlingen.csv"}, "leerlingen.csv", id="required-table"),
        pytest.param({"placements": "plaatsingen.xlsx"}, "plaatsingen.xlsx",
                     id="optional-table"),
    ],
)
def test_a_table_named_in_scenario_yaml_that_does_not_exist_is_reported(
    tmp_path: Path, tables_setting: dict[str, str], file: str
) -> None:
    folder = write_scenario(tmp_path, document=settings(tables=tables_setting))
    problem = only_problem(folder)
    assert problem.file == file
    assert "not found" in problem.message


def test_a_table_of_an_unsupported_file_type_is_reported(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path, document=settings(tables={"students": "students.txt"}))
    (folder / "students.txt").write_text("student_id\nS1\n", encoding="utf-8")
    problem = only_problem(folder)
    assert problem.file == "students.txt"
    assert ".txt" in problem.message


def test_an_empty_table_file_is_reported(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    (folder / "mentors.csv").write_bytes(b"")
    problem = only_problem(folder)
    assert problem.file == "mentors.csv"


def test_a_folder_without_scenario_yaml_is_reported(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    (folder / "scenario.yaml").unlink()
    problem = only_problem(folder)
    assert "scenario.yaml" in str(problem)


@pytest.mark.parametrize(
    ("document", "column"),
    [
        pytest.param({"format_version": 1, "name": "x"}, "reference_date",
                     id="reference-date-missing"),
        pytest.param(settings(reference_date="01/09/2026"), "reference_date",
                     id="reference-date-not-iso"),
        pytest.param(settings(format_version=2), "format_version", id="format-version-2"),
        pytest.param(settings(weights={"wish": -1}), "weights.wish", id="weight-negative"),
        pytest.param(settings(weights={"travel": 1.5}), "weights.travel",
                     id="weight-not-whole"),
        pytest.param(settings(policy={"objective": "fastest"}), "policy.objective",
                     id="unknown-objective"),
        pytest.param(settings(policy={"default_max_travel_min": -1}),
                     "policy.default_max_travel_min", id="max-travel-negative"),
    ],
)
def test_a_wrong_setting_in_scenario_yaml_names_the_setting(
    tmp_path: Path, document: dict[str, Any], column: str
) -> None:
    problem = only_problem(write_scenario(tmp_path, document=document))
    assert (problem.file, problem.column) == ("scenario.yaml", column)


def test_format_version_2_is_refused_with_the_version_this_matcher_reads(
    tmp_path: Path,
) -> None:
    problem = only_problem(write_scenario(tmp_path, document=settings(format_version=2)))
    assert "2" in problem.message
    assert "1" in problem.message


def test_scenario_yaml_that_is_not_valid_yaml_is_reported(tmp_path: Path) -> None:
    text = "format_version: 1\nname: [Limburg\nreference_date: 2026-09-01\n"
    problem = only_problem(write_scenario(tmp_path, document=text))
    assert problem.file == "scenario.yaml"


def test_scenario_yaml_that_is_not_a_mapping_is_reported(tmp_path: Path) -> None:
    problem = only_problem(write_scenario(tmp_path, document="- students.csv\n- mentors.csv\n"))
    assert problem.file == "scenario.yaml"


@pytest.mark.parametrize("day", ["2026-13-01", "2026-02-30"])
def test_an_impossible_unquoted_reference_date_is_reported(tmp_path: Path, day: str) -> None:
    text = f"format_version: 1\nname: Limburg\nreference_date: {day}\n"
    problem = only_problem(write_scenario(tmp_path, document=text))
    assert problem.file == "scenario.yaml"
    assert problem.column in (None, "reference_date")
    assert day in problem.message


# --------------------------------------------------------------------------
# .xlsx and .parquet tables
# --------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_the_same_scenario_as_xlsx_or_parquet_loads_like_csv(tmp_path: Path, suffix: str) -> None:
    tables = valid_tables(optional=True)
    from_csv = load_scenario(write_scenario(tmp_path / "csv", tables))
    other = load_scenario(write_scenario(tmp_path / suffix[1:], tables, suffix=suffix))
    assert digest(other) == digest(from_csv)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_number(
    tmp_path: Path, suffix: str
) -> None:
    tables = valid_tables()
    tables["students"] += [{}, student("S3", phase="duaaal")]  # row 4 blank, S3 on row 5
    problem = only_problem(write_scenario(tmp_path, tables, suffix=suffix))
    assert (problem.file, problem.row, problem.column) == (f"students{suffix}", 5, "phase")


@pytest.mark.parametrize(
    ("table", "cells", "column"),
    [
        pytest.param("workplaces", {"seats": -1}, "seats", id="negative-number-cell"),
        pytest.param("students", {"birth_date": "01/09/2026"}, "birth_date", id="text-date"),
        pytest.param("mentors", {"workplace_id": "W9"}, "workplace_id", id="reference"),
    ],
)
def test_a_mistake_in_an_xlsx_table_reports_the_spreadsheet_row(
    tmp_path: Path, table: str, cells: Row, column: str
) -> None:
    tables = valid_tables()
    tables[table] += [copy.deepcopy(tables[table][1]) for _ in range(3)]
    for n, row in enumerate(tables[table][2:], start=3):
        row[f"{table[:-1]}_id"] = f"{table[0].upper()}{n}"
    tables = changed(tables, table, 3, **cells)  # the 4th record: spreadsheet row 5
    problem = only_problem(write_scenario(tmp_path, tables, suffix=".xlsx"))
    assert (problem.file, problem.row, problem.column) == (f"{table}.xlsx", 5, column)


def test_a_parquet_table_with_typed_columns_loads(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    students = pd.DataFrame({
        "student_id": ["S1", "S2"],
        "school_id": ["SCH1", "SCH1"],
        "programme": ["LOG", "LOG"],
        "phase": ["duaal", "aanloop"],
        "grade": pd.array([3, 2], dtype="int64"),
        "contract_ready": [True, False],
        "postcode": ["3500", None],
        "lat": [float("nan"), 50.93],
        "lon": [float("nan"), 5.34],
        "max_travel_min": pd.array([30, None], dtype="Int64"),
        "birth_date": [dt.date(2008, 5, 1), None],
    })
    students.to_parquet(folder / "students.parquet", index=False)
    (folder / "students.csv").unlink()
    (folder / "scenario.yaml").write_text(
        yaml.safe_dump(settings(tables={"students": "students.parquet"})), encoding="utf-8")
    scenario = load_scenario(folder)
    assert scenario.students.grade.tolist() == [3, 2]
    assert scenario.students.contract_ready.tolist() == [True, False]
    assert scenario.students.max_travel_min.tolist() == [30, 45]
    assert scenario.students.lat[1] == pytest.approx(50.93)
    assert scenario.students.age.tolist()[0] == 18


def test_a_parquet_list_column_is_read_as_a_list(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    frame = pd.DataFrame([{k: ("" if v is None else str(v)) for k, v in row.items()}
                          for row in valid_tables()["students"]])
    frame["sector_wishes"] = [["logistiek", "retail"], []]
    frame.to_parquet(folder / "students.parquet", index=False)
    (folder / "scenario.yaml").write_text(
        yaml.safe_dump(settings(tables={"students": "students.parquet"})), encoding="utf-8")
    scenario = load_scenario(folder)
    assert digest(scenario)["wishes"] == [["logistiek", "retail"], []]


# --------------------------------------------------------------------------
# One document with the tables inlined
# --------------------------------------------------------------------------


def _native(tables: Tables) -> Tables:
    """Records with the types YAML or JSON would give: numbers, lists, dates."""
    result = copy.deepcopy(tables)
    result["students"][0]["sector_wishes"] = ["logistiek", "retail"]
    result["students"][0]["postcode"] = 3500
    result["students"][1].pop("postcode")
    result["workplaces"][1]["offers_guided"] = True
    result["workplaces"][1].pop("postcode")
    return result


def test_an_inline_yaml_document_loads_like_the_folder(tmp_path: Path) -> None:
    tables = valid_tables(optional=True)
    from_folder = load_scenario(write_scenario(tmp_path / "folder", tables))
    path = tmp_path / "limburg.yaml"
    path.write_text(yaml.safe_dump(inline_document(_native(tables)), sort_keys=False),
                    encoding="utf-8")
    assert digest(load_scenario(path)) == digest(from_folder)


def test_an_inline_json_document_loads_like_the_folder(tmp_path: Path) -> None:
    tables = valid_tables(optional=True)
    from_folder = load_scenario(write_scenario(tmp_path / "folder", tables))
    path = tmp_path / "limburg.json"
    path.write_text(json.dumps(inline_document(_native(tables)), default=str), encoding="utf-8")
    assert digest(load_scenario(path)) == digest(from_folder)


def test_an_inline_document_given_to_the_api_loads(tmp_path: Path) -> None:
    tables = valid_tables(optional=True)
    from_folder = load_scenario(write_scenario(tmp_path, tables))
    document = json.loads(json.dumps(inline_document(_native(tables)), default=str))
    assert digest(scenario_from_document(document)) == digest(from_folder)


def test_a_mistake_in_an_inline_table_names_the_table_row_and_column(tmp_path: Path) -> None:
    document = inline_document(changed(valid_tables(), "students", 1, phase="duaaal"))
    path = tmp_path / "limburg.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    problem = only_problem(path)
    assert "students" in problem.file
    # the second record of a YAML list is record 2 (no header row to count)
    assert (problem.row, problem.column, problem.row_label) == (2, "phase", "record")
    assert "duaaal" in problem.message
    assert "record 2, column phase" in str(problem)


def test_an_inline_table_that_is_not_a_list_of_records_is_reported(tmp_path: Path) -> None:
    document = inline_document(valid_tables())
    document["tables"]["mentors"] = ["M1", "M2"]
    path = tmp_path / "limburg.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    problem = only_problem(path)
    assert "mentors" in problem.file


# --------------------------------------------------------------------------
# Valid edge cases that must not be reported
# --------------------------------------------------------------------------


def test_a_csv_saved_with_a_utf8_bom_loads(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    for name, rows in valid_tables().items():
        write_table(folder / f"{name}.csv", rows, bom=True)
    assert (folder / "students.csv").read_bytes().startswith(b"\xef\xbb\xbfstudent_id")
    assert list(load_scenario(folder).students.ids) == ["S1", "S2"]


def test_a_csv_with_windows_line_endings_loads(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    for name, rows in valid_tables().items():
        write_table(folder / f"{name}.csv", rows, line_end="\r\n")
    scenario = load_scenario(folder)
    assert list(scenario.workplaces.ids) == ["W1", "W2"]
    assert scenario.workplaces.seats.tolist() == [2, 1]


@pytest.mark.parametrize(
    ("word", "value"),
    [("Ja", True), ("NEE", False), ("Yes", True), ("no", False), ("0", False), ("1", True),
     ("TRUE", True), ("False", False), (" ja ", True)],
)
def test_booleans_are_read_in_every_accepted_spelling(
    tmp_path: Path, word: str, value: bool
) -> None:
    tables = changed(valid_tables(), "students", 0, contract_ready=word, intensive_support=word)
    tables = changed(tables, "students", 1, contract_ready=word)
    tables = changed(tables, "workplaces", 0, offers_contract=word, accepts_grade2=word)
    scenario = load_scenario(write_scenario(tmp_path, tables))
    assert scenario.students.contract_ready.tolist() == [value, value]
    assert scenario.students.intensive.tolist() == [value, False]
    assert scenario.workplaces.offers_contract.tolist() == [value, True]
    assert scenario.workplaces.accepts_grade2.tolist() == [value, True]


def test_list_cells_are_trimmed_and_keep_the_first_of_repeated_values(tmp_path: Path) -> None:
    tables = changed(valid_tables(), "students", 0, sector_wishes=" logistiek ; retail;logistiek")
    tables = changed(tables, "workplaces", 0, recognised_programmes="LOG; ;LOG ")
    scenario = load_scenario(write_scenario(tmp_path, tables))
    assert digest(scenario)["wishes"] == [["logistiek", "retail"], []]
    assert scenario.programmes.codes == ("LOG",)


def test_an_unknown_extra_column_is_ignored(tmp_path: Path) -> None:
    tables = changed(valid_tables(), "students", 0, opmerking="komt met de fiets")
    tables = changed(tables, "workplaces", 1, Seats="veel")  # names are case-sensitive
    baseline = load_scenario(write_scenario(tmp_path / "plain", valid_tables()))
    scenario = load_scenario(write_scenario(tmp_path / "extra", tables))
    assert digest(scenario) == digest(baseline)


def test_empty_optional_cells_take_their_defaults(tmp_path: Path) -> None:
    empty_students = {c: "" for c in (
        "coach_id", "contract_ready", "sector_wishes", "competence_gaps", "adjustments", "lat",
        "lon", "max_travel_min", "birth_date", "dutch_level", "intensive_support", "priority")}
    empty_workplaces = {c: "" for c in (
        "recognised_until", "offers_contract", "offers_guided", "accepts_grade2",
        "adjustments_offered", "competences_offered", "lat", "lon", "min_age",
        "min_dutch_level")}
    tables = valid_tables(optional=True)
    tables["students"] = [student("S1", **empty_students),
                          student("S2", phase="aanloop", **empty_students)]
    tables["workplaces"] = [workplace("W1", **empty_workplaces),
                            workplace("W2", **empty_workplaces)]
    tables["mentors"] = [mentor("M1", "W1", capacity="", current_load=""),
                         mentor("M2", "W2", capacity="", current_load="")]
    tables["placements"][0]["mentor_id"] = ""
    tables["exclusions"][0]["reason"] = ""
    scenario = load_scenario(write_scenario(tmp_path, tables))
    st, wp, me = scenario.students, scenario.workplaces, scenario.mentors
    assert st.contract_ready.tolist() == [True, False]  # duaal yes, aanloop no
    assert st.priority.tolist() == [3, 2]
    assert st.max_travel_min.tolist() == [45, 45]
    assert st.intensive.tolist() == [False, False]
    assert wp.offers_contract.tolist() == [True, True]
    assert wp.offers_guided.tolist() == [False, False]
    assert wp.accepts_grade2.tolist() == [True, True]
    assert me.capacity.tolist() == [2, 2]
    assert me.current_load.tolist() == [0, 0]


# --------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------


def _three_mistakes(folder: Path) -> tuple[Path, list[str]]:
    tables = changed(valid_tables(optional=True), "students", 1, phase="duaaal")
    tables = changed(tables, "workplaces", 0, recognised_until="01/09/2026")
    tables = changed(tables, "placements", 0, mentor_id="M2")
    expected = [
        "students.csv row 3, column phase: 'duaaal' is not one of aanloop, duaal",
        "workplaces.csv row 2, column recognised_until:",
        "placements.csv row 2, column mentor_id:",
    ]
    return write_scenario(folder, tables), expected


def test_cli_validate_lists_every_problem_on_stderr_and_exits_with_2(tmp_path: Path) -> None:
    folder, expected = _three_mistakes(tmp_path / "scenario")
    result = run_matcher("validate", folder)
    assert_input_error(result)
    text = " ".join(result.stderr.split())  # the listing may be wrapped to the terminal
    for start in expected:
        assert start in text, result.stderr
    assert "3 problems" in text


def test_cli_prints_each_problem_on_one_line(tmp_path: Path) -> None:
    folder, _ = _three_mistakes(tmp_path / "scenario")
    lines = [line.strip() for line in run_matcher("validate", folder).stderr.splitlines()]
    for problem in problems_in(folder):
        assert str(problem) in lines, "\n".join(lines)


@pytest.mark.parametrize("out_exists", [False, True], ids=["new-out", "existing-empty-out"])
def test_cli_solve_writes_nothing_when_the_scenario_is_invalid(
    tmp_path: Path, out_exists: bool
) -> None:
    folder, expected = _three_mistakes(tmp_path / "scenario")
    out = tmp_path / "plan"
    if out_exists:
        out.mkdir()
    result = run_matcher("solve", folder, "--out", out)
    assert_input_error(result)
    assert expected[0] in " ".join(result.stderr.split())
    assert not out.exists() or list(out.iterdir()) == []


def test_cli_reports_a_missing_scenario_folder_as_an_input_error(tmp_path: Path) -> None:
    result = run_matcher("validate", tmp_path / "does-not-exist")
    assert_input_error(result)
    assert "does-not-exist" in result.stderr


def test_cli_reports_an_impossible_reference_date_as_an_input_error(tmp_path: Path) -> None:
    text = "format_version: 1\nname: Limburg\nreference_date: 2026-13-01\n"
    folder = write_scenario(tmp_path / "scenario", document=text)
    out = tmp_path / "plan"
    result = run_matcher("solve", folder, "--out", out)
    assert_input_error(result)
    assert "scenario.yaml" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []


def test_cli_validates_and_solves_a_correct_scenario(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path / "scenario", valid_tables(optional=True))
    validated = run_matcher("validate", folder)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    out = tmp_path / "plan"
    solved = run_matcher("solve", folder, "--out", out)
    assert solved.returncode == 0, solved.stdout + solved.stderr
    assert (out / "plan.json").is_file()


def test_cli_validates_an_inline_document(tmp_path: Path) -> None:
    path = tmp_path / "limburg.yaml"
    path.write_text(yaml.safe_dump(inline_document(_native(valid_tables(optional=True)))),
                    encoding="utf-8")
    result = run_matcher("validate", path)
    assert result.returncode == 0, result.stdout + result.stderr
