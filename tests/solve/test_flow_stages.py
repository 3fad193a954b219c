"""Solving the objective's levels in stages gives the same lexicographic optimum
as the merged costs, and keeps solve and re-plan working at the largest weights
the validator accepts."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import matcher.solve.cpsat as cpsat
import matcher.solve.flow as flow
from matcher.candidates import build_candidates
from matcher.check import check_plan
from matcher.generate import GeneratorSettings, write_scenario
from matcher.io import load_scenario
from matcher.pipeline import SolveSettings, run_solve
from matcher.replan import replan_after_refusals
from matcher.solve import solve
from matcher.solve.capacity import residual_capacity
from matcher.solve.problem import build_problem
from models.config import MAX_WEIGHT, OBJECTIVES, Objective, Weights
from models.plan import Plan
from models.scenario import IntArray, Scenario
from tests.solve.test_backends import networkx_objective
from tests.solve.test_lemon import level_values as solution_level_values
from tests.strategies import tiny_scenarios

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def every_level_a_stage(monkeypatch: pytest.MonkeyPatch) -> None:
    """No two levels fit together: placement, keep and cost are solved one by one."""
    monkeypatch.setattr(flow, "safe_cost", lambda nodes: 1)


def level_values(scenario: Scenario, objective: Objective,
                 keep: IntArray | None = None) -> list[int]:
    solution = solve(scenario, build_candidates(scenario), objective=objective, keep=keep)
    return solution_level_values(scenario, solution, keep)


@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(scenario=tiny_scenarios(max_students=12, max_workplaces=6, pinned=False))
def test_stages_reach_the_networkx_optimum(
    scenario: Scenario, objective: Objective, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        every_level_a_stage(patch)
        staged = solve(scenario, build_candidates(scenario), objective=objective)
    assert staged.objective_value == networkx_objective(scenario, objective)


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("folder", ["demo", "generated/ratio-0.8", "generated/ratio-1.5"])
def test_stages_match_the_merged_costs_for_solve_and_keep(
    folder: str, objective: Objective, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = load_scenario(SCENARIOS / folder)
    merged = level_values(scenario, objective)
    first = solve(scenario, build_candidates(scenario), objective=objective)
    keep = np.roll(first.workplace, 1)  # a previous plan to stay close to
    merged_keep = level_values(scenario, objective, keep)
    every_level_a_stage(monkeypatch)
    assert level_values(scenario, objective) == merged
    assert level_values(scenario, objective, keep) == merged_keep


@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(scenario=tiny_scenarios(max_students=8, max_workplaces=4, pinned=False))
def test_cpsat_stages_reach_the_flow_objective(
    scenario: Scenario, objective: Objective, monkeypatch: pytest.MonkeyPatch
) -> None:
    flow_run = run_solve(scenario, SolveSettings(objective=objective))
    with monkeypatch.context() as patch:
        patch.setattr(cpsat, "EXACT_FLOAT", 1)  # one CP-SAT stage per level
        staged = run_solve(scenario, SolveSettings(backend="cpsat", objective=objective,
                                                   time_limit_s=20))
    assert staged.solution.status == "optimal"
    assert staged.solution.objective_value == flow_run.solution.objective_value


@pytest.fixture(scope="module")
def large_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_scenario(GeneratorSettings(students=3000, ratio=1.5, seed=5),
                          tmp_path_factory.mktemp("large"))


def with_weights(scenario: Scenario, wish: int, competence: int, travel: int) -> Scenario:
    weights = Weights(wish=wish, competence=competence, travel=travel)
    return dataclasses.replace(scenario, config=scenario.config.model_copy(
        update={"weights": weights}))


def refuse_three(plan: Plan) -> list[tuple[str, str]]:
    return [(a.student_id, a.workplace_id) for a in plan.assignments if not a.pinned][:3]


def total_cost(plan: Plan) -> int:
    return sum(a.cost for a in plan.assignments)


def test_largest_weights_solve_and_replan_as_their_small_multiple(large_dir: Path) -> None:
    """Weights all at the maximum rank plans exactly as weights all 1 (every cost
    is a multiple): the same placements per priority and moves, cost × MAX_WEIGHT.
    Before stages, this re-plan failed with BAD_COST_RANGE."""
    base = load_scenario(large_dir)
    small, large = with_weights(base, 1, 1, 1), with_weights(base, *(3 * [MAX_WEIGHT]))
    small_run, large_run = run_solve(small, SolveSettings()), run_solve(large, SolveSettings())
    assert check_plan(large, large_run.plan.as_contract()) == []
    assert large_run.plan.summary == small_run.plan.summary
    assert total_cost(large_run.plan) == MAX_WEIGHT * total_cost(small_run.plan)

    refusals = refuse_three(small_run.plan)  # both re-plan the same previous plan
    small_replan = replan_after_refusals(small, small_run.plan, refusals, SolveSettings())
    large_replan = replan_after_refusals(large, small_run.plan, refusals, SolveSettings())
    assert check_plan(large_replan.run.scenario, large_replan.run.plan.as_contract()) == []
    assert large_replan.run.plan.summary == small_replan.run.plan.summary
    assert len(large_replan.moved) == len(small_replan.moved)
    assert total_cost(large_replan.run.plan) == MAX_WEIGHT * total_cost(small_replan.run.plan)


def test_unequal_largest_weights_replan_in_stages(large_dir: Path) -> None:
    """Maximum weights with no common divisor: the re-plan needs stages, and it
    keeps the placements per priority of a re-plan at small weights."""
    base = load_scenario(large_dir)
    scenario = with_weights(base, MAX_WEIGHT, MAX_WEIGHT - 1, MAX_WEIGHT - 2)
    run = run_solve(scenario, SolveSettings())
    refusals = refuse_three(run.plan)
    replan = replan_after_refusals(scenario, run.plan, refusals, SolveSettings())
    assert check_plan(replan.run.scenario, replan.run.plan.as_contract()) == []
    small = replan_after_refusals(with_weights(base, 3, 2, 1), run.plan, refusals,
                                  SolveSettings())
    assert replan.run.plan.summary == small.run.plan.summary
    assert len(replan.moved) == len(small.moved)
    problem = build_problem(replan.run.scenario, replan.run.candidates,
                            residual_capacity(replan.run.scenario), "priority-first",
                            keep=run.solution.workplace)
    assert len(flow._network(problem, np.arange(len(problem.arc_student))).stages) > 1
