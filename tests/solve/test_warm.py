"""A warm re-solve after a sequence of refusals equals a cold solve of the
changed scenario: the same value of every level (placements per priority,
students kept in place, cost), and a plan the checker accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.check import check_plan
from matcher.io import load_scenario
from matcher.pipeline import SolveSettings, run_solve
from matcher.replan import Replan, previous_workplaces, replan_after_refusals
from models.config import OBJECTIVES, Objective
from models.plan import Plan
from models.scenario import Scenario
from tests.solve.test_lemon import level_values
from tests.strategies import tiny_scenarios

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def assert_same_optimum(scenario: Scenario, plan: Plan, warm: Replan, cold: Replan) -> None:
    keep = previous_workplaces(scenario, plan)
    changed = cold.run.scenario
    assert check_plan(changed, warm.run.plan.as_contract()) == []
    # placements per priority, students kept where they were, cost; which of
    # equally good students gains a seat may differ, so the lists of changes may
    assert (level_values(changed, warm.run.solution, keep)
            == level_values(changed, cold.run.solution, keep))


def refusal_sequence(scenario: Scenario, objective: Objective, data: st.DataObject,
                     steps: int) -> None:
    lemon, flow = SolveSettings(backend="lemon", objective=objective), SolveSettings(
        objective=objective)
    plan = run_solve(scenario, lemon).plan
    engine = None
    for _ in range(steps):
        placed = [(a.student_id, a.workplace_id) for a in plan.assignments if not a.pinned]
        if not placed:
            return
        refusals = data.draw(st.lists(st.sampled_from(placed), min_size=1, max_size=2,
                                      unique=True))
        warm = replan_after_refusals(scenario, plan, refusals, lemon, engine)
        cold = replan_after_refusals(scenario, plan, refusals, flow)
        assert_same_optimum(scenario, plan, warm, cold)
        scenario, plan, engine = warm.run.scenario, warm.run.plan, warm.warm


@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=tiny_scenarios(max_students=10, max_workplaces=5, pinned=False),
       data=st.data())
def test_warm_refusals_equal_a_cold_solve(scenario: Scenario, objective: Objective,
                                          data: st.DataObject) -> None:
    refusal_sequence(scenario, objective, data, steps=4)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_warm_refusals_on_flanders_equal_a_cold_solve(data: st.DataObject) -> None:
    """At full size the engine keeps its basis across the refusals."""
    refusal_sequence(load_scenario(SCENARIOS / "flanders-2023"), "priority-first", data, steps=3)


def test_the_engine_is_handed_on_and_reused() -> None:
    scenario = load_scenario(SCENARIOS / "demo")
    lemon = SolveSettings(backend="lemon")
    plan = run_solve(scenario, lemon).plan
    first_pair = [(a.student_id, a.workplace_id) for a in plan.assignments if not a.pinned]
    first = replan_after_refusals(scenario, plan, first_pair[:1], lemon)
    assert first.warm is not None and first.warm.scenario is first.run.scenario
    engine = first.warm.rebuilds
    next_pair = [(a.student_id, a.workplace_id) for a in first.run.plan.assignments
                 if not a.pinned][:1]
    second = replan_after_refusals(first.run.scenario, first.run.plan, next_pair, lemon,
                                   first.warm)
    assert second.warm is first.warm and second.warm.rebuilds == engine
    assert "candidates" not in second.run.stage_seconds  # nothing evaluated again
