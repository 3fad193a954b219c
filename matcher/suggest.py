"""Suggestions on a finished plan, from precomputed arrays.

* for a student (the trajectbegeleider's question): the best workplaces that
  pass every rule and still have a free seat and mentor in the plan;
* for a workplace (the consultant's question): the best students that may go
  there, unplaced students first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.candidates import Candidates
from matcher.explain import rejection_counts
from matcher.rules import RULE_NAMES
from matcher.solve.capacity import free_room
from models.scenario import BoolArray, IntArray, Scenario


@dataclass(frozen=True)
class Suggestion:
    student: int
    workplace: int
    cost: int
    breakdown: dict[str, int]
    candidate: int  # the pair's position in Candidates


@dataclass(frozen=True)
class PlanState:
    """A plan's occupancy, with the scenario's candidate pairs grouped for lookups."""

    scenario: Scenario
    candidates: Candidates
    workplace_of: IntArray  # per student, -1 when unplaced
    free_room: IntArray  # per workplace: more students it can take in this plan
    free_intensive: IntArray  # per workplace: more intensive-support students
    by_student: IntArray  # candidate positions sorted by student, then cost
    student_start: IntArray  # per student: slice start in by_student (length n + 1)
    by_workplace: IntArray  # candidate positions sorted by workplace, then cost
    workplace_start: IntArray

    @classmethod
    def build(cls, scenario: Scenario, candidates: Candidates, workplace_of: IntArray,
              mentor_of: IntArray) -> PlanState:
        w, s = scenario.workplaces, scenario.students
        room = free_room(scenario, workplace_of, mentor_of)
        cost = candidates.costs.total
        by_student = np.lexsort((candidates.workplace, cost, candidates.student))
        by_workplace = np.lexsort((candidates.student, cost, candidates.workplace))
        return cls(
            scenario=scenario,
            candidates=candidates,
            workplace_of=workplace_of,
            free_room=room.students,
            free_intensive=room.intensive,
            by_student=by_student,
            student_start=np.searchsorted(candidates.student[by_student],
                                          np.arange(len(s) + 1)),
            by_workplace=by_workplace,
            workplace_start=np.searchsorted(candidates.workplace[by_workplace],
                                            np.arange(len(w) + 1)),
        )

    def _suggestion(self, position: int) -> Suggestion:
        c = self.candidates
        breakdown = c.costs.breakdown(position)
        return Suggestion(int(c.student[position]), int(c.workplace[position]),
                          sum(breakdown.values()), breakdown, position)

    def has_room_for(self, student: int, workplaces: IntArray) -> BoolArray:
        room = (self.free_intensive if self.scenario.students.intensive[student]
                else self.free_room)
        return np.asarray(room[workplaces] > 0)

    def workplaces_for(self, student: int, k: int) -> list[Suggestion]:
        """The k cheapest allowed workplaces with room, other than the student's own."""
        mine = self.by_student[self.student_start[student]:self.student_start[student + 1]]
        workplaces = self.candidates.workplace[mine]
        keep = self.has_room_for(student, workplaces) & (workplaces != self.workplace_of[student])
        return [self._suggestion(int(p)) for p in mine[keep][:k]]

    def students_for(self, workplace: int, k: int) -> list[Suggestion]:
        """The k best students allowed at the workplace: unplaced first, then by cost."""
        here = self.by_workplace[self.workplace_start[workplace]:
                                 self.workplace_start[workplace + 1]]
        students = self.candidates.student[here]
        elsewhere = students[self.workplace_of[students] != workplace]
        positions = here[self.workplace_of[students] != workplace]
        placed = self.workplace_of[elsewhere] >= 0
        order = np.argsort(placed, kind="stable")  # unplaced first, cost order kept
        return [self._suggestion(int(p)) for p in positions[order][:k]]

    def rejections(self, student: int) -> dict[str, int]:
        """How many workplaces each rule rejects for the student."""
        counts = rejection_counts(self.scenario, np.asarray([student], dtype=np.int64))
        return {rule: int(counts[rule][0]) for rule in RULE_NAMES}
