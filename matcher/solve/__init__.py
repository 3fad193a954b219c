"""Solve a scenario: choose a workplace and a mentor for each free student."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from matcher.candidates import Candidates
from matcher.solve.capacity import Capacity, residual_capacity
from matcher.solve.flow import solve_flow
from matcher.solve.lemon import programme_groups, solve_lemon
from matcher.solve.mentors import assign_mentors
from matcher.solve.problem import AssignmentProblem, build_problem
from models.config import Objective
from models.plan import BACKENDS, Backend, Status
from models.scenario import IntArray, Scenario


@dataclass(frozen=True)
class Solution:
    backend: Backend
    objective: Objective
    status: Status
    seconds: float
    workplace: IntArray  # per student, -1 when unplaced (pinned rows included)
    mentor: IntArray  # per student, -1 when unplaced or no mentor exists
    candidate: IntArray  # per student: position in Candidates, -1 if none (pinned, unplaced)
    objective_value: int
    bound: int
    capacity: Capacity


def solve(
    scenario: Scenario,
    candidates: Candidates,
    backend: Backend = "flow",
    objective: Objective | None = None,
    time_limit_s: float = 60.0,
    seed: int = 0,
    keep: IntArray | None = None,
    workers: int = 1,
) -> Solution:
    """An optimal plan; with ``keep`` (previous workplace per student), the one
    that moves the fewest students among the optimal ones."""
    started = time.perf_counter()
    objective = objective or scenario.config.policy.objective
    capacity = residual_capacity(scenario)
    problem = build_problem(scenario, candidates, capacity, objective, keep)
    if backend == "lemon":
        chosen = solve_lemon(problem, workers=workers, groups=programme_groups(scenario))
    else:
        chosen = solve_flow(problem, workers=workers)
    status: Status = "optimal"
    value = bound = problem.objective_value(chosen)
    if backend == "cpsat":
        # imported here: CP-SAT takes a quarter of a second to import
        from matcher.solve.cpsat import solve_cpsat

        result = solve_cpsat(problem, hint=chosen, time_limit_s=time_limit_s, seed=seed)
        chosen, value, bound = result.chosen, result.objective, result.bound
        status = "optimal" if result.optimal else "feasible"
    return _solution(scenario, problem, capacity, chosen, backend, objective, status,
                     value, bound, time.perf_counter() - started)


def optimal_solution(scenario: Scenario, problem: AssignmentProblem, capacity: Capacity,
                     chosen: np.ndarray, backend: Backend, objective: Objective, value: int,
                     seconds: float) -> Solution:
    """The solution of an exact solve's chosen arcs (its objective value is its bound)."""
    return _solution(scenario, problem, capacity, chosen, backend, objective, "optimal",
                     value, value, seconds)


def _solution(
    scenario: Scenario,
    problem: AssignmentProblem,
    capacity: Capacity,
    chosen: np.ndarray,
    backend: Backend,
    objective: Objective,
    status: Status,
    value: int,
    bound: int,
    seconds: float,
) -> Solution:
    n = len(scenario.students)
    workplace = np.full(n, -1, dtype=np.int64)
    candidate = np.full(n, -1, dtype=np.int64)
    workplace[problem.arc_student[chosen]] = problem.arc_workplace[chosen]
    candidate[problem.arc_student[chosen]] = problem.arc_candidate[chosen]
    pinned = scenario.pinned
    workplace[pinned.student] = pinned.workplace
    return Solution(
        backend=backend,
        objective=objective,
        status=status,
        seconds=seconds,
        workplace=workplace,
        mentor=assign_mentors(scenario, workplace, capacity),
        candidate=candidate,
        objective_value=value,
        bound=bound,
        capacity=capacity,
    )


__all__ = ["BACKENDS", "Backend", "Solution", "optimal_solution", "solve"]
