"""Name a mentor for every placed student (see ``matcher.solve.capacity``)."""

from __future__ import annotations

import numpy as np

from matcher.solve.capacity import Capacity
from models.scenario import IntArray, Scenario


def assign_mentors(scenario: Scenario, placed_at: IntArray, capacity: Capacity) -> IntArray:
    """Mentor index for each student placed by the solver or pinned without a mentor.

    ``placed_at`` holds a workplace per student (-1 when unplaced); pinned rows
    with a named mentor keep it. Intensive students are seated first, each mentor
    taking at most its intensive room, then the others fill the remaining room,
    mentors in file order. A pinned row that fits no mentor (already a conflict,
    e.g. an intensive student beyond every mentor's intensive limit) is seated
    last, with the mentor that has the most room left: the solver counted it in
    its workplace's room, so it must not take a seat another student was given.
    """
    s, m, pinned = scenario.students, scenario.mentors, scenario.pinned
    mentor_of = np.full(len(s), -1, dtype=np.int64)
    mentor_of[pinned.student] = pinned.mentor
    room = np.maximum(capacity.mentor_room, 0).copy()
    intensive_room = np.maximum(np.minimum(capacity.mentor_intensive, room), 0).copy()
    waiting = np.flatnonzero((placed_at >= 0) & (mentor_of < 0))
    waiting = waiting[np.bincount(m.workplace, minlength=len(scenario.workplaces))[
        placed_at[waiting]] > 0]  # a workplace without mentors names none
    # Intensive students first: each takes the first mentor (file order) with
    # intensive room, which never exceeds its room, so they fill the mentors'
    # intensive room in turn; then the others fill what room is left in turn.
    # Filling in turn is done for all workplaces at once (``_fill``).
    intensive = waiting[s.intensive[waiting]]
    mentor_of[intensive] = _fill(m.workplace, intensive_room, placed_at[intensive])
    seated = mentor_of[intensive]
    np.subtract.at(room, seated[seated >= 0], 1)
    others = waiting[~s.intensive[waiting]]
    mentor_of[others] = _fill(m.workplace, room, placed_at[others])
    seated = mentor_of[others]
    np.subtract.at(room, seated[seated >= 0], 1)
    overfull = np.concatenate([intensive[mentor_of[intensive] < 0],
                               others[mentor_of[others] < 0]])
    if len(overfull):
        mentors_at: dict[int, list[int]] = {}
        for mentor in np.flatnonzero(np.isin(m.workplace, placed_at[overfull])).tolist():
            mentors_at.setdefault(int(m.workplace[mentor]), []).append(mentor)
        for student in overfull.tolist():
            mentors = mentors_at[int(placed_at[student])]
            chosen = mentors[int(np.argmax(room[mentors]))]  # the first of the roomiest
            room[chosen] -= 1
            mentor_of[student] = chosen
    return mentor_of


def _fill(mentor_workplace: IntArray, slots: IntArray, workplace: IntArray) -> IntArray:
    """Mentor of each student when the students (in the given order) at each
    workplace take its mentors' ``slots`` in turn, mentors in file order; -1 for
    a student beyond the slots of their workplace."""
    mentors = np.argsort(mentor_workplace, kind="stable")  # by workplace, then file order
    ends = np.cumsum(slots[mentors])  # slot ranges [end − slots, end) of each mentor
    n_workplaces = int(max(mentor_workplace.max(initial=-1), workplace.max(initial=-1))) + 1
    total = np.bincount(mentor_workplace, weights=slots, minlength=n_workplaces).astype(np.int64)
    first_slot = np.cumsum(total) - total  # the workplace's first slot
    order = np.argsort(workplace, kind="stable")
    grouped = workplace[order]
    group_start = np.searchsorted(grouped, grouped, side="left")
    rank = np.empty(len(workplace), dtype=np.int64)
    rank[order] = np.arange(len(workplace)) - group_start  # place in line at the workplace
    fits = rank < total[workplace]
    chosen = np.full(len(workplace), -1, dtype=np.int64)
    at = np.searchsorted(ends, first_slot[workplace[fits]] + rank[fits], side="right")
    chosen[fits] = mentors[at]
    return chosen
