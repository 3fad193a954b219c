"""Room left at each workplace once pinned placements are counted.

Mentor choice inside one workplace never limits who can be placed: with room
``r_m`` per mentor and intensive room ``g_m = min(max_intensive − pinned
intensive, r_m)``, a workplace can take ``n`` students of whom ``k`` need
intensive support exactly when ``n ≤ seats``, ``n ≤ Σ r_m`` and ``k ≤ Σ g_m``
(fill the intensive students first up to ``g_m`` per mentor, then the rest).
So both solvers decide workplaces on these per-workplace totals and
``matcher.solve.mentors`` names the mentors afterwards. This is equivalent to
the source → student → workplace → mentor → sink network with a per-mentor
gate for intensive students, and smaller.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.scenario import BoolArray, IntArray, Scenario


@dataclass(frozen=True)
class Capacity:
    mentor_room: IntArray  # per mentor: students it may still take (may be < 0 if pinned overfill)
    mentor_intensive: IntArray  # per mentor: intensive students it may still take
    workplace_room: IntArray  # per workplace: students the solver may still place (≥ 0)
    workplace_intensive: IntArray  # per workplace: of which with intensive support (≥ 0)
    # per pinned row: which limit the pinned rows exceed at its workplace or mentor
    pinned_over_seats: BoolArray
    pinned_over_mentor: BoolArray
    pinned_over_intensive: BoolArray


def _per(index: IntArray, size: int, weights: IntArray | None = None) -> IntArray:
    return np.bincount(index, weights=weights, minlength=size).astype(np.int64)


@dataclass(frozen=True)
class RoomTerms:
    """The per-workplace terms of the room left, before they are clamped at 0:
    the room is ``min(seats, mentors)`` and the intensive room
    ``min(intensive, room)`` (recruitment adds to these terms)."""

    seats: IntArray  # seats left once pinned rows are counted
    mentors: IntArray  # usable mentor room less pinned rows without a named mentor
    intensive: IntArray  # usable intensive mentor room, likewise


def room_terms(scenario: Scenario) -> RoomTerms:
    return _terms(scenario)[0]


def _terms(scenario: Scenario) -> tuple[RoomTerms, IntArray, IntArray, IntArray]:
    w, m, pinned = scenario.workplaces, scenario.mentors, scenario.pinned
    n_w, n_m = len(w), len(m)
    max_intensive = scenario.config.policy.max_intensive_per_mentor
    intensive = scenario.students.intensive[pinned.student].astype(np.int64)
    named = pinned.mentor >= 0

    mentor_room = m.room - _per(pinned.mentor[named], n_m)
    mentor_intensive = max_intensive - _per(pinned.mentor[named], n_m, intensive[named])
    usable_room = np.maximum(mentor_room, 0)
    usable_intensive = np.maximum(np.minimum(mentor_intensive, mentor_room), 0)

    seats = w.seats - _per(pinned.workplace, n_w)
    unnamed_at = pinned.workplace[~named]
    room = _per(m.workplace, n_w, usable_room) - _per(unnamed_at, n_w)
    intensive_room = _per(m.workplace, n_w, usable_intensive) - _per(
        unnamed_at, n_w, intensive[~named]
    )
    return RoomTerms(seats, room, intensive_room), mentor_room, mentor_intensive, intensive


def residual_capacity(scenario: Scenario) -> Capacity:
    pinned = scenario.pinned
    terms, mentor_room, mentor_intensive, intensive = _terms(scenario)
    seats, room, intensive_room = terms.seats, terms.mentors, terms.intensive
    named = pinned.mentor >= 0

    over_seats = seats[pinned.workplace] < 0
    over_mentor = room[pinned.workplace] < 0
    over_mentor[named] |= mentor_room[pinned.mentor[named]] < 0
    over_intensive = (intensive == 1) & (intensive_room[pinned.workplace] < 0)
    over_intensive[named] |= (intensive[named] == 1) & (
        mentor_intensive[pinned.mentor[named]] < 0)

    total = np.maximum(np.minimum(seats, room), 0)
    return Capacity(
        mentor_room=mentor_room,
        mentor_intensive=mentor_intensive,
        workplace_room=total,
        workplace_intensive=np.maximum(np.minimum(intensive_room, total), 0),
        pinned_over_seats=over_seats,
        pinned_over_mentor=over_mentor,
        pinned_over_intensive=over_intensive,
    )


@dataclass(frozen=True)
class FreeRoom:
    """Room still free at each workplace once a plan is made."""

    students: IntArray  # more students it can take
    intensive: IntArray  # of which needing intensive support
    # intensive-support places its mentors have left under their limit, whoever
    # fills their other places: 0 means the limit itself is what stops the next one
    intensive_quota: IntArray


def free_room(scenario: Scenario, workplace_of: IntArray, mentor_of: IntArray) -> FreeRoom:
    """Free seats and mentor room per workplace after the plan (pinned rows included)."""
    w, m, s = scenario.workplaces, scenario.mentors, scenario.students
    placed = workplace_of >= 0
    seats_left = w.seats - _per(workplace_of[placed], len(w))
    has_mentor = mentor_of >= 0
    used = _per(mentor_of[has_mentor], len(m))
    used_intensive = _per(mentor_of[has_mentor & s.intensive], len(m))
    mentor_left = np.maximum(m.room - used, 0)
    limit = scenario.config.policy.max_intensive_per_mentor
    mentor_intensive = np.maximum(np.minimum(limit - used_intensive, mentor_left), 0)
    students = np.maximum(np.minimum(seats_left, _per(m.workplace, len(w), mentor_left)), 0)
    intensive = np.minimum(_per(m.workplace, len(w), mentor_intensive), students)
    quota = np.maximum(np.minimum(limit - used_intensive, m.room), 0)
    return FreeRoom(students=students, intensive=intensive,
                    intensive_quota=_per(m.workplace, len(w), quota))
