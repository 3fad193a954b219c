"""An independent check of a finished plan against the scenario (contract v1).

It never calls a solver: it re-evaluates every hard rule (the same rule
functions the solver's candidate filter uses), every capacity, every cost and
every count in the plan, and reports each violation in plain words.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np

from matcher.cost import pair_costs
from matcher.rules import RULE_NAMES, Pairs, evaluate
from models.config import Objective
from models.scenario import Scenario


def _index(ids: np.ndarray) -> dict[str, int]:
    return {str(v): i for i, v in enumerate(ids)}


def check_plan(scenario: Scenario, plan: dict[str, Any]) -> list[str]:
    """Every violation of the contract in ``plan``; an empty list means valid."""
    errors: list[str] = []
    s, w, m, pinned = scenario.students, scenario.workplaces, scenario.mentors, scenario.pinned
    student_at, workplace_at, mentor_at = _index(s.ids), _index(w.ids), _index(m.ids)
    pinned_workplace = {int(st): int(wp) for st, wp in zip(pinned.student, pinned.workplace,
                                                           strict=True)}
    pinned_mentor = {int(st): int(me) for st, me in zip(pinned.student, pinned.mentor,
                                                        strict=True)}
    assignments = plan.get("assignments", [])
    unmatched = plan.get("unmatched", [])
    capacity_conflicts = {c["student_id"] for c in plan.get("capacity_conflicts", [])}

    seen = Counter([a["student_id"] for a in assignments] + [u["student_id"] for u in unmatched])
    for student_id, times in seen.items():
        if student_id not in student_at:
            errors.append(f"{student_id}: not a student of the scenario")
        elif times > 1:
            errors.append(f"{student_id}: appears {times} times")
    for student_id in student_at:
        if student_id not in seen:
            errors.append(f"{student_id}: missing from the plan")

    placed_student, placed_workplace, placed_mentor, rows = [], [], [], []
    for a in assignments:
        si, wi = student_at.get(a["student_id"]), workplace_at.get(a["workplace_id"])
        if si is None or wi is None:
            errors.append(f"{a['student_id']}: unknown workplace {a['workplace_id']!r}")
            continue
        mentor_id = a.get("mentor_id")
        mi = mentor_at.get(mentor_id, -1) if mentor_id is not None else -1
        if mi < 0:
            if not (si in pinned_workplace and a["student_id"] in capacity_conflicts):
                errors.append(f"{a['student_id']}: names no mentor of the scenario "
                              f"({mentor_id!r})")
        elif m.workplace[mi] != wi:
            errors.append(f"{a['student_id']}: mentor {mentor_id} does not work at "
                          f"{a['workplace_id']}")
        if si in pinned_workplace:
            if not a.get("pinned"):
                errors.append(f"{a['student_id']}: pinned placement not marked pinned")
            if pinned_workplace[si] != wi:
                errors.append(f"{a['student_id']}: pinned workplace changed")
            if pinned_mentor[si] >= 0 and pinned_mentor[si] != mi:
                errors.append(f"{a['student_id']}: pinned mentor changed")
        elif a.get("pinned"):
            errors.append(f"{a['student_id']}: marked pinned but not in placements")
        placed_student.append(si)
        placed_workplace.append(wi)
        placed_mentor.append(mi)
        rows.append(a)
    for si in pinned_workplace:
        if si not in set(placed_student):
            errors.append(f"{s.ids[si]}: pinned placement missing from assignments")

    pairs = Pairs(scenario, np.asarray(placed_student, dtype=np.int64),
                  np.asarray(placed_workplace, dtype=np.int64))
    results = evaluate(pairs)
    costs = pair_costs(pairs)
    expected_conflicts: dict[str, list[str]] = {}
    for i, a in enumerate(rows):
        broken = [r for r in RULE_NAMES if not results[r][i]]
        is_pinned = int(pairs.student[i]) in pinned_workplace
        if broken and not is_pinned:
            errors.append(f"{a['student_id']} → {a['workplace_id']}: breaks {', '.join(broken)}")
        if is_pinned and broken:
            expected_conflicts[a["student_id"]] = broken
        breakdown = costs.breakdown(i)
        if a.get("breakdown") != breakdown or a.get("cost") != sum(breakdown.values()):
            errors.append(f"{a['student_id']}: cost {a.get('cost')} {a.get('breakdown')} "
                          f"should be {sum(breakdown.values())} {breakdown}")

    for c in plan.get("conflicts", []):
        rules = c.get("rules", [])
        if expected_conflicts.pop(c["student_id"], None) != rules:
            errors.append(f"{c['student_id']}: conflict lists {rules}, which are not the rules "
                          "it breaks")
    capacity_conflict_at = {workplace_at[c["workplace_id"]]
                            for c in plan.get("capacity_conflicts", [])
                            if c.get("workplace_id") in workplace_at}
    for student_id, broken in expected_conflicts.items():
        errors.append(f"{student_id}: pinned placement breaks {', '.join(broken)} "
                      "but is not listed in conflicts")

    errors += _capacity_errors(scenario, pairs, placed_mentor, capacity_conflict_at,
                               set(pinned_workplace))
    errors += _unmatched_errors(scenario, unmatched, student_at)

    placed = np.zeros(len(s), dtype=bool)
    placed[pairs.student] = True
    summary = plan.get("summary", {})
    by_priority = Counter(str(int(p)) for p in s.priority[placed])
    levels = {str(int(p)): by_priority[str(int(p))] for p in np.unique(s.priority)}
    if summary.get("students") != len(s) or summary.get("placed") != int(placed.sum()):
        errors.append("summary: students or placed count is wrong")
    if summary.get("placed_by_priority") != levels:
        errors.append(f"summary: placed_by_priority should be {levels}")
    return errors


def _capacity_errors(
    scenario: Scenario,
    pairs: Pairs,
    mentor: list[int],
    excused: set[int],
    pinned_students: set[int],
) -> list[str]:
    """Seats, mentor room and the intensive-support limit.

    A limit may be exceeded only by pinned rows that the plan reports as a
    capacity conflict, and then no student the solver placed may share it.
    """
    errors = []
    w, m, s = scenario.workplaces, scenario.mentors, scenario.students
    limit = scenario.config.policy.max_intensive_per_mentor
    at_workplace: dict[int, list[int]] = defaultdict(list)
    for student, workplace in zip(pairs.student, pairs.workplace, strict=True):
        at_workplace[int(workplace)].append(int(student))
    at_mentor: dict[int, list[int]] = defaultdict(list)
    for student, me in zip(pairs.student, mentor, strict=True):
        if me >= 0:
            at_mentor[me].append(int(student))

    def exceeded(students: list[int], bound: int, workplace: int, what: str) -> None:
        if len(students) <= bound:
            return
        if workplace in excused and set(students) <= pinned_students:
            return
        errors.append(f"workplace {w.ids[workplace]}: {what} exceeded "
                      f"({len(students)} > {bound})")

    for workplace, students in at_workplace.items():
        exceeded(students, int(w.seats[workplace]), workplace, "seats")
        if not (m.workplace == workplace).any():
            exceeded(students, 0, workplace, "mentors (it has none)")
    for me, students in at_mentor.items():
        workplace = int(m.workplace[me])
        exceeded(students, int(m.room[me]), workplace, f"room of mentor {m.ids[me]}")
        intensive = [x for x in students if s.intensive[x]]
        exceeded(intensive, limit, workplace,
                 f"intensive-support limit of mentor {m.ids[me]}")
    return errors


def _unmatched_errors(
    scenario: Scenario, unmatched: list[dict[str, Any]], student_at: dict[str, int]
) -> list[str]:
    errors = []
    for u in unmatched:
        si = student_at.get(u["student_id"])
        if si is None:
            continue
        pairs = Pairs.of_student(scenario, si)
        results = evaluate(pairs)
        counts = {r: int((~results[r]).sum()) for r in RULE_NAMES}
        feasible = np.logical_and.reduce([results[r] for r in RULE_NAMES]).any()
        reason = "capacity" if feasible else "no_feasible_workplace"
        if u.get("reason") != reason:
            errors.append(f"{u['student_id']}: reason should be {reason}")
        if u.get("rules") != counts:
            errors.append(f"{u['student_id']}: rule counts {u.get('rules')} should be {counts}")
        if not u.get("detail"):
            errors.append(f"{u['student_id']}: no detail")
    return errors


def plan_score(scenario: Scenario, plan: dict[str, Any], objective: Objective) -> tuple[int, ...]:
    """The lexicographic objective of a plan, as a tuple to maximise.

    priority-first: placed students of each priority level (most protected
    first), then −total cost; placements-first: placed students, then −cost.
    """
    student_at = _index(scenario.students.ids)
    placed = [student_at[a["student_id"]] for a in plan["assignments"]]
    cost = sum(int(a["cost"]) for a in plan["assignments"])
    if objective == "placements-first":
        return (len(placed), -cost)
    levels = sorted(set(int(p) for p in scenario.students.priority))
    counts = Counter(int(scenario.students.priority[i]) for i in placed)
    return (*(counts[level] for level in levels), -cost)
