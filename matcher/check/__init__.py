"""An independent check of a finished plan against the scenario (contract v1).

It never calls a solver, and it does not use the vectorised rules or costs
either: every hard rule, capacity, cost and count in the plan is re-evaluated
with the plain row-by-row reference in ``matcher.check.reference``, and each
violation is reported in plain words.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from typing import Any

from matcher.check import reference
from matcher.check.reference import ReferenceScenario, StudentRow, WorkplaceRow
from models.config import Objective
from models.scenario import Scenario


def check_plan(scenario: Scenario, plan: dict[str, Any]) -> list[str]:
    """Every violation of the contract in ``plan``; an empty list means valid."""
    errors: list[str] = []
    sc = reference.from_scenario(scenario)
    students, workplaces, mentors = sc.students, sc.workplaces, sc.mentors
    assignments = plan.get("assignments", [])
    unmatched = plan.get("unmatched", [])
    capacity_conflicts = {c["student_id"] for c in plan.get("capacity_conflicts", [])}

    seen = Counter([a["student_id"] for a in assignments] + [u["student_id"] for u in unmatched])
    for student_id, times in seen.items():
        if student_id not in students:
            errors.append(f"{student_id}: not a student of the scenario")
        elif times > 1:
            errors.append(f"{student_id}: appears {times} times")
    for student_id in students:
        if student_id not in seen:
            errors.append(f"{student_id}: missing from the plan")

    placed: list[tuple[StudentRow, WorkplaceRow, str | None]] = []
    rows: list[dict[str, Any]] = []
    for a in assignments:
        s, w = students.get(a["student_id"]), workplaces.get(a["workplace_id"])
        if s is None or w is None:
            errors.append(f"{a['student_id']}: unknown workplace {a['workplace_id']!r}")
            continue
        pinned = sc.pinned.get(s.student_id)
        mentor_id = a.get("mentor_id")
        if mentor_id not in mentors:
            mentor_id = None
            if not (pinned and s.student_id in capacity_conflicts):
                errors.append(f"{a['student_id']}: names no mentor of the scenario "
                              f"({a.get('mentor_id')!r})")
        elif mentors[mentor_id].workplace_id != w.workplace_id:
            errors.append(f"{a['student_id']}: mentor {mentor_id} does not work at "
                          f"{a['workplace_id']}")
        if pinned:
            if not a.get("pinned"):
                errors.append(f"{a['student_id']}: pinned placement not marked pinned")
            if pinned[0] != w.workplace_id:
                errors.append(f"{a['student_id']}: pinned workplace changed")
            if pinned[1] is not None and pinned[1] != mentor_id:
                errors.append(f"{a['student_id']}: pinned mentor changed")
        elif a.get("pinned"):
            errors.append(f"{a['student_id']}: marked pinned but not in placements")
        placed.append((s, w, mentor_id))
        rows.append(a)
    placed_ids = {s.student_id for s, _, _ in placed}
    for student_id in sc.pinned:
        if student_id not in placed_ids:
            errors.append(f"{student_id}: pinned placement missing from assignments")

    expected_conflicts: dict[str, list[str]] = {}
    for a, (s, w, _) in zip(rows, placed, strict=True):
        broken = reference.broken_rules(sc, s, w)
        is_pinned = s.student_id in sc.pinned
        if broken and not is_pinned:
            errors.append(f"{a['student_id']} → {a['workplace_id']}: breaks {', '.join(broken)}")
        if is_pinned and broken:
            expected_conflicts[a["student_id"]] = broken
        breakdown = reference.cost_breakdown(sc, s, w)
        if a.get("breakdown") != breakdown or a.get("cost") != sum(breakdown.values()):
            errors.append(f"{a['student_id']}: cost {a.get('cost')} {a.get('breakdown')} "
                          f"should be {sum(breakdown.values())} {breakdown}")

    for c in plan.get("conflicts", []):
        rules = c.get("rules", [])
        if expected_conflicts.pop(c["student_id"], None) != rules:
            errors.append(f"{c['student_id']}: conflict lists {rules}, which are not the rules "
                          "it breaks")
    for student_id, broken in expected_conflicts.items():
        errors.append(f"{student_id}: pinned placement breaks {', '.join(broken)} "
                      "but is not listed in conflicts")
    excused = {c["workplace_id"] for c in plan.get("capacity_conflicts", [])
               if c.get("workplace_id") in workplaces}

    errors += _capacity_errors(sc, placed, excused)
    errors += _unmatched_errors(sc, unmatched)

    summary = plan.get("summary", {})
    by_priority = Counter(str(s.priority) for s in students.values() if s.student_id in placed_ids)
    levels = {str(p): by_priority[str(p)] for p in sorted({s.priority for s in students.values()})}
    if summary.get("students") != len(students) or summary.get("placed") != len(placed_ids):
        errors.append("summary: students or placed count is wrong")
    if summary.get("placed_by_priority") != levels:
        errors.append(f"summary: placed_by_priority should be {levels}")
    return errors


def _capacity_errors(
    sc: ReferenceScenario,
    placed: list[tuple[StudentRow, WorkplaceRow, str | None]],
    excused: set[str],
) -> list[str]:
    """Seats (pinned rows count), mentor room, the intensive-support limit, and no
    room at a workplace without a mentor.

    A limit may be exceeded only by pinned rows that the plan reports as a
    capacity conflict, and then no student the solver placed may share it.
    """
    errors = []
    at_workplace: dict[str, list[StudentRow]] = defaultdict(list)
    at_mentor: dict[str, list[StudentRow]] = defaultdict(list)
    for s, w, mentor_id in placed:
        at_workplace[w.workplace_id].append(s)
        if mentor_id is not None:
            at_mentor[mentor_id].append(s)
    staffed = {m.workplace_id for m in sc.mentors.values()}

    def exceeded(students: list[StudentRow], bound: int, workplace_id: str, what: str) -> None:
        if len(students) <= bound:
            return
        if workplace_id in excused and all(s.student_id in sc.pinned for s in students):
            return
        errors.append(f"workplace {workplace_id}: {what} exceeded ({len(students)} > {bound})")

    for workplace_id, students in at_workplace.items():
        exceeded(students, sc.workplaces[workplace_id].seats, workplace_id, "seats")
        if workplace_id not in staffed:
            exceeded(students, 0, workplace_id, "mentors (it has none)")
    for mentor_id, students in at_mentor.items():
        mentor = sc.mentors[mentor_id]
        exceeded(students, mentor.room, mentor.workplace_id, f"room of mentor {mentor_id}")
        intensive = [s for s in students if s.intensive_support]
        exceeded(intensive, sc.max_intensive_per_mentor, mentor.workplace_id,
                 f"intensive-support limit of mentor {mentor_id}")
    return errors


def _unmatched_errors(sc: ReferenceScenario, unmatched: list[dict[str, Any]]) -> list[str]:
    """The reason and the per-rule rejection counts of every unmatched student.

    Every student is judged against every workplace, but a verdict shared by many
    students is reached once: a rule that reads a few profile fields once per
    distinct value of them, the estimated travel once per location and limit (and
    only for workplaces within reach of its latitude band: any other is beyond it
    by the meridian distance alone). Verdicts over all workplaces are bit masks
    (bit i: workplace i passes), so counts are bit counts and "some workplace
    passes every rule" is a nonzero AND."""
    errors = []
    workplaces = list(sc.workplaces.values())
    position = {w.workplace_id: i for i, w in enumerate(workplaces)}
    everywhere = (1 << len(workplaces)) - 1
    by_latitude = sorted(range(len(workplaces)), key=lambda i: workplaces[i].lat)
    latitudes = [workplaces[i].lat for i in by_latitude]
    verdicts: dict[tuple[Any, ...], int] = {}
    measured: dict[str, dict[str, int]] = defaultdict(dict)
    for (student_id, workplace_id), minutes in sc.travel_times.items():
        if workplace_id in position:
            measured[student_id][workplace_id] = minutes
    excluded: dict[str, list[str]] = defaultdict(list)
    for student_id, workplace_id in sc.exclusions:
        if workplace_id in position:
            excluded[student_id].append(workplace_id)
    for u in unmatched:
        s = sc.students.get(u["student_id"])
        if s is None:
            continue
        masks: dict[str, int] = {}
        for name, fields in reference.PROFILE_FIELDS.items():
            key = (name, *(getattr(s, field) for field in fields))
            if key not in verdicts:
                verdicts[key] = _mask([reference.RULES[name](sc, s, w) for w in workplaces])
            masks[name] = verdicts[key]
        key = ("travel", s.lat, s.lon, s.max_travel_min)
        if key not in verdicts:
            verdicts[key] = _estimated_travel_mask(sc, s, workplaces, by_latitude, latitudes)
        masks["travel"] = verdicts[key]
        masks["excluded"] = everywhere
        for workplace_id, minutes in measured.get(s.student_id, {}).items():
            bit = 1 << position[workplace_id]
            passes = minutes <= s.max_travel_min
            masks["travel"] = masks["travel"] | bit if passes else masks["travel"] & ~bit
        for workplace_id in excluded.get(s.student_id, ()):
            masks["excluded"] &= ~(1 << position[workplace_id])
        counts = {name: len(workplaces) - masks[name].bit_count() for name in reference.RULES}
        passes_all = everywhere
        for mask in masks.values():
            passes_all &= mask
        reason = "capacity" if passes_all else "no_feasible_workplace"
        if u.get("reason") != reason:
            errors.append(f"{u['student_id']}: reason should be {reason}")
        if u.get("rules") != counts:
            errors.append(f"{u['student_id']}: rule counts {u.get('rules')} should be {counts}")
        if not u.get("detail"):
            errors.append(f"{u['student_id']}: no detail")
    return errors


def _mask(passes: list[bool]) -> int:
    """Bit i set where ``passes[i]``."""
    return int("".join("1" if p else "0" for p in reversed(passes)) or "0", 2)


def _estimated_travel_mask(sc: ReferenceScenario, s: StudentRow, workplaces: list[WorkplaceRow],
                           by_latitude: list[int], latitudes: list[float]) -> int:
    """Workplaces within the student's limit by the estimated time. A workplace whose
    latitude alone puts it more than a minute beyond the limit (the great-circle
    distance is at least the meridian one) fails without computing its distance."""
    reach_km = (s.max_travel_min + 1) / 60.0 * sc.travel_speed_kmh / sc.detour_factor
    band = math.degrees(reach_km / reference.EARTH_RADIUS_KM)
    low = bisect.bisect_left(latitudes, s.lat - band)
    high = bisect.bisect_right(latitudes, s.lat + band)
    mask = 0
    for i in by_latitude[low:high]:
        if reference.estimated_minutes(sc, s, workplaces[i]) <= s.max_travel_min:
            mask |= 1 << i
    return mask


def plan_score(scenario: Scenario, plan: dict[str, Any], objective: Objective) -> tuple[int, ...]:
    """The lexicographic objective of a plan, as a tuple to maximise.

    priority-first: placed students of each priority level (most protected
    first), then −total cost; placements-first: placed students, then −cost.
    """
    priority = {str(i): int(p) for i, p in zip(scenario.students.ids, scenario.students.priority,
                                                strict=True)}
    placed = [priority[a["student_id"]] for a in plan["assignments"]]
    cost = sum(int(a["cost"]) for a in plan["assignments"])
    if objective == "placements-first":
        return (len(placed), -cost)
    counts = Counter(placed)
    return (*(counts[level] for level in sorted(set(priority.values()))), -cost)
