"""The optimisation problem both backends solve, as flat arrays.

Free (not pinned) students choose among candidate workplaces that still have
room. Leaving student ``s`` unplaced costs ``penalty[s]``; placing them on arc
``a`` costs ``cost[a]``. The penalties encode the objective exactly:

* ``placements-first``: every penalty is ``D``;
* ``priority-first``: with tiers ranked 1 (most protected) … T, a student of
  rank ``k`` has penalty ``(T − k + 1) · D``.

``D = n · max cost + 1`` exceeds any cost change of one exchange (an
alternating cycle moves each of at most ``n`` students once). Any plan that is
lexicographically better differs from a worse one by such cycles, at least one
of which places one more student of a tier, or swaps a lower-tier student for a
higher-tier one; either lowers the total by at least ``D − n · max cost ≥ 1``.
So the minimum of ``Σ cost + Σ penalty`` is the lexicographic optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.candidates import Candidates
from matcher.solve.capacity import Capacity
from models.config import Objective
from models.scenario import BoolArray, IntArray, Scenario


@dataclass(frozen=True)
class AssignmentProblem:
    n_students: int
    n_workplaces: int
    arc_student: IntArray
    arc_workplace: IntArray
    arc_cost: IntArray
    arc_candidate: IntArray  # position in Candidates, to read costs back
    free: BoolArray  # per student: not pinned, so the solver decides
    intensive: BoolArray  # per student
    penalty: IntArray  # per student: cost of leaving them unplaced
    workplace_room: IntArray
    workplace_intensive: IntArray

    def objective_value(self, chosen: BoolArray) -> int:
        placed = np.zeros(self.n_students, dtype=bool)
        placed[self.arc_student[chosen]] = True
        unplaced = self.free & ~placed
        return int(self.arc_cost[chosen].sum() + self.penalty[unplaced].sum())


def unmatched_penalties(priority: IntArray, objective: Objective, unit: int) -> IntArray:
    """Penalty per student for staying unplaced (``unit`` is ``D`` above)."""
    if objective == "placements-first" or not len(priority):
        return np.full(len(priority), unit, dtype=np.int64)
    levels = np.unique(priority)  # ascending: 1 is the most protected
    rank = np.searchsorted(levels, priority)  # 0 for the most protected
    return ((len(levels) - rank) * unit).astype(np.int64)


def build_problem(
    scenario: Scenario,
    candidates: Candidates,
    capacity: Capacity,
    objective: Objective,
    keep: IntArray | None = None,
) -> AssignmentProblem:
    """The problem for the free students.

    ``keep`` (a workplace per student, -1 for none) asks to move as few
    students as possible away from a previous plan: staying is worth ``K =
    n · max cost + 1``, more than any cost saving, so after the objective's
    placement levels the fewest moves come first, then the lowest cost.
    """
    s = scenario.students
    free = np.ones(len(s), dtype=bool)
    free[scenario.pinned.student] = False
    student, workplace = candidates.student, candidates.workplace
    room = capacity.workplace_room[workplace]
    room_for_intensive = capacity.workplace_intensive[workplace]
    usable = free[student] & (room > 0) & (~s.intensive[student] | (room_for_intensive > 0))
    arcs = np.flatnonzero(usable)
    cost = candidates.costs.total[arcs]
    n_free = int(free.sum())
    spread = int(cost.max(initial=0))
    if keep is not None:
        stay_bonus = n_free * spread + 1
        stays = keep[student[arcs]] == workplace[arcs]
        cost = cost - np.where(stays, stay_bonus, 0)
        spread += stay_bonus
    unit = n_free * spread + 1
    return AssignmentProblem(
        n_students=len(s),
        n_workplaces=len(scenario.workplaces),
        arc_student=student[arcs],
        arc_workplace=workplace[arcs],
        arc_cost=cost,
        arc_candidate=arcs,
        free=free,
        intensive=s.intensive.copy(),
        penalty=np.where(free, unmatched_penalties(s.priority, objective, unit), 0),
        workplace_room=capacity.workplace_room,
        workplace_intensive=capacity.workplace_intensive,
    )
