"""A solved re-plan problem kept in LEMON's network simplex with its basis.

A consultant refuses pairs one after another; each re-plan must be optimal
for the changed scenario and, among optimal plans, move the fewest students
away from the plan before it (``matcher.solve.problem``: the keep level).
Both changes are small edits of one network: a refusal closes one student →
workplace arc (capacity 0), and the plan to stay close to changes the keep
level's cost on the arcs of the students who moved. The network simplex
re-solves from the previous optimum's basis, which is exact (the basis is
only a starting point) and takes milliseconds where a cold solve takes
tenths of seconds.

Only single-stage problems are kept warm (every level merged into one cost,
the usual case); a problem whose levels must be solved in stages is left to a
cold solve (``build`` returns None).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np

from matcher.candidates import Candidates
from matcher.solve import Solution, lemon, optimal_solution
from matcher.solve.capacity import Capacity, residual_capacity
from matcher.solve.flow import _local_index, _network, stage_costs
from matcher.solve.problem import AssignmentProblem, Level, build_problem
from models.config import Objective
from models.scenario import BoolArray, IntArray, Scenario


class WarmNetwork:
    """The network of an ``AssignmentProblem`` with a keep level, solved warm."""

    def __init__(self, problem: AssignmentProblem, solver: lemon.LemonNetwork,
                 capacities: IntArray, students: IntArray, inner_arcs: int) -> None:
        self.problem = problem
        self._lemon = solver
        self._capacities = capacities
        self._students = students  # students with an arc, in network order
        self._inner_arcs = inner_arcs
        self._pair_order = np.argsort(self._pair_keys(problem.arc_student, problem.arc_workplace))

    @classmethod
    def build(cls, problem: AssignmentProblem) -> WarmNetwork | None:
        """The network of ``problem`` in LEMON, or None when it needs stages
        or has no keep level (it must be a re-plan problem)."""
        if len(problem.levels) != 3 or not len(problem.arc_student):
            return None
        arcs = np.arange(len(problem.arc_student))
        network = _network(problem, arcs, lemon.lemon_safe_cost)
        if len(network.stages) != 1:
            return None
        students, _ = _local_index(problem.arc_student, problem.n_students)
        inner = len(network.tails) - len(arcs) - len(students)
        solver = lemon.LemonNetwork.build(len(network.supplies), network.tails, network.heads,
                                          network.capacities, network.stages[0], network.supplies)
        return cls(problem, solver, network.capacities.copy(), students, inner)

    def _pair_keys(self, student: IntArray, workplace: IntArray) -> IntArray:
        keys: IntArray = student.astype(np.int64) * self.problem.n_workplaces + workplace
        return keys

    def arcs_of(self, student: IntArray, workplace: IntArray) -> IntArray:
        """Positions of these (student, workplace) pairs among the problem's arcs;
        pairs that are no arc (not allowed, or a pinned student) are left out."""
        keys = self._pair_keys(self.problem.arc_student, self.problem.arc_workplace)
        wanted = self._pair_keys(np.asarray(student), np.asarray(workplace))
        at = np.searchsorted(keys, wanted, sorter=self._pair_order)
        at = np.minimum(at, len(keys) - 1)
        found = self._pair_order[at]
        arcs: IntArray = found[keys[found] == wanted]
        return arcs

    def close(self, arcs: IntArray) -> None:
        """No student may be placed on these arcs any more (a refusal)."""
        self._capacities[arcs] = 0
        self._lemon.set_capacities(self._capacities)

    def stay_close_to(self, workplace: IntArray) -> None:
        """A new plan to move as few students away from (a workplace per
        student, -1 for none): the keep level's cost changes."""
        p = self.problem
        stays = workplace[p.arc_student] == p.arc_workplace
        placement, kept, cost = p.levels
        if np.array_equal(stays, kept.arc < 0):
            return  # the same plan: no cost changes
        keep = Level(-stays.astype(np.int64), np.zeros(p.n_students, dtype=np.int64), 1)
        self.problem = dataclasses.replace(p, levels=(placement, keep, cost))
        arcs = np.arange(len(p.arc_student))
        (costs,) = stage_costs(self.problem, arcs, self._students, self._inner_arcs,
                               lemon.lemon_safe_cost(self._lemon.nodes))
        self._lemon.set_costs(costs)

    def solve(self) -> BoolArray:
        """Chosen arcs of the optimum after the changes so far (warm)."""
        flows = self._lemon.solve()
        return np.asarray(flows[: len(self.problem.arc_student)] > 0)


class WarmReplan:
    """Refusal re-plans of one scenario, each one a warm re-solve of the last.

    ``start`` solves the re-plan of a scenario cold; ``refuse`` takes the same
    scenario with more pairs excluded and the plan to stay close to, and
    answers the re-plan a cold solve would give (same level values)."""

    def __init__(self, scenario: Scenario, candidates: Candidates, objective: Objective,
                 capacity: Capacity, network: WarmNetwork, solution: Solution) -> None:
        self.scenario = scenario
        self.candidates = candidates
        self.objective = objective
        self.capacity = capacity
        self.network = network
        self.solution = solution
        self._candidate_of_arc = network.problem.arc_candidate.copy()

    @classmethod
    def start(cls, scenario: Scenario, candidates: Candidates, objective: Objective,
              keep: IntArray) -> WarmReplan | None:
        """The re-plan of ``scenario`` staying close to ``keep``, solved cold; None
        when its levels must be solved in stages (then solve cold with ``solve``)."""
        started = time.perf_counter()
        capacity = residual_capacity(scenario)
        network = WarmNetwork.build(build_problem(scenario, candidates, capacity, objective, keep))
        if network is None:
            return None
        chosen = network.solve()
        value = network.problem.objective_value(chosen)
        solution = optimal_solution(scenario, network.problem, capacity, chosen, "lemon",
                                    objective, value, time.perf_counter() - started)
        return cls(scenario, candidates, objective, capacity, network, solution)

    def refuse(self, updated: Scenario, student: IntArray, workplace: IntArray,
               keep: IntArray) -> Solution:
        """The re-plan of ``updated`` (this scenario with the pairs ``(student[i],
        workplace[i])`` excluded; pinned placements unchanged) staying close to ``keep``."""
        started = time.perf_counter()
        excluded = np.isin(updated.pair_keys(self.candidates.student, self.candidates.workplace),
                           updated.pair_keys(student, workplace))
        arcs = self.network.arcs_of(student, workplace)
        self.network.close(arcs)
        self.network.stay_close_to(keep)
        chosen = self.network.solve()
        # candidate positions after the excluded ones are dropped
        shift = np.cumsum(excluded)
        self._candidate_of_arc = np.where(
            self._candidate_of_arc >= 0,
            self._candidate_of_arc - shift[np.maximum(self._candidate_of_arc, 0)], -1)
        self._candidate_of_arc[arcs] = -1
        problem = dataclasses.replace(self.network.problem, arc_candidate=self._candidate_of_arc)
        self.scenario = updated
        self.candidates = self.candidates.excluding(updated, excluded)
        self.solution = optimal_solution(updated, problem, self.capacity, chosen, "lemon",
                                         self.objective, problem.objective_value(chosen),
                                         time.perf_counter() - started)
        return self.solution
