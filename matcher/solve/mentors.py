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
    # only the mentors of workplaces with someone to seat (a re-plan touches few)
    mentors_at: dict[int, list[int]] = {}
    for mentor in np.flatnonzero(np.isin(m.workplace, placed_at[waiting])).tolist():
        mentors_at.setdefault(int(m.workplace[mentor]), []).append(mentor)
    # intensive first (sorted key False < True, so negate), then by student order
    order = waiting[np.lexsort((waiting, ~s.intensive[waiting]))]
    overfull = []
    for student in order:
        mentors = mentors_at.get(int(placed_at[student]), [])
        if not mentors:
            continue
        chosen = -1
        for mentor in mentors:
            if room[mentor] > 0 and (not s.intensive[student] or intensive_room[mentor] > 0):
                chosen = mentor
                break
        if chosen < 0:
            overfull.append(student)
            continue
        room[chosen] -= 1
        if s.intensive[student]:
            intensive_room[chosen] -= 1
        mentor_of[student] = chosen
    for student in overfull:
        mentors = mentors_at[int(placed_at[student])]
        chosen = mentors[int(np.argmax(room[mentors]))]  # the first of the roomiest
        room[chosen] -= 1
        mentor_of[student] = chosen
    return mentor_of
