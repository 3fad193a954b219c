"""The optimisation problem both backends solve, as flat arrays.

Free (not pinned) students choose among candidate workplaces that still have
room. The objective is lexicographic, one ``Level`` per term, most important
first:

1. placement: leaving student ``s`` unplaced costs ``T − k + 1`` for a
   student of priority rank ``k`` (1 most protected … T) under
   ``priority-first``, and 1 under ``placements-first``;
2. with ``keep`` (a previous plan): −1 for each student who stays where they
   were, so the fewest students move;
3. the plan's cost: ``cost[a]`` for placing a student on arc ``a``.

Why weighted tiers give the lexicographic tier counts: the sets of students
that can be placed together form a matroid (a gammoid of the flow network),
so every maximum-weight set for weights that fall with the rank has the
lexicographically largest count per tier, and any set with those counts has
the maximum weight.

Levels are merged into one integer cost where that is safe: an upper level
is multiplied by ``M = n · span(lower) + 1``, where ``n`` is the number of
free students and ``span`` the range of the lower costs on arcs that leave a
student (0 included). An alternating cycle that improves the upper level
moves each of at most ``n`` students once, so it changes the lower total by
at most ``n · span < M`` and lowers the merged total. So the minimum of the
merged cost is the lexicographic optimum. The merged numbers grow like
``T · n² · max cost`` with ``keep``; where they could leave the solver's
safe range, the backends solve the levels in stages instead (``merge_groups``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.candidates import Candidates
from matcher.solve.capacity import Capacity
from models.config import Objective
from models.scenario import BoolArray, IndexArray, IntArray, Scenario


@dataclass(frozen=True)
class Level:
    """One term of the objective: a cost per assignment arc and per unplaced student."""

    arc: IntArray
    unplaced: IntArray
    span: int  # ≥ max − min of the costs above, 0 included (see the module docstring)


def _span(*costs: IntArray) -> int:
    values = [int(c.max(initial=0)) for c in costs] + [0]
    lows = [int(c.min(initial=0)) for c in costs] + [0]
    return max(values) - min(lows)


def multipliers(spans: Sequence[int], n: int) -> list[int]:
    """Weight of each level (most important first) in the merged cost; Python
    integers, so they never overflow."""
    weights = [1] * len(spans)
    span = spans[-1] if spans else 0
    for i in range(len(spans) - 2, -1, -1):
        factor = n * span + 1
        weights[i] = factor  # the merged cost is upper · factor + merged lower levels
        span = spans[i] * factor + span
    return weights


def merged_span(spans: Sequence[int], n: int) -> int:
    """The largest absolute merged cost of these levels (most important first)."""
    return sum(w * s for w, s in zip(multipliers(spans, n), spans, strict=True))


def merge_groups(spans: Sequence[int], n: int, limit: int) -> list[range]:
    """Consecutive levels to merge into one cost per stage, most important first.

    From the least important level upwards, a level joins the stage below it
    while the merged costs stay within ``limit``. A level beyond the limit
    alone is a stage of its own."""
    groups: list[range] = []
    end = len(spans)
    while end > 0:
        start = end - 1
        while start > 0 and merged_span(spans[start - 1:end], n) <= limit:
            start -= 1
        groups.append(range(start, end))
        end = start
    return groups[::-1]


@dataclass(frozen=True)
class AssignmentProblem:
    n_students: int
    n_workplaces: int
    # int32 when the candidates' are (millions of arcs); the student and workplace
    # arrays may be the candidates' own (read only)
    arc_student: IndexArray
    arc_workplace: IndexArray
    arc_candidate: IndexArray  # position in Candidates, to read costs back
    free: BoolArray  # per student: not pinned, so the solver decides
    intensive: BoolArray  # per student
    levels: tuple[Level, ...]  # most important first; the last is the plan's cost
    workplace_room: IntArray
    workplace_intensive: IntArray

    @property
    def n_free(self) -> int:
        return int(self.free.sum())

    @property
    def spans(self) -> list[int]:
        return [level.span for level in self.levels]

    def merged(self, group: range, arcs: IntArray, students: IntArray) -> Level:
        """The levels of ``group`` as one cost on these arcs and students, with
        the weights of ``multipliers``; the caller keeps it within int64
        (``merged_span``)."""
        chosen = self.levels[group.start:group.stop]
        weights = multipliers([level.span for level in chosen], self.n_free)
        arc = np.zeros(len(arcs), dtype=np.int64)
        unplaced = np.zeros(len(students), dtype=np.int64)
        for level, weight in zip(chosen, weights, strict=True):
            arc += level.arc[arcs] * weight
            unplaced += level.unplaced[students] * weight
        return Level(arc, unplaced, merged_span([level.span for level in chosen], self.n_free))

    def level_values(self, chosen: BoolArray) -> list[int]:
        """Each level's total for a choice of arcs (one per placed student)."""
        placed = np.zeros(self.n_students, dtype=bool)
        placed[self.arc_student[chosen]] = True
        unplaced = self.free & ~placed
        return [int(level.arc[chosen].sum()) + int(level.unplaced[unplaced].sum())
                for level in self.levels]

    def objective_value(self, chosen: BoolArray) -> int:
        """The merged objective of a choice of arcs, exact at any size."""
        weights = multipliers(self.spans, self.n_free)
        return sum(w * v for w, v in zip(weights, self.level_values(chosen), strict=True))

    def restricted(self, arcs: IntArray) -> AssignmentProblem:
        """The same problem with only these arcs (students keep their levels' spans)."""
        return AssignmentProblem(
            n_students=self.n_students,
            n_workplaces=self.n_workplaces,
            arc_student=self.arc_student[arcs],
            arc_workplace=self.arc_workplace[arcs],
            arc_candidate=self.arc_candidate[arcs],
            free=self.free,
            intensive=self.intensive,
            levels=tuple(Level(level.arc[arcs], level.unplaced, level.span)
                         for level in self.levels),
            workplace_room=self.workplace_room,
            workplace_intensive=self.workplace_intensive,
        )


def position_type(n: int) -> type[np.int32] | type[np.int64]:
    """The integer type of positions among ``n`` items: int32 (half the memory of
    millions of them) while they fit."""
    return np.int32 if n < 2**31 else np.int64


def placement_weights(priority: IntArray, objective: Objective) -> IntArray:
    """Cost per student of staying unplaced, in the placement level."""
    if objective == "placements-first" or not len(priority):
        return np.ones(len(priority), dtype=np.int64)
    levels = np.unique(priority)  # ascending: 1 is the most protected
    rank = np.searchsorted(levels, priority)  # 0 for the most protected
    return (len(levels) - rank).astype(np.int64)


def build_problem(
    scenario: Scenario,
    candidates: Candidates,
    capacity: Capacity,
    objective: Objective,
    keep: IntArray | None = None,
) -> AssignmentProblem:
    """The problem for the free students.

    ``keep`` (a workplace per student, -1 for none) asks to move as few
    students as possible away from a previous plan: after the objective's
    placement levels the fewest moves come first, then the lowest cost.
    """
    s = scenario.students
    free = np.ones(len(s), dtype=bool)
    free[scenario.pinned.student] = False
    student, workplace = candidates.student, candidates.workplace
    # judged per workplace first: gathering a flag per pair is far cheaper than its room
    has_room = capacity.workplace_room > 0
    has_intensive_room = capacity.workplace_intensive > 0
    usable = free[student] if not free.all() else np.ones(len(student), dtype=bool)
    if not has_room.all():
        usable &= has_room[workplace]
    if not has_intensive_room.all() and s.intensive.any():
        usable &= ~s.intensive[student] | has_intensive_room[workplace]
    index = position_type(len(usable))
    arcs: IndexArray
    if usable.all():
        # Every candidate is an arc (nothing pinned, no workplace full): share the
        # candidates' arrays rather than copy millions of pairs.
        arcs = np.arange(len(usable), dtype=index)
        arc_student, arc_workplace = student, workplace
        cost = candidates.costs.total
    else:
        arcs = np.flatnonzero(usable).astype(index)
        arc_student, arc_workplace = student[arcs], workplace[arcs]
        cost = candidates.costs.total[arcs]
    del usable
    no_arc_cost = np.zeros(len(arcs), dtype=np.int64)
    no_unplaced_cost = np.zeros(len(s), dtype=np.int64)
    placement = np.where(free, placement_weights(s.priority, objective), 0)
    levels = [Level(no_arc_cost, placement, _span(placement))]
    if keep is not None:
        stays = keep[student[arcs]] == workplace[arcs]
        # span 1 even when nobody can stay: the merged numbers stay as they were
        levels.append(Level(-stays.astype(np.int64), no_unplaced_cost, 1))
    levels.append(Level(cost, no_unplaced_cost, _span(cost)))
    return AssignmentProblem(
        n_students=len(s),
        n_workplaces=len(scenario.workplaces),
        arc_student=arc_student,
        arc_workplace=arc_workplace,
        arc_candidate=arcs,
        free=free,
        intensive=s.intensive.copy(),
        levels=tuple(levels),
        workplace_room=capacity.workplace_room,
        workplace_intensive=capacity.workplace_intensive,
    )
