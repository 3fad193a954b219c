"""Suggestions on a finished plan, from precomputed arrays.

* for a student (the trajectbegeleider's question): the best workplaces that
  pass every rule and still have a free seat and mentor in the plan;
* for a workplace (the consultant's question): the best students that may go
  there, unplaced students first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matcher.candidates import Candidates, allowed, build_candidates
from matcher.rules import RULE_NAMES, Pairs, evaluate
from matcher.solve.capacity import free_room
from models.scenario import BoolArray, IntArray, Scenario


@dataclass(frozen=True)
class Suggestion:
    student: int
    workplace: int
    cost: int
    breakdown: dict[str, int]
    pair: Pairs = field(compare=False, repr=False)  # the pair alone, its travel time known


@dataclass(frozen=True)
class _Index:
    """Every allowed pair, sorted by student then cost and by workplace then cost."""

    everything: Candidates
    by_student: IntArray
    student_start: IntArray  # per student: slice start in by_student (length n + 1)
    by_workplace: IntArray
    workplace_start: IntArray


@dataclass(frozen=True)
class PlanState:
    """A plan's occupancy and its allowed pairs. Until ``index_all`` has run (the
    service runs it in the background), a student's or workplace's allowed pairs
    are found when first asked about (a few milliseconds: one row of the rules
    against everyone), so the first suggestion on a large plan waits for no pass
    over all pairs; afterwards every answer is a slice of the index."""

    scenario: Scenario
    workplace_of: IntArray  # per student, -1 when unplaced
    free_room: IntArray  # per workplace: more students it can take in this plan
    free_intensive: IntArray  # per workplace: more intensive-support students
    _of_student: dict[int, Candidates] = field(default_factory=dict, compare=False,
                                               repr=False)
    _of_workplace: dict[int, Candidates] = field(default_factory=dict, compare=False,
                                                 repr=False)
    _all: list[_Index] = field(default_factory=list, compare=False, repr=False)  # index_all

    @classmethod
    def build(cls, scenario: Scenario, workplace_of: IntArray, mentor_of: IntArray
              ) -> PlanState:
        room = free_room(scenario, workplace_of, mentor_of)
        return cls(scenario=scenario, workplace_of=workplace_of, free_room=room.students,
                   free_intensive=room.intensive)

    @property
    def indexed(self) -> bool:
        """Whether ``index_all`` has run."""
        return bool(self._all)

    def index_all(self) -> None:
        """Find every allowed pair at once and index it by student and by workplace
        (seconds on a large plan: for a background thread); later questions slice it."""
        if self._all:
            return
        everything = build_candidates(self.scenario)
        cost = everything.costs.total
        by_student = np.lexsort((everything.workplace, cost, everything.student))
        by_workplace = np.lexsort((everything.student, cost, everything.workplace))
        self._all.append(_Index(
            everything, by_student,
            np.searchsorted(everything.student[by_student],
                            np.arange(len(self.scenario.students) + 1)),
            by_workplace,
            np.searchsorted(everything.workplace[by_workplace],
                            np.arange(len(self.scenario.workplaces) + 1))))

    def of_student(self, student: int) -> Candidates:
        """The student's allowed workplaces, cheapest first (then by position): the
        pairs ``build_candidates`` finds for this student, in this order."""
        found = self._of_student.get(student)
        if found is None:
            if self._all:
                index = self._all[0]
                mine = index.by_student[index.student_start[student]:
                                        index.student_start[student + 1]]
                return _take(index.everything, mine)
            found = self._of_student[student] = _by_cost(
                allowed(Pairs.of_student(self.scenario, student)))
        return found

    def of_workplace(self, workplace: int) -> Candidates:
        """The students allowed at the workplace, cheapest first (then by position)."""
        found = self._of_workplace.get(workplace)
        if found is None:
            if self._all:
                index = self._all[0]
                here = index.by_workplace[index.workplace_start[workplace]:
                                          index.workplace_start[workplace + 1]]
                return _take(index.everything, here)
            found = self._of_workplace[workplace] = _by_cost(
                allowed(Pairs.of_workplace(self.scenario, workplace)))
        return found

    def has_room_for(self, student: int, workplaces: IntArray) -> BoolArray:
        room = (self.free_intensive if self.scenario.students.intensive[student]
                else self.free_room)
        return np.asarray(room[workplaces] > 0)

    def workplaces_for(self, student: int, k: int) -> list[Suggestion]:
        """The k cheapest allowed workplaces with room, other than the student's own."""
        options = self.of_student(student)
        workplaces = options.workplace
        keep = self.has_room_for(student, workplaces) & (workplaces != self.workplace_of[student])
        return [_suggestion(options, int(p)) for p in np.flatnonzero(keep)[:k]]

    def students_for(self, workplace: int, k: int) -> list[Suggestion]:
        """The k best students allowed at the workplace: unplaced first, then by cost."""
        options = self.of_workplace(workplace)
        students = options.student
        positions = np.flatnonzero(self.workplace_of[students] != workplace)
        placed = self.workplace_of[students[positions]] >= 0
        order = np.argsort(placed, kind="stable")  # unplaced first, cost order kept
        return [_suggestion(options, int(p)) for p in positions[order][:k]]

    def rejections(self, student: int) -> dict[str, int]:
        """How many workplaces each rule rejects for the student: every rule on the
        student's row of pairs (a few milliseconds). The same counts as
        ``matcher.explain.rejection_counts``, whose KD-tree pays off for many students
        at once (the service's background table), not for the first question."""
        results = evaluate(Pairs.of_student(self.scenario, student))
        return {rule: int(np.count_nonzero(~results[rule])) for rule in RULE_NAMES}


def _by_cost(options: Candidates) -> Candidates:
    return _take(options, np.argsort(options.costs.total, kind="stable"))


def _take(options: Candidates, positions: IntArray) -> Candidates:
    return Candidates(options.pairs.subset(positions), options.costs.take(positions))


def _suggestion(options: Candidates, position: int) -> Suggestion:
    breakdown = options.costs.breakdown(position)
    return Suggestion(int(options.student[position]), int(options.workplace[position]),
                      sum(breakdown.values()), breakdown,
                      options.pairs.subset(np.asarray([position], dtype=np.int64)))
