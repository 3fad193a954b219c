"""Re-planning after a refusal moves as few other students as possible."""

from __future__ import annotations

from matcher.check import check_plan
from matcher.pipeline import SolveSettings, run_solve
from matcher.replan import replan_after_refusals, with_pins
from tests.builders import scenario, student, workplace


def test_refused_pair_is_excluded_and_others_stay() -> None:
    # Five students, six one-seat workplaces in a row: a refusal could cascade,
    # but the best re-plan moves only the refused student.
    students = [student(f"S{i}", lat=51.0 + i / 100) for i in range(5)]
    workplaces = [workplace(f"W{i}", lat=51.0 + i / 100) for i in range(6)]
    sc = scenario(students, workplaces)
    first = run_solve(sc, SolveSettings())
    refused = next(a for a in first.plan.assignments if a.student_id == "S2")
    result = replan_after_refusals(sc, first.plan, [("S2", refused.workplace_id)],
                                   SolveSettings())
    plan = result.run.plan
    assert check_plan(result.run.scenario, plan.as_contract()) == []
    new = {a.student_id: a.workplace_id for a in plan.assignments}
    assert new["S2"] != refused.workplace_id
    assert result.moved == []
    assert len(plan.assignments) == 5


def test_pins_become_existing_placements() -> None:
    sc = scenario([student("S1"), student("S2")], [workplace("W1", seats=1),
                                                   workplace("W2", seats=1)])
    pinned = with_pins(sc, [("S2", "W2", None)])
    plan = run_solve(pinned, SolveSettings()).plan
    by_student = {a.student_id: a for a in plan.assignments}
    assert by_student["S2"].workplace_id == "W2" and by_student["S2"].pinned
