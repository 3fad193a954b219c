"""Unknown columns: a near-miss of a known optional column is a misspelling (an error),
anything else is an extra column (a warning); contract "Additions within version 1"."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.io import Problem, ScenarioError, load_scenario, scenario_from_document
from tests.io.test_validation import (
    changed,
    digest,
    inline_document,
    only_problem,
    settings,
    valid_tables,
    write_scenario,
)


@pytest.mark.parametrize(
    ("table", "column", "suggestion"),
    [
        pytest.param("students", "adjustment", "adjustments", id="one-letter-short"),
        pytest.param("students", "adjustmen", "adjustments", id="two-letters-short"),
        pytest.param("students", "Adjustments", "adjustments", id="case-is-an-edit"),
        pytest.param("students", "sector_wish", "sector_wishes", id="sector-wish"),
        pytest.param("students", "long", "lon", id="short-name"),
        pytest.param("workplaces", "min_dutch_lvl", "min_dutch_level", id="workplaces"),
        pytest.param("mentors", "capacty", "capacity", id="mentors"),
    ],
)
def test_a_near_miss_of_an_optional_column_is_an_error_with_the_suggestion(
    tmp_path: Path, table: str, column: str, suggestion: str
) -> None:
    tables = changed(valid_tables(), table, 0, **{column: "x"})
    problem = only_problem(write_scenario(tmp_path, tables))
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", 1, column)
    assert repr(suggestion) in problem.message
    assert "allow_unknown_columns" in problem.message


def test_allow_unknown_columns_turns_a_near_miss_into_a_warning(tmp_path: Path) -> None:
    tables = changed(valid_tables(), "students", 0, adjustment="rolstoel")
    baseline = load_scenario(write_scenario(tmp_path / "plain", valid_tables()))
    scenario = load_scenario(write_scenario(tmp_path / "allowed", tables,
                                            document=settings(allow_unknown_columns=True)))
    assert digest(scenario) == digest(baseline)  # the column is kept out of the model
    assert scenario.students.adjustments.any() == baseline.students.adjustments.any()
    assert any("'adjustment'" in w and "'adjustments'" in w for w in map(str, scenario.warnings))


@pytest.mark.parametrize(
    "column",
    [
        pytest.param("opmerking", id="unrelated"),
        pytest.param("adjustme", id="three-edits-away"),
        pytest.param("ADJUSTMENTS", id="upper-case-is-many-edits"),
        pytest.param("programmes", id="near-a-required-column-only"),
    ],
)
def test_another_unknown_column_is_a_warning(tmp_path: Path, column: str) -> None:
    tables = changed(valid_tables(), "students", 0, **{column: "x"})
    baseline = load_scenario(write_scenario(tmp_path / "plain", valid_tables()))
    scenario = load_scenario(write_scenario(tmp_path / "extra", tables))
    assert digest(scenario) == digest(baseline)
    assert [w for w in map(str, scenario.warnings) if repr(column) in w] == [
        f"students.csv row 1, column {column}: unknown column {column!r} is ignored"]


def test_a_near_miss_in_an_inline_table_is_an_error() -> None:
    document = inline_document(changed(valid_tables(), "mentors", 1, current_loads=1))
    with pytest.raises(ScenarioError) as caught:
        scenario_from_document(document)
    [problem] = caught.value.problems
    assert (problem.file, problem.row, problem.column) == (
        "scenario tables.mentors", 1, "current_loads")
    assert "'current_load'" in problem.message


def test_allow_unknown_columns_must_be_a_yes_no_setting(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path, document=settings(allow_unknown_columns="misschien"))
    problem = only_problem(folder)
    assert (problem.file, problem.column) == ("scenario.yaml", "allow_unknown_columns")


def test_a_bad_value_in_every_row_is_reported_once_per_row(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["students"] = [dict(tables["students"][i % 2], student_id=f"S{i}",
                               intensive_support="soms") for i in range(400)]
    folder = write_scenario(tmp_path, tables)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    problems = caught.value.problems
    assert [p.row for p in problems] == list(range(2, 402))
    assert {(p.column, p.message) for p in problems} == {
        ("intensive_support",
         "'soms' is not a yes/no value (true/false, yes/no, 1/0, ja/nee)")}


# The service's id rule: the contract allows any non-empty id (the command line reads
# them all), the service refuses ids that cannot be shown or named in a web address.


def web_problems_in(path: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, web_ids=True)
    return caught.value.problems


@pytest.mark.parametrize(
    ("table", "column", "bad_id", "said"),
    [
        pytest.param("students", "student_id", "S/1", "'/'", id="slash-in-student"),
        pytest.param("workplaces", "workplace_id", "W\x1b1", "control character",
                     id="escape-in-workplace"),
        pytest.param("mentors", "mentor_id", "M\t1", "control character", id="tab-in-mentor"),
    ],
)
def test_an_id_that_cannot_be_shown_or_named_in_an_address_is_reported_at_its_cell(
    tmp_path: Path, table: str, column: str, bad_id: str, said: str
) -> None:
    tables = changed(valid_tables(), table, 1, **{column: bad_id})
    problems = [p for p in web_problems_in(write_scenario(tmp_path, tables))
                if (p.file, p.row, p.column) == (f"{table}.csv", 3, column)]
    assert problems, "the bad id is reported at its own cell"
    assert said in problems[0].message


def test_a_reference_with_a_slash_is_reported_at_the_referring_cell(tmp_path: Path) -> None:
    tables = changed(valid_tables(), "mentors", 0, workplace_id="W/1")
    problems = web_problems_in(write_scenario(tmp_path, tables))
    assert any((p.file, p.row, p.column) == ("mentors.csv", 2, "workplace_id")
               and "'/'" in p.message for p in problems)


def test_ids_with_spaces_accents_and_punctuation_stay_valid(tmp_path: Path) -> None:
    tables = changed(valid_tables(), "students", 0, student_id="Élève 1-b.(2026)")
    scenario = load_scenario(write_scenario(tmp_path, tables), web_ids=True)
    assert "Élève 1-b.(2026)" in list(scenario.students.ids)


def test_the_command_line_reads_any_non_empty_id_as_the_contract_allows(tmp_path: Path) -> None:
    tables = changed(valid_tables(), "students", 1, student_id="S/1")
    scenario = load_scenario(write_scenario(tmp_path, tables))
    assert "S/1" in list(scenario.students.ids)


def test_a_nul_in_an_inline_table_id_is_reported_at_its_record() -> None:
    tables = changed(valid_tables(), "students", 1, student_id="S\x002")
    with pytest.raises(ScenarioError) as refused:
        scenario_from_document(inline_document(tables), web_ids=True)
    problem = next(p for p in refused.value.problems if p.column == "student_id")
    assert (problem.row, problem.row_label) == (2, "record")
    assert "control character" in problem.message
