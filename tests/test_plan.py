"""Pinned placements, conflicts and the plan's shape (contract: placements.csv, plan.json)."""

from __future__ import annotations

import json
from typing import Any

from matcher.check import check_plan
from matcher.pipeline import SolveSettings, run_solve
from matcher.plan import _EXACT_LISTS, _float_free, plan_json
from models.plan import Assignment, CapacityConflict, SolverInfo
from models.scenario import Scenario
from tests.builders import mentor, scenario, student, workplace


def _plan(sc: Scenario, **settings: Any) -> dict[str, Any]:
    plan = run_solve(sc, SolveSettings(**settings)).plan.as_contract()
    assert check_plan(sc, plan) == []
    return plan


def _by_student(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["student_id"]: a for a in plan["assignments"]}


def test_pinned_placement_is_kept_and_uses_the_seat() -> None:
    sc = scenario([student("S1", priority=1), student("S2", priority=3)],
                  [workplace("W1", seats=1)],
                  placements=[{"student_id": "S2", "workplace_id": "W1", "mentor_id": ""}])
    plan = _plan(sc)
    assert _by_student(plan)["S2"]["pinned"] is True
    assert _by_student(plan)["S2"]["mentor_id"] == "M-W1"
    assert [u["student_id"] for u in plan["unmatched"]] == ["S1"]
    assert plan["unmatched"][0]["reason"] == "capacity"


def test_pinned_placement_keeps_its_named_mentor() -> None:
    sc = scenario([student("S1")], [workplace("W1", seats=2)],
                  [mentor("MA", "W1", capacity=1), mentor("MB", "W1", capacity=1)],
                  placements=[{"student_id": "S1", "workplace_id": "W1", "mentor_id": "MB"}])
    assert _by_student(_plan(sc))["S1"]["mentor_id"] == "MB"


def test_pinned_row_breaking_a_rule_is_kept_and_listed_as_conflict() -> None:
    sc = scenario([student("S1", programme="ZORG", adjustments="rolstoel")],
                  [workplace("W1", seats=1)],
                  placements=[{"student_id": "S1", "workplace_id": "W1"}])
    plan = _plan(sc)
    assert _by_student(plan)["S1"]["pinned"] is True
    assert plan["conflicts"] == [{"student_id": "S1", "workplace_id": "W1",
                                  "rules": ["recognised_for_programme", "adjustments"]}]


def test_pinned_rows_overfilling_a_workplace_are_kept_as_capacity_conflicts() -> None:
    sc = scenario([student("S1"), student("S2"), student("S3")], [workplace("W1", seats=1)],
                  placements=[{"student_id": "S1", "workplace_id": "W1"},
                              {"student_id": "S2", "workplace_id": "W1"}])
    plan = _plan(sc)
    assert plan["conflicts"] == []  # no hard rule is broken: only the seat limit
    assert plan["capacity_conflicts"] == [
        {"student_id": "S1", "workplace_id": "W1", "limits": ["seats"]},
        {"student_id": "S2", "workplace_id": "W1", "limits": ["seats"]},
    ]
    assert [u["student_id"] for u in plan["unmatched"]] == ["S3"]


def test_pinned_cost_is_the_arc_cost_whatever_it_is() -> None:
    sc = scenario([student("S1", sector_wishes="retail;bouw")],
                  [workplace("W1", sector="logistiek")],
                  placements=[{"student_id": "S1", "workplace_id": "W1"}],
                  weights={"wish": 10, "competence": 6, "travel": 1})
    a = _by_student(_plan(sc))["S1"]
    assert a["breakdown"] == {"wish": 20, "competence": 0, "travel": 0}
    assert a["cost"] == 20


def test_every_student_appears_exactly_once() -> None:
    sc = scenario([student(f"S{i}") for i in range(6)], [workplace("W1", seats=2)])
    plan = _plan(sc)
    ids = [a["student_id"] for a in plan["assignments"]] + [
        u["student_id"] for u in plan["unmatched"]]
    assert sorted(ids) == [f"S{i}" for i in range(6)]


def test_priority_first_protects_priority_1_even_at_a_higher_cost() -> None:
    sc = scenario([student("S1", priority=1, lat=51.05), student("S2", priority=3)],
                  [workplace("W1", seats=1)])
    assert [a["student_id"] for a in _plan(sc)["assignments"]] == ["S1"]
    assert [a["student_id"] for a in _plan(sc, objective="placements-first")["assignments"]] == [
        "S2"]


def test_priority_first_prefers_one_protected_student_to_two_others() -> None:
    # S1 (priority 1) can only go to W1; S2 and S3 both fit W1 or W2 but there is one seat each.
    sc = scenario(
        [student("S1", priority=1), student("S2", priority=3), student("S3", priority=3,
                                                                         programme="BOUW")],
        [workplace("W1", seats=1, recognised_programmes="LOG;BOUW"),
         workplace("W2", seats=1, recognised_programmes="BOUW")],
    )
    placed = {a["student_id"] for a in _plan(sc)["assignments"]}
    assert "S1" in placed and len(placed) == 2


def test_intensive_support_students_need_separate_mentors() -> None:
    sc = scenario([student("S1", intensive_support=True), student("S2", intensive_support=True)],
                  [workplace("W1", seats=2)], [mentor("M1", "W1", capacity=2)],
                  policy={"max_intensive_per_mentor": 1})
    assert len(_plan(sc)["assignments"]) == 1
    sc2 = scenario([student("S1", intensive_support=True), student("S2", intensive_support=True)],
                   [workplace("W1", seats=2)],
                   [mentor("M1", "W1", capacity=1), mentor("M2", "W1", capacity=1)],
                   policy={"max_intensive_per_mentor": 1})
    mentors = {a["mentor_id"] for a in _plan(sc2)["assignments"]}
    assert mentors == {"M1", "M2"}


def test_mentor_current_load_and_sector_default_capacity() -> None:
    sc = scenario([student(f"S{i}") for i in range(4)],
                  [workplace("W1", seats=9, sector="zorg")],
                  [mentor("M1", "W1", current_load=1)],
                  policy={"mentor_capacity": {"default": 2, "zorg": 3}})
    assert len(_plan(sc)["assignments"]) == 2


def test_workplace_without_mentor_takes_nobody() -> None:
    # W2 has a mentor (a scenario where nobody can be placed is refused) but is not
    # recognised for the student's programme: only W1, without mentor, passes the rules.
    sc = scenario([student("S1")],
                  [workplace("W1", seats=3), workplace("W2", recognised_programmes="X")],
                  mentors=[mentor("M2", "W2")])
    plan = _plan(sc)
    assert plan["assignments"] == []
    assert plan["unmatched"][0]["reason"] == "capacity"
    assert "has no free seat or mentor at all" in plan["unmatched"][0]["detail"]


def test_pinned_row_at_a_workplace_without_mentor_keeps_a_null_mentor() -> None:
    sc = scenario([student("S1")], [workplace("W1"), workplace("W2")],
                  mentors=[mentor("M2", "W2")],
                  placements=[{"student_id": "S1", "workplace_id": "W1"}])
    plan = _plan(sc)
    assert plan["assignments"][0]["mentor_id"] is None
    assert plan["capacity_conflicts"][0]["limits"] == ["mentor"]


def test_placed_by_priority_lists_every_level_even_when_nobody_is_placed() -> None:
    sc = scenario([student("S1", priority=1, programme="ZORG"), student("S2", priority=3)],
                  [workplace("W1")])
    assert _plan(sc)["summary"]["placed_by_priority"] == {"1": 0, "3": 1}


def test_a_scenario_without_students_gives_an_empty_plan() -> None:
    sc = scenario([], [workplace("W1")])
    plan = _plan(sc)
    assert plan["assignments"] == [] and plan["unmatched"] == []
    assert plan["summary"] == {"students": 0, "placed": 0, "placed_by_priority": {},
                               "students_by_priority": {}}


def test_plan_json_is_exactly_what_the_standard_encoder_writes() -> None:
    """plan.json is written row by row through templates (fast); its text must be the
    standard encoder's to the byte, odd ids included (quotes, %, accents, a tab),
    pinned and unpinned rows, a null mentor, unmatched students' nested details."""
    odd = ['S"1%s', "Sé\t2", "S3\\", "S4"]
    sc = scenario([student(odd[0], priority=1), student(odd[1]), student(odd[2]),
                   student(odd[3], programme="elsewhere")],
                  [workplace('W%d"1', seats=2), workplace("W2", seats=1)],
                  [mentor("M1", 'W%d"1', capacity=2)],
                  placements=[{"student_id": odd[1], "workplace_id": "W2", "mentor_id": ""}])
    plan = run_solve(sc, SolveSettings()).plan
    assert plan.assignments and plan.unmatched
    assert plan_json(plan) == json.dumps(plan.as_contract(), ensure_ascii=False, indent=2) + "\n"


def test_only_lists_without_fractions_are_written_by_pydantics_encoder() -> None:
    """pydantic writes 1e-05 as 0.00001: rows that may hold a float (the solver's
    seconds, an explanation's parameters) stay with the standard encoder's rules."""
    assert {"assignments", "conflicts", "capacity_conflicts"} == _EXACT_LISTS
    assert not _float_free(SolverInfo) and not _float_free(dict[str, Any])
    assert _float_free(Assignment) and _float_free(list[CapacityConflict])
