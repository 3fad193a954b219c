"""Re-planning after a refusal moves as few other students as possible."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.check import check_plan
from matcher.diff import plan_diff, student_priorities
from matcher.io import load_scenario
from matcher.pipeline import SolveSettings, run_solve
from matcher.plan import plan_json
from matcher.replan import (
    id_positions,
    previous_workplaces,
    replan_after_refusals,
    with_exclusions,
    with_pins,
)
from models.plan import Plan
from tests.builders import scenario, student, workplace

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo"


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


def test_demo_refusal_shows_who_lost_and_who_gained_the_place() -> None:
    # S25 (priority 2) takes W26's last seat; S26 waits for it (capacity). When S25's
    # placement is refused, S26 gains the seat, and the re-plan says so.
    sc = load_scenario(DEMO)
    first = run_solve(sc, SolveSettings())
    result = replan_after_refusals(sc, first.plan, [("S25", "W26")], SolveSettings())
    changes = {c.student_id: c for c in result.diff.changes}
    assert set(changes) == {"S25", "S26"}
    assert changes["S25"].change == "lost" and changes["S25"].before is not None
    assert changes["S25"].before.workplace_id == "W26"
    assert changes["S26"].change == "gained" and changes["S26"].after is not None
    assert changes["S26"].after.workplace_id == "W26"
    assert result.moved == ["S26"]  # every other student whose place changed


def _document(plan: Plan) -> str:
    """plan.json without its timing."""
    contract = plan.as_contract()
    contract["solver"].pop("seconds")
    return json.dumps(contract, ensure_ascii=False, indent=2)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 10_000), min_size=1, max_size=4))
def test_a_chain_of_warm_replans_on_kept_plans_equals_full_cold_replans(
        picks: list[int]) -> None:
    # The service's solver process keeps the plan it stored and its warm engine, builds
    # the new plan reusing the rows that stay equal, and lists only the changed students.
    # Each step must store what a full cold re-plan of the stored (parsed) plan stores:
    # a solve of the changed scenario staying close to it, every row built, the whole
    # difference.
    sc = load_scenario(DEMO)
    lemon = SolveSettings(backend="lemon")
    kept = stored = run_solve(sc, lemon).plan
    refusals: list[tuple[str, str]] = []
    warm = None
    for pick in picks:
        free = [a for a in kept.assignments if not a.pinned]
        refusals.append((free[pick % len(free)].student_id, free[pick % len(free)].workplace_id))
        fast = replan_after_refusals(sc, kept, refusals, lemon, warm)
        cold = run_solve(with_exclusions(sc, refusals), lemon,
                         keep=previous_workplaces(sc, stored)).plan
        assert _document(fast.run.plan) == _document(cold)
        difference = plan_diff(stored, cold, student_priorities(sc))
        assert fast.changes == difference.changes
        assert fast.moved == [c.student_id for c in difference.changes
                              if c.student_id not in {s for s, _ in refusals}]
        kept, warm = fast.run.plan, fast.warm
        stored = Plan.model_validate_json(plan_json(kept))
        assert stored == kept  # what the solver process keeps is what it stored


def test_id_positions_are_kept_only_for_the_ids_they_were_made_for() -> None:
    # a what-if version shares its parent's extras but may hold other workplaces
    sc = load_scenario(DEMO)
    ids = sc.workplaces.ids
    assert id_positions(ids, sc.extras, "workplaces") == {str(v): i for i, v in enumerate(ids)}
    other = ids[::-1].copy()
    assert id_positions(other, sc.extras, "workplaces") == {
        str(v): i for i, v in enumerate(other)}
