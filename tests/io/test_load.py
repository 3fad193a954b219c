"""Scenario-wide checks of the loader: plausible locations and empty capacity
(contract "Additions within version 1")."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.io import load_scenario
from tests.io.test_validation import (
    assert_input_error,
    changed,
    mentor,
    only_problem,
    problems_in,
    run_matcher,
    settings,
    valid_tables,
    workplace,
    write_scenario,
)

# --------------------------------------------------------------------------
# Plausible locations: 49.0–52.0 N, 1.5–7.0 E
# --------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["students", "workplaces"])
@pytest.mark.parametrize(("lat", "lon"), [(49.0, 1.5), (52.0, 7.0), (49.0, 7.0), (52.0, 1.5)])
def test_a_location_on_the_edge_of_the_area_is_inside(
    tmp_path: Path, table: str, lat: float, lon: float
) -> None:
    scenario = load_scenario(write_scenario(tmp_path, changed(valid_tables(), table, 1,
                                                              lat=lat, lon=lon)))
    located = getattr(scenario, table)
    assert (located.lat[1], located.lon[1]) == (lat, lon)


@pytest.mark.parametrize(
    ("cells", "column", "shown"),
    [
        pytest.param({"lat": 48.99}, "lat", "48.99", id="south"),
        pytest.param({"lat": 52.01}, "lat", "52.01", id="north"),
        pytest.param({"lon": 1.49}, "lon", "1.49", id="west"),
        pytest.param({"lon": 7.01}, "lon", "7.01", id="east"),
        pytest.param({"lat": 40.4, "lon": -3.7}, "lat", "40.4", id="madrid"),
        pytest.param({"lat": 0, "lon": 0}, "lat", "0", id="zero"),
    ],
)
@pytest.mark.parametrize("table", ["students", "workplaces"])
def test_a_location_outside_belgium_and_its_neighbours_is_an_error(
    tmp_path: Path, table: str, cells: dict[str, float], column: str, shown: str
) -> None:
    problems = problems_in(write_scenario(tmp_path, changed(valid_tables(), table, 1, **cells)))
    assert {(p.file, p.row) for p in problems} == {(f"{table}.csv", 3)}
    first = next(p for p in problems if p.column == column)
    assert shown in first.message
    assert "swapped" not in first.message


@pytest.mark.parametrize("table", ["students", "workplaces"])
def test_a_swapped_pair_says_the_two_seem_swapped(tmp_path: Path, table: str) -> None:
    tables = changed(valid_tables(), table, 1, lat=5.34, lon=50.93)
    problem = only_problem(write_scenario(tmp_path, tables))
    assert (problem.file, problem.row, problem.column) == (f"{table}.csv", 3, "lat")
    assert "latitude and longitude seem swapped" in problem.message


def test_a_pair_outside_both_ways_is_not_called_swapped(tmp_path: Path) -> None:
    # swapped it would be lat 4.0, still outside: two plain range errors
    tables = changed(valid_tables(), "students", 1, lat=4.0, lon=60.0)
    problems = problems_in(write_scenario(tmp_path, tables))
    assert {p.column for p in problems} == {"lat", "lon"}
    assert not any("swapped" in p.message for p in problems)


def test_a_postcode_location_is_always_inside(tmp_path: Path) -> None:
    # Arlon (6700), the southernmost of the shipped municipality centres
    tables = changed(valid_tables(), "students", 0, postcode="6700")
    assert load_scenario(write_scenario(tmp_path, tables)).students.lat[0] > 49.0


# --------------------------------------------------------------------------
# Empty capacity: no workplace has a seat with a mentor who has room
# --------------------------------------------------------------------------


def test_an_empty_mentors_table_is_an_error(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    (folder / "mentors.csv").write_text("mentor_id,workplace_id,capacity,current_load\n",
                                        encoding="utf-8")
    problem = only_problem(folder)
    assert problem.file == "mentors.csv"
    assert problem.message.startswith("no student can be placed: ")
    assert "no mentors" in problem.message


def test_no_seats_anywhere_is_an_error(tmp_path: Path) -> None:
    tables = changed(changed(valid_tables(), "workplaces", 0, seats=0), "workplaces", 1, seats=0)
    problem = only_problem(write_scenario(tmp_path, tables))
    assert (problem.file, problem.row, problem.column) == ("workplaces.csv", 1, "seats")
    assert problem.message.startswith("no student can be placed: ")
    assert "0 seats" in problem.message


def test_mentors_who_are_all_full_are_an_error(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["mentors"] = [mentor("M1", "W1", capacity=2, current_load=2),
                         mentor("M2", "W2", capacity=1, current_load=3)]
    problem = only_problem(write_scenario(tmp_path, tables))
    assert (problem.file, problem.column) == ("mentors.csv", "current_load")
    assert problem.message.startswith("no student can be placed: ")
    assert "full" in problem.message


def test_a_policy_capacity_of_zero_is_an_error(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["mentors"] = [mentor("M1", "W1"), mentor("M2", "W2")]  # capacity from the policy
    document = settings(policy={"mentor_capacity": {"default": 0}})
    problem = only_problem(write_scenario(tmp_path, tables, document=document))
    assert (problem.file, problem.column) == ("mentors.csv", "capacity")
    assert problem.message.startswith("no student can be placed: ")
    assert "policy.mentor_capacity" in problem.message


def test_mentors_with_room_only_where_there_is_no_seat_are_an_error(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["workplaces"] = [workplace("W1", seats=0), workplace("W2", seats=2)]
    tables["mentors"] = [mentor("M1", "W1", capacity=2), mentor("M2", "W2", capacity=0)]
    problem = only_problem(write_scenario(tmp_path, tables))
    assert problem.file == "mentors.csv"
    assert problem.message.startswith("no student can be placed: ")


def test_one_seat_with_one_mentor_with_room_is_enough(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["workplaces"] = [workplace("W1", seats=0), workplace("W2", seats=1)]
    tables["mentors"] = [mentor("M1", "W1", capacity=2), mentor("M2", "W2", capacity=2,
                                                               current_load=1)]
    assert len(load_scenario(write_scenario(tmp_path, tables)).mentors) == 2


def test_empty_capacity_is_not_claimed_when_the_tables_hold_other_mistakes(
    tmp_path: Path,
) -> None:
    tables = valid_tables()
    tables["mentors"] = [mentor("M1", "W9"), mentor("M2", "W8")]  # unknown workplaces
    problems = problems_in(write_scenario(tmp_path, tables))
    assert {(p.file, p.column) for p in problems} == {("mentors.csv", "workplace_id")}
    assert not any("no student can be placed" in p.message for p in problems)


def test_cli_validate_refuses_an_empty_mentors_table_with_exit_2(tmp_path: Path) -> None:
    folder = write_scenario(tmp_path)
    (folder / "mentors.csv").write_text("mentor_id,workplace_id\n", encoding="utf-8")
    result = run_matcher("validate", folder)
    assert_input_error(result)
    assert "mentors.csv" in result.stderr and "no student can be placed" in result.stderr
