"""The flow backend reaches the exact lexicographic optimum (brute-force oracle),
and every plan it writes passes the independent checker."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings

from matcher.check import check_plan, plan_score
from matcher.pipeline import SolveSettings, run_solve
from models.config import OBJECTIVES, Objective
from models.scenario import Scenario
from tests.solve.brute_force import best_score
from tests.strategies import tiny_scenarios


@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=tiny_scenarios(max_students=5, max_workplaces=3))
def test_flow_reaches_the_brute_force_lexicographic_optimum(
    scenario: Scenario, objective: Objective
) -> None:
    best = best_score(scenario, objective)
    assume(best is not None)
    run = run_solve(scenario, SolveSettings(objective=objective))
    plan = run.plan.as_contract()
    assert check_plan(scenario, plan) == []
    assert plan_score(scenario, plan, objective) == best
