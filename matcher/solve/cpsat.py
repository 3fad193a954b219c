"""CP-SAT backend: the same problem as a 0-1 model, for rules that are not
network-shaped. Warm-started from the flow optimum, time-limited; reports
``optimal`` only when CP-SAT proves it, else ``feasible`` with its bound.

The merged objective (``matcher.solve.problem``) is one CP-SAT objective when
its worst case stays below 2**53 (CP-SAT reports objective values as doubles
and refuses objectives that could overflow int64); otherwise the levels are
solved in stages, each stage's optimum fixed by a constraint before the next.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from matcher.solve.problem import AssignmentProblem, merge_groups, multipliers
from models.scenario import BoolArray

EXACT_FLOAT = 2**53


@dataclass(frozen=True)
class CpSatResult:
    chosen: BoolArray
    optimal: bool
    objective: int
    bound: int


def _groups(index: np.ndarray, size: int) -> list[np.ndarray]:
    order = np.argsort(index, kind="stable")
    cuts = np.searchsorted(index[order], np.arange(size + 1))
    return [order[cuts[i] : cuts[i + 1]] for i in range(size)]


def _lowest_level_values(problem: AssignmentProblem) -> list[int]:
    """A lower bound on each level's total: every free student at their cheapest option."""
    bounds = []
    for level in problem.levels:
        cheapest = level.unplaced.copy()
        np.minimum.at(cheapest, problem.arc_student, level.arc)
        bounds.append(int(cheapest[problem.free].sum()))
    return bounds


def solve_cpsat(
    problem: AssignmentProblem,
    hint: BoolArray | None,
    time_limit_s: float,
    seed: int = 0,
    workers: int = 1,
) -> CpSatResult:
    started = time.perf_counter()
    model = cp_model.CpModel()
    n_arcs = len(problem.arc_student)
    x = [model.new_bool_var(f"x{a}") for a in range(n_arcs)]
    for arcs in _groups(problem.arc_student, problem.n_students):
        if len(arcs) > 1:
            model.add_at_most_one(x[a] for a in arcs)
    for w, arcs in enumerate(_groups(problem.arc_workplace, problem.n_workplaces)):
        if not len(arcs):
            continue
        model.add(sum(x[a] for a in arcs) <= int(problem.workplace_room[w]))
        intensive = [x[a] for a in arcs if problem.intensive[problem.arc_student[a]]]
        if intensive:
            model.add(sum(intensive) <= int(problem.workplace_intensive[w]))

    limit = EXACT_FLOAT // (n_arcs + problem.n_students + 1)
    stages = merge_groups(problem.spans, problem.n_free, limit)
    every_arc, every_student = np.arange(n_arcs), np.arange(problem.n_students)
    best = hint
    for number, group in enumerate(stages):
        level = problem.merged(group, every_arc, every_student)
        # minimise Σ cost·x + Σ unplaced·(1 − placed) = Σ (cost − unplaced)·x + Σ unplaced
        gain = level.arc - level.unplaced[problem.arc_student]
        constant = int(level.unplaced[problem.free].sum())
        expression = sum(int(g) * x[a] for a, g in enumerate(gain))
        model.minimize(expression + constant)
        model.clear_hints()  # type: ignore[no-untyped-call]
        if best is not None:
            for a in range(n_arcs):
                model.add_hint(x[a], bool(best[a]))
        solver = _solver(max(time_limit_s - (time.perf_counter() - started), 0.001), seed,
                         workers)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if best is None:
                raise RuntimeError(f"CP-SAT found no solution ({solver.status_name(status)})")
            if len(stages) == 1:
                return CpSatResult(best, False, problem.objective_value(best),
                                   int(solver.best_objective_bound))
            return _stopped_early(problem, best, stages, number)
        best = np.asarray([solver.boolean_value(v) for v in x], dtype=bool)
        if len(stages) == 1:
            return CpSatResult(
                chosen=best,
                optimal=status == cp_model.OPTIMAL,
                objective=round(solver.objective_value),
                bound=int(np.ceil(solver.best_objective_bound - 1e-6)),
            )
        if status != cp_model.OPTIMAL:
            return _stopped_early(problem, best, stages, number)
        model.add(expression == int(gain[best].sum()))
    assert best is not None
    value = problem.objective_value(best)
    return CpSatResult(best, True, value, value)


def _solver(time_limit_s: float, seed: int, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # The model's LP relaxation is integral (a network matrix), so a full LP
    # proves the flow optimum at once; probing only costs time here.
    solver.parameters.linearization_level = 2
    solver.parameters.cp_model_probing_level = 0
    return solver


def _stopped_early(problem: AssignmentProblem, chosen: BoolArray, stages: list[range],
                   unproven: int) -> CpSatResult:
    """A staged solve whose stage ``unproven`` ran out of time: the levels before
    it are proven, the others are bounded by every student's cheapest option."""
    weights = multipliers(problem.spans, problem.n_free)
    values, lowest = problem.level_values(chosen), _lowest_level_values(problem)
    proven = stages[unproven].start
    bound = sum(w * (v if i < proven else low)
                for i, (w, v, low) in enumerate(zip(weights, values, lowest, strict=True)))
    return CpSatResult(chosen, False, problem.objective_value(chosen), bound)
