"""The cheapest fix per unmatched student, verified by re-solving.

For each unmatched student: the smallest single change (``matcher.analysis.
changes``, in effort order: a seat, a mentor slot, an adjustment, a
recognition, more travel minutes) that, applied to the scenario and solved
again, places the student without unplacing any student of higher priority.
A fix is only reported when that re-solve confirms it.

Which changes are worth a re-solve:

- **seat / mentor slot** at the workplaces the student can reach through the
  current plan: a workplace they may go to, or one where a student placed on
  their way could move to (alternating paths in the plan, breadth first,
  nearest first). Only where that change adds room: a seat helps only where
  the mentors still have room, and the other way round;
- **adjustment / recognition / travel** at workplaces that break exactly one
  rule for the student, and only when that rule is one a single change fixes:
  one missing adjustment code (or ``language_support`` for a Dutch-level
  minimum), the student's programme not recognised (or expired) at a
  workplace of the programme's own sector, or the travel limit (the extra
  minutes needed). Workplaces with free room come first, then the nearest.

At most ``per_kind`` changes of each kind are re-solved per student, and every
re-solve is remembered, so a change shared by many students costs one solve.
Screening re-solves only the component the change touches; the fix reported
is confirmed by re-planning the whole scenario from scratch.
The list is ranked by how many unmatched students the same change places.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from matcher.analysis.changes import Change, ChangeKind, Resolver, apply_change
from matcher.analysis.groups import UNKNOWN, programme_sectors
from matcher.candidates import Candidates
from matcher.messages import Message
from matcher.pipeline import SolveRun
from matcher.rules import RULE_NAMES, Pairs, evaluate
from matcher.solve.capacity import residual_capacity
from models.scenario import LANGUAGE_SUPPORT, IntArray, Scenario

PER_KIND = 3
MAX_DEPTH = 8  # alternating-path hops searched for capacity fixes
ONE_RULE_FIXES = ("recognised_for_programme", "adjustments", "dutch_level", "travel")


@dataclass(frozen=True)
class Fix:
    student: int
    change: Change
    newly_placed: IntArray  # unmatched students this change places (the student among them)
    net_gain: int  # students placed after minus before


@dataclass(frozen=True)
class FixReport:
    fixes: list[Fix]  # ranked: most students placed by the change first
    unfixed: list[int]  # unmatched students with no verified single change
    solves: int  # re-solves made


def _by_student(candidates: Candidates, n: int) -> tuple[IntArray, IntArray]:
    order = np.argsort(candidates.student, kind="stable")
    starts = np.searchsorted(candidates.student[order], np.arange(n + 1))
    return candidates.workplace[order], starts


def reachable_workplaces(run: SolveRun, student: int) -> list[int]:
    """Workplaces ``student`` reaches by alternating paths through the plan, nearest
    first: its own candidates, then where the students placed there could go, …"""
    sc = run.scenario
    n = len(sc.students)
    workplace_of, starts = _by_student(run.candidates, n)
    placed_at = run.solution.workplace
    free = np.ones(n, dtype=bool)
    free[sc.pinned.student] = False
    movable = np.flatnonzero(free & (placed_at >= 0))
    at_order = np.argsort(placed_at[movable], kind="stable")
    at_sorted = placed_at[movable][at_order]
    seen_w: dict[int, int] = {}
    seen_s = {student}
    queue = deque([(student, 0)])
    while queue:
        who, depth = queue.popleft()
        if depth >= MAX_DEPTH:
            continue
        for w in workplace_of[starts[who]:starts[who + 1]].tolist():
            if w in seen_w:
                continue
            seen_w[w] = depth
            lo, hi = np.searchsorted(at_sorted, [w, w + 1])
            for other in movable[at_order[lo:hi]].tolist():
                if other not in seen_s:
                    seen_s.add(other)
                    queue.append((other, depth + 1))
    return sorted(seen_w, key=lambda w: (seen_w[w], w))


def _capacity_changes(run: SolveRun, student: int) -> list[Change]:
    sc = run.scenario
    base = run.solution.capacity
    intensive = bool(sc.students.intensive[student])
    room = base.workplace_intensive if intensive else base.workplace_room
    seats: list[Change] = []
    mentors: list[Change] = []
    for w in reachable_workplaces(run, student):
        buckets: tuple[tuple[ChangeKind, list[Change]], ...] = (("seat", seats),
                                                                ("mentor", mentors))
        for kind, bucket in buckets:
            change = Change(kind, workplace=w)
            after = residual_capacity(apply_change(sc, change))
            new_room = after.workplace_intensive if intensive else after.workplace_room
            if new_room[w] > room[w] and len(bucket) < PER_KIND:
                bucket.append(change)
        if len(seats) >= PER_KIND and len(mentors) >= PER_KIND:
            break
    return seats + mentors


def one_rule_changes(run: SolveRun, student: int, per_kind: int = PER_KIND) -> list[Change]:
    """Changes that lift the one rule a nearby workplace breaks for ``student``."""
    sc = run.scenario
    s, w = sc.students, sc.workplaces
    pairs = Pairs.of_student(sc, student)
    results = evaluate(pairs)
    failing = np.zeros(len(pairs), dtype=np.int64)
    for rule in RULE_NAMES:
        failing += ~results[rule]
    free = np.ones(len(s), dtype=bool)
    free[sc.pinned.student] = False
    placed = run.solution.workplace[free & (run.solution.workplace >= 0)]
    room = run.solution.capacity.workplace_room - np.bincount(placed, minlength=len(w))
    free_first = np.lexsort((pairs.minutes, room <= 0))
    # only a workplace of the programme's own sector can be recognised for it
    own_sector = str(programme_sectors(sc)[s.programme[student]])
    sector_codes = sc.sectors.codes
    found: dict[str, list[Change]] = {"adjustment": [], "recognition": [], "travel": []}
    for j in free_first.tolist():
        if failing[j] != 1:
            continue
        rule = next(r for r in RULE_NAMES if not results[r][j])
        change: Change | None = None
        if rule == "recognised_for_programme":
            if own_sector in (UNKNOWN, sector_codes[w.sector[j]]):
                change = Change("recognition", workplace=j,
                                programme=int(s.programme[student]))
        elif rule == "dutch_level":
            change = Change("adjustment", workplace=j, code=LANGUAGE_SUPPORT)
        elif rule == "adjustments":
            missing = sc.adjustments.decode(s.adjustments[student] & ~w.adjustments[j])
            if len(missing) == 1:
                change = Change("adjustment", workplace=j, code=missing[0])
        elif rule == "travel":
            extra = int(pairs.minutes[j]) - int(s.max_travel_min[student])
            if extra <= sc.config.policy.max_travel_fix_min:
                change = Change("travel", student=student, minutes=extra)
        if change is None:
            continue
        bucket = found[change.kind]
        if change not in bucket and len(bucket) < per_kind:
            bucket.append(change)
    # travel: the smallest extra minutes first
    found["travel"].sort(key=lambda c: c.minutes)
    return found["adjustment"] + found["recognition"] + found["travel"]


def candidate_changes(run: SolveRun, student: int) -> list[Change]:
    """Changes worth re-solving for ``student``, smallest effort first."""
    changes = _capacity_changes(run, student) + one_rule_changes(run, student)
    return sorted(changes, key=lambda c: c.effort)


def cheapest_fixes(run: SolveRun, students: list[int] | None = None,
                   resolver: Resolver | None = None) -> FixReport:
    """The cheapest verified fix per unmatched student of ``run`` (or of ``students``).

    Candidates are screened with fast component re-solves (``resolver``, which
    may be shared with other analyses); the first that passes is confirmed by
    a whole re-plan exactly as a user would run it, and only a confirmed change
    is reported (among equally good plans the two may pick different students).
    """
    objective = run.solution.objective
    fast = resolver or Resolver(run.scenario, run.candidates, run.solution, objective)
    exact = Resolver(run.scenario, run.candidates, run.solution, objective, whole=True)
    unmatched = np.flatnonzero(run.solution.workplace < 0).tolist()
    wanted = unmatched if students is None else [s for s in students if s in set(unmatched)]
    fixes: list[Fix] = []
    unfixed: list[int] = []
    for student in wanted:
        fix = None
        for change in candidate_changes(run, student):
            if fast.places(change, student) and exact.places(change, student):
                outcome = exact.outcome(change)
                fix = Fix(student, change, outcome.newly_placed, outcome.net_gain)
                break
        if fix is None:
            unfixed.append(student)
        else:
            fixes.append(fix)
    fixes.sort(key=lambda f: (-len(f.newly_placed), -f.net_gain, f.change.effort, f.student))
    return FixReport(fixes, unfixed, fast.solves + exact.solves)


def fix_rows(scenario: Scenario, report: FixReport,
             private: bool = False) -> list[dict[str, object]]:
    """One row per unmatched student: the fix (a message to render) and whom else it
    places."""
    ids = scenario.students.ids
    rows: list[dict[str, object]] = []
    for fix in report.fixes:
        others = [str(ids[i]) for i in fix.newly_placed if i != fix.student]
        rows.append({"student_id": str(ids[fix.student]),
                     "priority": int(scenario.students.priority[fix.student]),
                     "fix": fix.change.describe(scenario, private=private),
                     "kind": fix.change.kind,
                     "places": len(fix.newly_placed),
                     "also_places": others})
    for student in report.unfixed:
        rows.append({"student_id": str(ids[student]),
                     "priority": int(scenario.students.priority[student]),
                     "fix": Message("fix.none"), "kind": "none",
                     "places": 0, "also_places": []})
    return rows
