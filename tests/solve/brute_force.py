"""Exhaustive lexicographic optimum for tiny scenarios: an oracle independent of
the solvers (it enumerates every student's choice of workplace and mentor) and of
the vectorised rules and costs (it asks the plain reference of the checker)."""

from __future__ import annotations

import itertools
from collections import Counter

import numpy as np

from matcher.check import reference
from models.config import Objective
from models.scenario import Scenario


def best_score(scenario: Scenario, objective: Objective) -> tuple[int, ...] | None:
    """The best objective tuple over every plan that keeps all limits (pinned rows
    forced), or None when pinned rows alone break a limit."""
    s, w, m = scenario.students, scenario.workplaces, scenario.mentors
    n = len(s)
    ref = reference.from_scenario(scenario)
    people, places = list(ref.students.values()), list(ref.workplaces.values())
    ok = np.asarray([[not reference.broken_rules(ref, st, wp) for wp in places]
                     for st in people], dtype=bool).reshape(n, len(w))
    cost = np.asarray([[sum(reference.cost_breakdown(ref, st, wp).values()) for wp in places]
                       for st in people], dtype=np.int64).reshape(n, len(w))
    pinned = {int(a): (int(b), int(c)) for a, b, c in
              zip(scenario.pinned.student, scenario.pinned.workplace, scenario.pinned.mentor,
                  strict=True)}
    options: list[list[tuple[int, int] | None]] = []
    for i in range(n):
        if i in pinned:
            wp, me = pinned[i]
            own = [int(x) for x in np.flatnonzero(m.workplace == wp)]
            mentors = [me] if me >= 0 else own or [-1]
            options.append([(wp, int(x)) for x in mentors])
            continue
        choices: list[tuple[int, int] | None] = [None]
        for j in np.flatnonzero(ok[i]):
            choices += [(int(j), int(x)) for x in np.flatnonzero(m.workplace == j)]
        options.append(choices)
    levels = sorted({int(p) for p in s.priority})
    limit = scenario.config.policy.max_intensive_per_mentor
    best: tuple[int, ...] | None = None
    for combo in itertools.product(*options):
        seats: Counter[int] = Counter()
        load: Counter[int] = Counter()
        intensive: Counter[int] = Counter()
        for i, choice in enumerate(combo):
            if choice is None:
                continue
            seats[choice[0]] += 1
            load[choice[1]] += 1
            intensive[choice[1]] += int(s.intensive[i])
        if any(seats[j] > int(w.seats[j]) for j in seats):
            continue
        if any(x < 0 or load[x] > int(m.room[x]) or intensive[x] > limit for x in load):
            continue
        chosen = [(i, c) for i, c in enumerate(combo) if c is not None]
        placed = [i for i, _ in chosen]
        total = sum(int(cost[i, c[0]]) for i, c in chosen)
        if objective == "placements-first":
            score: tuple[int, ...] = (len(placed), -total)
        else:
            counts = Counter(int(s.priority[i]) for i in placed)
            score = (*(counts[level] for level in levels), -total)
        if best is None or score > best:
            best = score
    return best
