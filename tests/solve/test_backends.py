"""Both backends agree with each other and with an independent networkx model
of the per-mentor network from DESIGN.md (student → workplace → mentor → sink,
a gate per mentor for intensive-support students)."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from matcher.candidates import build_candidates
from matcher.check import check_plan
from matcher.io import load_scenario
from matcher.pipeline import SolveSettings, run_solve
from matcher.solve import solve
from matcher.solve.capacity import residual_capacity
from matcher.solve.problem import build_problem
from models.config import OBJECTIVES, Objective
from models.scenario import Scenario
from tests.strategies import tiny_scenarios


def networkx_objective(scenario: Scenario, objective: Objective) -> int:
    """Σ cost + Σ unplaced penalties, solved by networkx on the per-mentor network."""
    candidates = build_candidates(scenario)
    problem = build_problem(scenario, candidates, residual_capacity(scenario), objective)
    merged = problem.merged(range(len(problem.levels)), np.arange(len(problem.arc_student)),
                            np.arange(problem.n_students))
    s, w, m = scenario.students, scenario.workplaces, scenario.mentors
    limit = scenario.config.policy.max_intensive_per_mentor
    graph = nx.DiGraph()
    free = np.flatnonzero(problem.free)
    graph.add_node("sink", demand=len(free))
    for i in free.tolist():
        graph.add_node(("s", i), demand=-1)
        graph.add_edge(("s", i), "sink", capacity=1, weight=int(merged.unplaced[i]))
    for a in range(len(problem.arc_student)):
        i, j = int(problem.arc_student[a]), int(problem.arc_workplace[a])
        kind = "wi" if s.intensive[i] else "wn"
        graph.add_edge(("s", i), (kind, j), capacity=1, weight=int(merged.arc[a]))
    for x in range(len(m)):
        j = int(m.workplace[x])
        graph.add_edge(("wn", j), ("m", x), capacity=int(m.room[x]), weight=0)
        graph.add_edge(("wi", j), ("gate", x), capacity=limit, weight=0)
        graph.add_edge(("gate", x), ("m", x), capacity=int(m.room[x]), weight=0)
        graph.add_edge(("m", x), ("seat", j), capacity=int(m.room[x]), weight=0)
    for j in range(len(w)):
        graph.add_edge(("seat", j), "sink", capacity=int(w.seats[j]), weight=0)
    return int(nx.min_cost_flow_cost(graph))


@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=tiny_scenarios(max_students=12, max_workplaces=6, pinned=False))
def test_flow_matches_the_networkx_per_mentor_network(
    scenario: Scenario, objective: Objective
) -> None:
    candidates = build_candidates(scenario)
    solution = solve(scenario, candidates, objective=objective)
    assert solution.objective_value == networkx_objective(scenario, objective)


@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=tiny_scenarios(max_students=10, max_workplaces=5))
def test_cpsat_reaches_the_flow_objective(scenario: Scenario, objective: Objective) -> None:
    flow = run_solve(scenario, SolveSettings(backend="flow", objective=objective))
    cpsat = run_solve(scenario, SolveSettings(backend="cpsat", objective=objective,
                                              time_limit_s=20))
    assert cpsat.solution.status == "optimal"
    assert cpsat.solution.objective_value == flow.solution.objective_value
    plan = cpsat.plan.as_contract()
    assert check_plan(scenario, plan) == []


SHIPPED = sorted(
    p.parent for p in (Path(__file__).resolve().parents[2] / "scenarios").rglob("scenario.yaml")
)


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("folder", SHIPPED, ids=lambda p: p.name)
def test_both_backends_reach_the_same_objective_on_shipped_scenarios(
    folder: Path, objective: Objective
) -> None:
    scenario = load_scenario(folder)
    flow = run_solve(scenario, SolveSettings(backend="flow", objective=objective))
    cpsat = run_solve(scenario, SolveSettings(backend="cpsat", objective=objective,
                                              time_limit_s=60))
    assert cpsat.solution.status == "optimal"
    assert cpsat.solution.objective_value == flow.solution.objective_value
    assert check_plan(scenario, cpsat.plan.as_contract()) == []
