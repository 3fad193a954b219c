"""CP-SAT backend: the same problem as a 0-1 model, for rules that are not
network-shaped. Warm-started from the flow optimum, time-limited; reports
``optimal`` only when CP-SAT proves it, else ``feasible`` with its bound."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from matcher.solve.problem import AssignmentProblem
from models.scenario import BoolArray


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


def solve_cpsat(
    problem: AssignmentProblem,
    hint: BoolArray | None,
    time_limit_s: float,
    seed: int = 0,
    workers: int = 1,
) -> CpSatResult:
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
    # minimise Σ cost·x + Σ penalty·(1 − placed) = Σ (cost − penalty)·x + Σ penalty
    gain = problem.arc_cost - problem.penalty[problem.arc_student]
    constant = int(problem.penalty[problem.free].sum())
    model.minimize(sum(int(g) * x[a] for a, g in enumerate(gain)) + constant)
    if hint is not None:
        for a in range(n_arcs):
            model.add_hint(x[a], bool(hint[a]))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # The model's LP relaxation is integral (a network matrix), so a full LP
    # proves the flow optimum at once; probing only costs time here.
    solver.parameters.linearization_level = 2
    solver.parameters.cp_model_probing_level = 0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if hint is None:
            raise RuntimeError(f"CP-SAT found no solution ({solver.status_name(status)})")
        return CpSatResult(hint, False, problem.objective_value(hint),
                           int(solver.best_objective_bound))
    chosen = np.asarray([solver.boolean_value(v) for v in x], dtype=bool)
    return CpSatResult(
        chosen=chosen,
        optimal=status == cp_model.OPTIMAL,
        objective=round(solver.objective_value),
        bound=int(np.ceil(solver.best_objective_bound - 1e-6)),
    )
