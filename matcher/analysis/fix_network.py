"""The re-plan network of a solved plan with every candidate change in it, for fixes.

Why: a fix must be judged by the what-if re-plan (the changed scenario solved
with the same objective, everyone else kept where possible: the keep level of
``matcher.solve.problem``), and there are hundreds of candidate changes. All of
them are small edits of one network, so the network is built once, holding the
base plan's arcs and the arcs every candidate change could open (closed:
capacity 0), and solved in LEMON's network simplex (``matcher.solve.lemon``).
Then:

- **screening by the duals** (exact): under optimal node potentials of the base
  plan, a change whose opened arcs and raised capacities all have a reduced cost
  ≥ 0 leaves the base plan optimal. The base plan is then the only optimum (any
  other must keep every placed student where they are, by the keep level, and
  place nobody more, by the placement level), so the change places nobody: no
  re-solve is needed;
- **confirming by a warm re-solve**: the change's capacities are set and the
  network simplex restarts from the last basis (milliseconds);
- **ties**: a re-plan's optimum may not be unique (two students of one priority
  competing for a new seat at the same cost), and then another exact solver may
  pick another one. After each warm solve the zero-reduced-cost residual network
  is searched for a cycle through an assignment arc; only when there is none is
  the warm answer the answer of every exact solver, and otherwise the caller
  re-plans the changed scenario exactly as the what-if path does.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matcher.candidates import Candidates
from matcher.solve import lemon
from matcher.solve.capacity import Capacity
from matcher.solve.flow import _local_index, _network
from matcher.solve.problem import AssignmentProblem, build_problem
from models.config import Objective
from models.scenario import BoolArray, IntArray, Scenario


@dataclasses.dataclass(frozen=True)
class Opening:
    """What one change does to the network: pairs it allows, room it adds."""

    student: IntArray  # pairs newly allowed (student, workplace)
    workplace: IntArray
    room_at: IntArray  # workplaces whose room changes
    room: IntArray  # their new room
    intensive_room: IntArray  # their new room for intensive students


class FixNetwork:
    """One independent part (a component: no shared student or workplace with the
    rest) of the re-plan network, with every candidate change's pairs in it (see
    the module doc). Outside it, a change leaves the base plan as it is."""

    def __init__(self, problem: AssignmentProblem, arcs: IntArray, closed: BoolArray,
                 capacity: Capacity, base: IntArray) -> None:
        """``problem``: the re-plan problem with every pair as an arc (``build``);
        ``arcs``: this part's arcs; ``closed``: per arc of the problem, whether only
        a change opens it; ``base``: the base plan's workplace per student."""
        self.base = base
        self.problem = problem
        self.arcs = arcs
        network = _network(problem, arcs, lemon.lemon_safe_cost)
        self.mergeable = len(network.stages) == 1
        student, workplace = problem.arc_student[arcs], problem.arc_workplace[arcs]
        self.arc_student, self.arc_workplace = student, workplace
        self.students, _ = _local_index(student, problem.n_students)
        self.workplaces, _ = _local_index(workplace, problem.n_workplaces)
        self.gated, _ = _local_index(workplace[problem.intensive[student]],
                                     problem.n_workplaces)
        self.arc_count = len(arcs)
        self.tails, self.heads = network.tails, network.heads
        self._keys = student * problem.n_workplaces + workplace
        self._key_order = np.argsort(self._keys, kind="stable")
        self.capacities = network.capacities.copy()
        self.capacities[: self.arc_count][closed[arcs]] = 0
        self.capacities[self._gate_arcs()] = capacity.workplace_intensive[self.gated]
        self.capacities[self._room_arcs()] = capacity.workplace_room[self.workplaces]
        self.base_capacities = self.capacities.copy()
        self.solves = 0
        self.reduced = np.zeros(0, dtype=np.int64)
        if not self.mergeable:
            return
        self._lemon = lemon.LemonNetwork.build(len(network.supplies), network.tails,
                                               network.heads, self.capacities,
                                               network.stages[0], network.supplies)
        self._lemon.solve()
        self.reduced = self._lemon.reduced_costs()

    @staticmethod
    def build(scenario: Scenario, candidates: Candidates, base: IntArray,
              capacity: Capacity, objective: Objective) -> AssignmentProblem:
        """The re-plan problem with every candidate pair as an arc: workplaces
        without room get room 0 in the network, not a missing arc, so that a change
        adding room can open them."""
        open_all = dataclasses.replace(capacity,
                                       workplace_room=np.maximum(capacity.workplace_room, 1),
                                       workplace_intensive=np.maximum(
                                           capacity.workplace_intensive, 1))
        return build_problem(scenario, candidates, open_all, objective, keep=base)

    def _gate_arcs(self, workplaces: IntArray | None = None) -> IntArray:
        chosen = self.gated if workplaces is None else workplaces
        at: IntArray = self.arc_count + np.searchsorted(self.gated, chosen)
        return at

    def _room_arcs(self, workplaces: IntArray | None = None) -> IntArray:
        chosen = self.workplaces if workplaces is None else workplaces
        at: IntArray = (self.arc_count + len(self.gated)
                        + np.searchsorted(self.workplaces, chosen))
        return at

    def arcs_of(self, student: IntArray, workplace: IntArray) -> IntArray:
        """Positions of these pairs among this part's arcs (others are left out)."""
        if not len(self._keys):
            return np.zeros(0, dtype=np.int64)
        wanted = student * self.problem.n_workplaces + workplace
        at = np.minimum(np.searchsorted(self._keys, wanted, sorter=self._key_order),
                        len(self._keys) - 1)
        found = self._key_order[at]
        arcs: IntArray = found[self._keys[found] == wanted]
        return arcs

    def capacities_with(self, opening: Opening) -> IntArray:
        capacities = self.base_capacities.copy()
        capacities[self.arcs_of(opening.student, opening.workplace)] = 1
        inside = np.isin(opening.room_at, self.workplaces)
        at = opening.room_at[inside]
        capacities[self._room_arcs(at)] = opening.room[inside]
        gated = np.isin(at, self.gated)
        capacities[self._gate_arcs(at[gated])] = opening.intensive_room[inside][gated]
        return capacities

    def may_help(self, opening: Opening) -> bool:
        """Whether the change could improve on the base plan (see module doc):
        some arc it opens or widens has a negative reduced cost at the base optimum."""
        widened = self.capacities_with(opening) > self.base_capacities
        return bool((self.reduced[widened] < 0).any())

    def workplace_after(self, opening: Opening) -> tuple[IntArray, bool]:
        """The re-plan's workplace per student (warm), and whether every exact
        solver gives that same plan (no tie)."""
        capacities = self.capacities_with(opening)
        self._lemon.set_capacities(capacities)
        flows = self._lemon.solve()
        self.solves += 1
        chosen = flows[: self.arc_count] > 0
        after = self.base.copy()
        after[self.students] = -1
        after[self.arc_student[chosen]] = self.arc_workplace[chosen]
        return after, self._unique(capacities, flows)

    def _unique(self, capacities: IntArray, flows: IntArray) -> bool:
        """No other optimum places any student differently: no zero-cost residual
        cycle passes through a student's arc."""
        reduced = self._lemon.reduced_costs()
        zero = reduced == 0
        forward = zero & (flows < capacities)
        backward = zero & (flows > 0)
        nodes = self._lemon.nodes
        source = np.concatenate([self.tails[forward], self.heads[backward]])
        target = np.concatenate([self.heads[forward], self.tails[backward]])
        graph = coo_matrix((np.ones(len(source), dtype=np.int8), (source, target)),
                           shape=(nodes, nodes))
        _, label = connected_components(graph, directed=True, connection="strong")
        residual = (forward | backward)[: self.arc_count]
        tails, heads = self.tails[: self.arc_count], self.heads[: self.arc_count]
        return not bool((residual & (label[tails] == label[heads])).any())


def node_parts(problem: AssignmentProblem) -> IntArray:
    """Per node (students, then workplaces after ``n_students``), its independent
    part: the students and workplaces linked to it by arcs."""
    ns = problem.n_students
    graph = coo_matrix((np.ones(len(problem.arc_student), dtype=np.int8),
                        (problem.arc_student, ns + problem.arc_workplace)),
                       shape=(ns + problem.n_workplaces, ns + problem.n_workplaces))
    _, label = connected_components(graph, directed=False)
    part: IntArray = label
    return part
