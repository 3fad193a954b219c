"""The cheapest fix per unmatched student, confirmed by the what-if re-plan.

A fix is one change to the scenario (``matcher.analysis.changes``) that, made
to the scenario and re-planned the way a consultant's what-if is (the changed
scenario solved with the same objective, everyone else kept where possible:
the keep level of ``matcher.solve.problem``), places the student. Each fix lists
every other student whose place the re-plan changes (``matcher.diff``: gained,
lost, moved), so "places 1" never hides that someone else loses a place.

Changes tried per student, smallest effort first (``changes.EFFORT``):

- **data**: the student's Dutch level or birth date is missing and a workplace
  nearby asks for a minimum: completing it (with the lowest value that places
  the student) is the first action;
- **seat / mentor slot** at the workplaces the student reaches through the
  plan (alternating paths, nearest first), where that adds room;
- **workplace adaptations** at a workplace whose only obstacles are of one
  kind: the adjustments the student needs (all missing codes at once, and
  language support for a Dutch-level minimum), the placement type the student
  needs, accepting grade 2;
- **recognition** of the programme, only at a workplace of the programme's own
  sector (or renewing an expired one);
- **travel**: the student's limit raised by the smallest number of minutes that
  places them (the distinct travel times just beyond the limit, in order; one
  minute less does not place the student), never more than
  ``policy.max_travel_fix_min``;
- when nothing works and no workplace of the programme's sector is within
  reach, **recruit** a workplace of that sector near the student (advice: it
  names no workplace, so it is not re-planned).

Speed: one warm engine (``matcher.solve.warm``) holds the re-plan network of
the base plan (the same objective, everyone kept where possible) with every pair
a candidate change may open built in closed, split into independent parts
(students and workplaces linked by pairs). Then:

- **screening by the duals** (exact): under optimal node potentials of the base
  plan, a change whose opened arcs and raised capacities all have a reduced cost
  ≥ 0 leaves the base plan optimal. The base plan is then the only optimum (any
  other must keep every placed student where they are, by the keep level, and
  place nobody more, by the placement level), so the change places nobody: no
  re-solve is needed;
- **confirming by a warm trial**: the change is made in the engine, and only the
  part it touches is solved again, from that part's last basis (milliseconds);
- **ties**: a re-plan's optimum may not be unique (two students of one priority
  competing for a new seat at the same cost), and then another exact solver may
  pick another one. Only when no other optimum places a student differently
  (``WarmEngine.other_optimum``) is the warm answer the answer of every exact
  solver; otherwise the changed scenario is re-planned as the what-if path
  does, so a fix always says what the what-if shows.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.analysis.changes import (
    EFFORT,
    Change,
    ChangeKind,
    apply_change,
    as_scenario_change,
    birth_date_for_age,
)
from matcher.analysis.groups import UNKNOWN, programme_sectors
from matcher.candidates import Candidates, build_candidates
from matcher.diff import ChangeKind as PlaceChange
from matcher.diff import plan_diff
from matcher.messages import Message
from matcher.pipeline import SolveRun
from matcher.rules import RULE_NAMES, RULES, Pairs, evaluate
from matcher.solve import solve
from matcher.solve.capacity import Capacity, residual_capacity
from matcher.solve.mentors import assign_mentors
from matcher.solve.warm import Duals, WarmEngine
from models.plan import Assignment, Breakdown, UnmatchedStudent
from models.scenario import LANGUAGE_SUPPORT, IntArray, Scenario
from models.scenario import UNKNOWN as UNKNOWN_VALUE
from models.tables import CEFR_LEVELS

PER_KIND = 6  # changes of one kind confirmed per student (those the duals cannot exclude)
MAX_DEPTH = 8  # alternating-path hops searched for capacity fixes
ADJUSTING = frozenset({"adjustments", "dutch_level"})


def _bits(*rules: str) -> int:
    return sum(1 << RULE_NAMES.index(rule) for rule in rules)


# The sets of broken rules one change may lift (see ``rule_changes``).
_TRAVEL = _bits("travel")
_LIFTABLE = np.asarray([_TRAVEL, _bits("adjustments"), _bits("dutch_level"),
                        _bits("adjustments", "dutch_level"), _bits("placement_type"),
                        _bits("grade"), _bits("recognised_for_programme"), _bits("min_age")],
                       dtype=np.int64)


@dataclass(frozen=True)
class Opening:
    """What one change does to the re-plan network: pairs it allows, room it adds."""

    student: IntArray  # pairs newly allowed (student, workplace)
    workplace: IntArray
    room_at: IntArray  # workplaces whose room changes
    room: IntArray  # their new room
    intensive_room: IntArray  # their new room for intensive students


@dataclass(frozen=True)
class Affected:
    """A student whose place the fix's re-plan changes."""

    student: int
    change: PlaceChange  # gained, lost or moved


@dataclass(frozen=True)
class Fix:
    student: int
    change: Change
    affected: tuple[Affected, ...]  # every student whose place changes (the student too)
    confirmed: bool = True  # False only for a recruitment advice (nothing to re-plan)

    def students(self, kind: PlaceChange) -> list[int]:
        return [a.student for a in self.affected if a.change == kind]

    @property
    def newly_placed(self) -> list[int]:
        return self.students("gained")

    @property
    def net_gain(self) -> int:
        return len(self.students("gained")) - len(self.students("lost"))


@dataclass(frozen=True)
class FixReport:
    fixes: list[Fix]  # ranked: most students placed by the change first
    unfixed: list[int]  # unmatched students with no fix
    solves: int  # warm re-solves
    replans: int  # exact what-if re-plans (ties, or no warm network)
    screened: int = 0  # changes the duals excluded without a re-solve
    timings: dict[str, float] = field(default_factory=dict)


def _by_student(candidates: Candidates, n: int) -> tuple[IntArray, IntArray]:
    order = np.argsort(candidates.student, kind="stable")
    starts = np.searchsorted(candidates.student[order], np.arange(n + 1))
    return candidates.workplace[order], starts


@dataclass(frozen=True)
class _PlanIndex:
    """A plan's candidates by student and its movable students by workplace, sorted
    once for many searches."""

    workplace_of: IntArray
    starts: IntArray
    movable: IntArray
    at_order: IntArray
    at_sorted: IntArray


_INDEX: dict[int, tuple[SolveRun, _PlanIndex]] = {}


def _plan_index(run: SolveRun) -> _PlanIndex:
    held = _INDEX.get(id(run))
    if held is not None and held[0] is run:
        return held[1]
    sc = run.scenario
    n = len(sc.students)
    workplace_of, starts = _by_student(run.candidates, n)
    placed_at = run.solution.workplace
    free = np.ones(n, dtype=bool)
    free[sc.pinned.student] = False
    movable = np.flatnonzero(free & (placed_at >= 0))
    at_order = np.argsort(placed_at[movable], kind="stable")
    index = _PlanIndex(workplace_of, starts, movable, at_order, placed_at[movable][at_order])
    _INDEX.clear()  # one plan at a time: the last one asked
    _INDEX[id(run)] = (run, index)
    return index


def reachable_workplaces(run: SolveRun, student: int) -> list[int]:
    """Workplaces ``student`` reaches by alternating paths through the plan, nearest
    first: its own candidates, then where the students placed there could go, …"""
    index = _plan_index(run)
    workplace_of, starts = index.workplace_of, index.starts
    movable, at_order, at_sorted = index.movable, index.at_order, index.at_sorted
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


def room_after_one_more(scenario: Scenario) -> tuple[Capacity, Capacity]:
    """Per workplace, its room after one more seat there, and after one more mentor
    slot there (each workplace's room depends on its own seats and mentors only, so
    one residual-capacity pass answers for every workplace at once)."""
    w = scenario.workplaces
    seats = dataclasses.replace(w, seats=w.seats + 1)
    with_seat = residual_capacity(dataclasses.replace(scenario, workplaces=seats))
    m = scenario.mentors
    n_w = len(w)
    mentors = dataclasses.replace(
        m, ids=np.concatenate([m.ids, np.asarray([f"+{j}" for j in range(n_w)], dtype=object)]),
        workplace=np.concatenate([m.workplace, np.arange(n_w, dtype=np.int64)]),
        capacity=np.concatenate([m.capacity, np.ones(n_w, dtype=np.int64)]),
        current_load=np.concatenate([m.current_load, np.zeros(n_w, dtype=np.int64)]))
    with_mentor = residual_capacity(dataclasses.replace(scenario, mentors=mentors))
    return with_seat, with_mentor


def capacity_changes(run: SolveRun, student: int,
                     more: tuple[Capacity, Capacity] | None = None) -> list[Change]:
    """A seat, then a mentor slot, at each workplace the student reaches through the
    plan where that adds room for them (``more``: ``room_after_one_more``)."""
    sc = run.scenario
    base = run.solution.capacity
    with_seat, with_mentor = more or room_after_one_more(sc)
    intensive = bool(sc.students.intensive[student])

    def room(capacity: Capacity) -> IntArray:
        return capacity.workplace_intensive if intensive else capacity.workplace_room

    reached = np.asarray(reachable_workplaces(run, student), dtype=np.int64)
    seats = [Change("seat", workplace=int(w))
             for w in reached[room(with_seat)[reached] > room(base)[reached]]]
    mentors = [Change("mentor", workplace=int(w))
               for w in reached[room(with_mentor)[reached] > room(base)[reached]]]
    return seats + mentors


def _missing_codes(sc: Scenario, student: int, workplace: int) -> list[str]:
    return sc.adjustments.decode(sc.students.adjustments[student]
                                 & ~sc.workplaces.adjustments[workplace])


def _student_pairs(run: SolveRun, student: int) -> tuple[Pairs, dict[str, np.ndarray], IntArray]:
    """The student against every workplace: the pairs, each rule's result, and the
    order in which to try workplaces (free room first, then the nearest)."""
    sc = run.scenario
    pairs = Pairs.of_student(sc, student)
    results = evaluate(pairs)
    free = np.ones(len(sc.students), dtype=bool)
    free[sc.pinned.student] = False
    placed = run.solution.workplace[free & (run.solution.workplace >= 0)]
    room = run.solution.capacity.workplace_room - np.bincount(placed,
                                                              minlength=len(sc.workplaces))
    order: IntArray = np.lexsort((np.arange(len(pairs)), pairs.minutes, room <= 0))
    return pairs, results, order


def rule_changes(run: SolveRun, student: int) -> list[Change]:
    """Changes that lift what keeps a nearby workplace from the student (see the
    module doc), within the travel limit plus the policy's cap for travel."""
    sc = run.scenario
    s, w = sc.students, sc.workplaces
    pairs, results, order = _student_pairs(run, student)
    limit = int(s.max_travel_min[student])
    cap = sc.config.policy.max_travel_fix_min
    reach = pairs.minutes <= limit + cap
    own_sector = str(programme_sectors(sc)[s.programme[student]])
    sector_codes = sc.sectors.codes
    found: list[Change] = []
    travel_minutes: set[int] = set()
    # each workplace's broken rules as bits, to visit only those one change may lift
    bits = np.zeros(len(pairs), dtype=np.int64)
    for i, rule in enumerate(RULE_NAMES):
        bits |= (~results[rule]).astype(np.int64) << i
    liftable = np.isin(bits, _LIFTABLE) & ((pairs.minutes <= limit) | (bits == _TRAVEL))
    for j in order[(reach & liftable)[order]].tolist():
        failing = frozenset(r for i, r in enumerate(RULE_NAMES) if (int(bits[j]) >> i) & 1)
        change: Change | None = None
        if failing == {"travel"}:
            travel_minutes.add(int(pairs.minutes[j]) - limit)
            continue
        if pairs.minutes[j] > limit:
            continue  # a change at this workplace alone would not do
        if failing <= ADJUSTING:
            codes = _missing_codes(sc, student, j)
            if "dutch_level" in failing:
                codes.append(LANGUAGE_SUPPORT)
            change = Change("adjustment", workplace=j, codes=tuple(sorted(set(codes))))
            if failing == {"dutch_level"} and s.dutch_level[student] == 0:
                found.append(Change("data", student=student, field="dutch_level",
                                    value=int(w.min_dutch_level[j])))
        elif failing == {"placement_type"}:
            wanted = "contract" if s.duaal[student] else "guided"
            change = Change("placement_type", workplace=j, codes=(wanted,))
        elif failing == {"grade"}:
            change = Change("grade2", workplace=j)
        elif failing == {"recognised_for_programme"}:
            if own_sector != UNKNOWN and own_sector == sector_codes[w.sector[j]]:
                change = Change("recognition", workplace=j, programme=int(s.programme[student]))
        elif failing == {"min_age"} and s.age[student] == UNKNOWN_VALUE:
            change = Change("data", student=student, field="birth_date",
                            value=int(w.min_age[j]))
        if change is not None:
            found.append(change)
    found += [Change("travel", student=student, minutes=m) for m in sorted(travel_minutes)]
    unique = list(dict.fromkeys(found))
    # data values and travel minutes: the smallest first
    unique.sort(key=lambda c: (EFFORT[c.kind], c.value if c.kind == "data" else 0))
    return unique


def one_rule_changes(run: SolveRun, student: int, per_kind: int = PER_KIND) -> list[Change]:
    """At most ``per_kind`` rule changes of each kind for ``student`` (for the
    recruitment list, which only asks which workplace-side changes to try)."""
    counts: dict[ChangeKind, int] = {}
    chosen = []
    for change in rule_changes(run, student):
        if counts.get(change.kind, 0) < per_kind:
            counts[change.kind] = counts.get(change.kind, 0) + 1
            chosen.append(change)
    return chosen


def candidate_changes(run: SolveRun, student: int,
                      more: tuple[Capacity, Capacity] | None = None) -> list[Change]:
    """Changes worth a re-plan for ``student``, smallest effort first (within one
    effort, in the order found: nearest, smallest value)."""
    changes = capacity_changes(run, student, more) + rule_changes(run, student)
    return sorted(changes, key=lambda c: EFFORT[c.kind])


def recruit_advice(run: SolveRun, student: int) -> Change | None:
    """"Recruit a workplace of the programme's sector near the student", when no
    workplace of that sector is within reach (limit plus the travel cap)."""
    sc = run.scenario
    s = sc.students
    sector = str(programme_sectors(sc)[s.programme[student]])
    pairs = Pairs.of_student(sc, student)
    reach = pairs.minutes <= int(s.max_travel_min[student]) + sc.config.policy.max_travel_fix_min
    codes = np.asarray(sc.sectors.codes, dtype=object)
    if sector != UNKNOWN and bool((codes[sc.workplaces.sector[reach]] == sector).any()):
        return None
    return Change("recruit", student=student, programme=int(s.programme[student]),
                  codes=() if sector == UNKNOWN else (sector,))


def allowed(pairs: Pairs) -> Pairs:
    """The pairs that pass every rule, travel last (it alone computes minutes, the
    expensive part, so only for the pairs the other rules leave)."""
    for name in sorted(RULES, key=lambda rule: rule == "travel"):
        pairs = pairs.subset(RULES[name](pairs))
    return pairs


class FixFinder:
    """Fixes for the unmatched students of one solved plan (see the module doc)."""

    def __init__(self, run: SolveRun, per_kind: int | None = PER_KIND,
                 warm: bool = True) -> None:
        """``per_kind``: at most this many changes of one kind re-solved per student
        (travel minutes always all, so the smallest is found); None for no limit.
        ``warm=False`` re-plans every change exactly as the what-if path does (the
        reference the tests compare with)."""
        self.run = run
        self.scenario = run.scenario
        self.base = run.solution
        self.per_kind = per_kind
        self.warm = warm
        self.replans = 0
        self.screened = 0
        self.solves = 0  # warm trials
        self._outcomes: dict[Change, IntArray] = {}
        self._openings: dict[Change, Opening] = {}
        self._engine: WarmEngine | None = None
        self._duals: Duals | None = None  # of the base plan in the engine
        self._held_student = np.zeros(0, dtype=bool)  # per student: has a pair in the engine
        self._held_workplace = np.zeros(0, dtype=bool)
        self._gated = np.zeros(0, dtype=bool)  # per workplace: an intensive student's pair
        self._base_keys = np.sort(self.scenario.pair_keys(run.candidates.student,
                                                          run.candidates.workplace))

    # -- what a change opens ------------------------------------------------------------

    def opening(self, change: Change) -> Opening:
        if change not in self._openings:
            sc = self.scenario
            changed = apply_change(sc, change)
            empty = np.zeros(0, dtype=np.int64)
            if change.kind in ("seat", "mentor"):
                after = residual_capacity(changed)
                at = np.asarray([change.workplace], dtype=np.int64)
                self._openings[change] = Opening(empty, empty, at, after.workplace_room[at],
                                                 after.workplace_intensive[at])
            else:
                if change.kind in ("travel", "data"):
                    fresh = Pairs.of_student(changed, change.student)
                else:
                    fresh = Pairs.of_workplace(changed, change.workplace)
                fresh = allowed(fresh)
                known = _contains(self._base_keys, sc.pair_keys(fresh.student, fresh.workplace))
                self._openings[change] = Opening(fresh.student[~known], fresh.workplace[~known],
                                                 empty, empty, empty)
        return self._openings[change]

    def _build_network(self, changes: Iterable[Change]) -> None:
        """The warm engine of the re-plan: the base pairs and every pair these changes
        may open (closed until a change opens them), in independent parts, solved at
        the base plan with its duals kept for the screening."""
        sc = self.scenario
        openings = [self.opening(c) for c in changes]
        student = np.concatenate([o.student for o in openings] + [np.zeros(0, np.int64)])
        workplace = np.concatenate([o.workplace for o in openings] + [np.zeros(0, np.int64)])
        keys = np.unique(sc.pair_keys(student, workplace))
        n_w = len(sc.workplaces)
        engine = WarmEngine.start(sc, self.run.candidates, self.base.objective,
                                  keep=self.base.workplace,
                                  spare=Pairs(sc, keys // n_w, keys % n_w), split=True)
        self._engine = engine
        self._held_student = np.bincount(engine.pair_student, minlength=len(sc.students)) > 0
        self._held_workplace = np.bincount(engine.pair_workplace, minlength=n_w) > 0
        self._gated = np.bincount(engine.pair_workplace[sc.students.intensive[
            engine.pair_student]], minlength=n_w) > 0
        if not engine.solved_cold:
            engine.assignment()  # the base plan: the keep level makes it the only optimum
            self._duals = engine.duals()

    def _touches_a_pair(self, change: Change) -> bool:
        if change.kind in ("travel", "data"):
            return bool(self._held_student[change.student])
        return bool(self._held_workplace[change.workplace])

    def may_help(self, opening: Opening) -> bool:
        """Whether the change could improve on the base plan (see the module doc): an
        arc it opens or widens has a negative reduced cost at the base optimum."""
        assert self._engine is not None and self._duals is not None
        duals, capacity = self._duals, self.base.capacity
        arcs = self._engine.pair_index(opening.student, opening.workplace)
        if (duals.pair[arcs[arcs >= 0]] < 0).any():
            return True
        at = opening.room_at
        wider = (opening.room > capacity.workplace_room[at]) & (duals.room[at] < 0)
        wider_intensive = ((opening.intensive_room > capacity.workplace_intensive[at])
                           & self._gated[at] & (duals.intensive_room[at] < 0))
        return bool(wider.any() or wider_intensive.any())

    def warm_workplace(self, change: Change, opening: Opening) -> tuple[IntArray, bool]:
        """The re-plan's workplace per student, by a warm trial in the engine, and
        whether every exact solver gives that same plan (no tie)."""
        engine = self._engine
        assert engine is not None
        with engine.trial():
            engine.open(opening.student, opening.workplace)
            if len(opening.room_at):
                engine.set_scenario(apply_change(self.scenario, change))
            after = engine.assignment()
            unique = not engine.other_optimum()
        self.solves += 1
        return after, unique

    # -- re-plans -------------------------------------------------------------------------

    def whatif_workplace(self, change: Change) -> IntArray:
        """The what-if re-plan of ``change`` from scratch: the changed scenario, its
        pairs found afresh, solved with the base plan's backend and objective, keeping
        everyone where possible."""
        changed = apply_change(self.scenario, change)
        self.replans += 1
        solution = solve(changed, build_candidates(changed), backend=self.base.backend,
                         objective=self.base.objective, keep=self.base.workplace)
        return solution.workplace[: len(self.base.workplace)]

    def workplace_after(self, change: Change) -> IntArray | None:
        """The re-plan's workplace per student; None when the duals show it is the
        base plan (nobody changes)."""
        if change not in self._outcomes:
            engine = self._engine
            if self.warm and engine is not None:
                opening = self.opening(change)
                if not self._touches_a_pair(change) or (
                        not engine.solved_cold and not self.may_help(opening)):
                    self.screened += 1
                    return None
                if engine.solved_cold:
                    self._outcomes[change] = self.whatif_workplace(change)
                else:
                    after, unique = self.warm_workplace(change, opening)
                    self._outcomes[change] = after if unique else self.whatif_workplace(change)
            else:
                self._outcomes[change] = self.whatif_workplace(change)
        return self._outcomes[change]

    def affected(self, change: Change, after: IntArray) -> tuple[Affected, ...]:
        """Every student whose place (workplace or mentor) differs after the change,
        by ``matcher.diff.plan_diff``."""
        sc = self.scenario
        changed = apply_change(sc, change)
        base_w, base_m = self.base.workplace, self.base.mentor
        n = len(base_w)
        mentor = _mentors_after(changed, base_w, base_m, after)
        differs = np.flatnonzero((after != base_w) | (mentor[:n] != base_m))
        before_plan = _places(sc, sc, differs, base_w, base_m)
        after_plan = _places(sc, changed, differs, after, mentor)
        index = {str(sc.students.ids[i]): int(i) for i in differs}
        return tuple(Affected(index[c.student_id], c.change)
                     for c in plan_diff(before_plan, after_plan).changes)

    def fix_for(self, student: int, changes: list[Change]) -> Fix | None:
        """The first change that places ``student`` (unplacing no student of higher
        priority), or None."""
        priority = self.scenario.students.priority
        tried: dict[ChangeKind, int] = {}
        for change in changes:
            limited = self.per_kind is not None and change.kind != "travel"
            if limited and tried.get(change.kind, 0) >= (self.per_kind or 0):
                continue
            after = self.workplace_after(change)
            if after is None:
                continue
            tried[change.kind] = tried.get(change.kind, 0) + 1
            if after[student] < 0:
                continue
            lost = np.flatnonzero((self.base.workplace >= 0) & (after < 0))
            if (priority[lost] < priority[student]).any():
                continue
            return Fix(student, change, self.affected(change, after))
        return None

    def find(self, students: list[int] | None = None) -> FixReport:
        """The cheapest fix of each unmatched student (all, or those of ``students``)."""
        started = time.perf_counter()
        unmatched = np.flatnonzero(self.base.workplace < 0).tolist()
        wanted = unmatched if students is None else [s for s in students
                                                     if s in set(unmatched)]
        more = room_after_one_more(self.scenario)
        per_student = {s: candidate_changes(self.run, s, more) for s in wanted}
        timings = {"candidates": time.perf_counter() - started}
        started = time.perf_counter()
        if self.warm:
            self._build_network(c for changes in per_student.values() for c in changes)
        timings["network"] = time.perf_counter() - started
        started = time.perf_counter()
        fixes: list[Fix] = []
        unfixed: list[int] = []
        for student, changes in per_student.items():
            fix = self.fix_for(student, changes)
            if fix is None:
                advice = recruit_advice(self.run, student)
                if advice is not None:
                    fix = Fix(student, advice, (), confirmed=False)
            if fix is None:
                unfixed.append(student)
            else:
                fixes.append(fix)
        timings["confirm"] = time.perf_counter() - started
        fixes.sort(key=lambda f: (-len(f.newly_placed), -f.net_gain, f.change.effort,
                                  f.student))
        return FixReport(fixes, unfixed, self.solves, self.replans, self.screened, timings)


def _mentors_after(changed: Scenario, base_workplace: IntArray, base_mentor: IntArray,
                   after: IntArray) -> IntArray:
    """``assign_mentors`` of the re-plan, run only at the workplaces whose students
    changed: it names mentors workplace by workplace, so elsewhere they stay."""
    touched = np.unique(np.concatenate([base_workplace[after != base_workplace],
                                        after[after != base_workplace]]))
    touched = touched[touched >= 0]
    at_touched = np.isin(after, touched)
    mentor = np.where(after >= 0, base_mentor, -1)
    fresh = assign_mentors(changed, np.where(at_touched, after, -1), residual_capacity(changed))
    mentor[at_touched] = fresh[at_touched]
    return mentor


def _contains(sorted_keys: IntArray, keys: IntArray) -> np.ndarray:
    """Which ``keys`` are in ``sorted_keys`` (a binary search: far faster than
    ``np.isin`` when the same large set is asked many times)."""
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    found: np.ndarray = sorted_keys[at] == keys
    return found


def _places(sc: Scenario, changed: Scenario, students: IntArray, workplace: IntArray,
            mentor: IntArray) -> _Plan:
    """These students' places as a plan ``plan_diff`` reads (it reads ids and places
    only: costs and reasons are not known here and are left empty)."""
    w_ids, m_ids, s_ids = changed.workplaces.ids, changed.mentors.ids, sc.students.ids
    nothing = Breakdown.model_construct(wish=0, competence=0, travel=0)
    placed = [Assignment.model_construct(
        student_id=str(s_ids[i]), workplace_id=str(w_ids[workplace[i]]),
        mentor_id=str(m_ids[mentor[i]]) if mentor[i] >= 0 else None, cost=0,
        breakdown=nothing) for i in students.tolist() if workplace[i] >= 0]
    unplaced = [UnmatchedStudent.model_construct(student_id=str(s_ids[i]), reason="capacity",
                                                 detail="", rules={})
                for i in students.tolist() if workplace[i] < 0]
    return _Plan(placed, unplaced)


@dataclass(frozen=True)
class _Plan:
    assignments: list[Assignment]
    unmatched: list[UnmatchedStudent]


def cheapest_fixes(run: SolveRun, students: list[int] | None = None,
                   per_kind: int | None = PER_KIND) -> FixReport:
    """The cheapest confirmed fix per unmatched student of ``run`` (or of ``students``)."""
    return FixFinder(run, per_kind=per_kind).find(students)


def fix_rows(scenario: Scenario, report: FixReport,
             private: bool = False) -> list[dict[str, object]]:
    """One row per unmatched student: the fix (a message to render) and whom else it
    places, unplaces or moves."""
    ids = scenario.students.ids
    rows: list[dict[str, object]] = []
    for fix in report.fixes:
        def others(kind: PlaceChange, fix: Fix = fix) -> list[str]:
            return [str(ids[i]) for i in fix.students(kind) if i != fix.student]

        entry = as_scenario_change(scenario, fix.change) if fix.confirmed else None
        rows.append({"student_id": str(ids[fix.student]),
                     "priority": int(scenario.students.priority[fix.student]),
                     "fix": fix.change.describe(scenario, private=private),
                     "kind": fix.change.kind,
                     "places": len(fix.newly_placed),
                     "also_places": others("gained"),
                     "also_unplaces": others("lost"),
                     "also_moves": others("moved"),
                     # the change-file entry, for a button that tries it as a what-if
                     "change": entry.model_dump(mode="json", exclude_none=True)
                     if entry is not None else None})
    for student in report.unfixed:
        rows.append({"student_id": str(ids[student]),
                     "priority": int(scenario.students.priority[student]),
                     "fix": Message("fix.none"), "kind": "none",
                     "places": 0, "also_places": [], "also_unplaces": [], "also_moves": [],
                     "change": None})
    return rows


def fix_json(scenario: Scenario, report: FixReport) -> dict[str, Any]:
    """Every fix as data (``matcher explain --fixes --json``; docs/analysis.md): what
    changes where, the same change as a change-file entry, and every student whose
    place it changes. The sentence is a message code and its parameters."""
    s, w = scenario.students, scenario.workplaces
    fixes = []
    for fix in report.fixes:
        change = fix.change
        entry = as_scenario_change(scenario, change) if fix.confirmed else None
        fixes.append({
            "student_id": str(s.ids[fix.student]),
            "kind": change.kind,
            "confirmed": fix.confirmed,
            "workplace_id": str(w.ids[change.workplace]) if change.workplace >= 0 else None,
            "programme": (scenario.programmes.codes[change.programme]
                          if change.programme >= 0 else None),
            "sector": change.codes[0] if change.kind == "recruit" and change.codes else None,
            "adjustments": list(change.codes) if change.kind == "adjustment" else [],
            "placement_type": change.codes[0] if change.kind == "placement_type" else None,
            "minutes": change.minutes if change.kind == "travel" else None,
            "seats": 1 if change.kind == "seat" else 0,
            "mentor_slots": 1 if change.kind == "mentor" else 0,
            "field": change.field,
            "value": _data_value(scenario, change),
            "change": entry.model_dump(mode="json", exclude_none=True) if entry else None,
            "message": change.describe(scenario).to_json(),
            "students": [{"student_id": str(s.ids[a.student]), "change": a.change}
                         for a in fix.affected],
        })
    return {"fixes": fixes, "unfixed": [str(s.ids[i]) for i in report.unfixed],
            "solves": {"warm": report.solves, "replans": report.replans,
                       "screened": report.screened}}


def _data_value(scenario: Scenario, change: Change) -> str | None:
    """The value a data fix assumes, as the students table writes it."""
    if change.kind != "data":
        return None
    if change.field == "dutch_level":
        return CEFR_LEVELS[change.value - 1]
    return birth_date_for_age(scenario, change.value).isoformat()
