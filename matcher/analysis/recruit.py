"""An optimal recruitment plan: with a budget of ``k`` additions, which set of
additions places the most students in the order of the contract's objective
(priority-first: the most priority-1 students, then priority ≤ 2, …, then the
most students in total)?

An addition is one of the single changes of ``matcher.analysis.changes``:

- a **seat** at a workplace (``seats + 1``);
- a **mentor**: a new mentor of capacity 1 at a workplace;
- a **recognition** of a workplace for a programme (an expired recognition of
  that workplace is renewed with it, as ``apply_change`` does);
- an **adjustment** (code) offered by a workplace.

Single additions do not add up: two seats at a full workplace may place two
students where each alone places one, or none where a mentor is what is
missing; a recognition may only pay off together with a seat. So the set is
chosen jointly, in one model:

- the network of the plan (``matcher.solve.capacity``): a student takes at
  most one allowed workplace; per workplace the students placed stay within
  ``seats left + a`` and ``mentor room + b`` and the intensive ones within
  ``intensive mentor room + b`` (``a`` seats and ``b`` one-student mentors
  added there); the budget node: the sum of all additions is at most ``k``.
  Seat and mentor additions are capacity expansions of this network, so for a
  fixed choice of recognitions and adjustments the model is a flow problem;
- recognitions and adjustments open new student–workplace pairs: a pair that
  breaks only the recognition, adjustment or Dutch-level rule (fixed by
  offering ``language_support``) is usable when *all* the additions it needs
  are chosen (at most ``MAX_GATES``), all-or-nothing per addition. These
  binary choices make it a mixed problem, solved with CP-SAT.

The objective is lexicographic and solved in stages, each stage's optimum
fixed before the next: the contract's placement levels, then the fewest
additions, then the least effort (``changes.EFFORT``). A value is reported
as proven only when CP-SAT proves every placement stage optimal; otherwise the
plan is feasible and the stage's bound is given.

Which students and workplaces enter the model: from each unplaced student,
alternating paths through the base plan (to a workplace by an allowed pair
or a pair an addition could open, from a workplace to the students the plan
puts there). Any optimal plan after additions differs from the base plan by
such paths (the other differences are swaps between equally placed students
or moves that only use more room), so everything else keeps its place and the
optimum is unchanged. Recognitions are only proposed within the programme's
own sector (the sector of most workplaces recognised for it), and only pairs
within the student's travel limit are opened.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from scipy.spatial import cKDTree

from matcher.analysis.changes import EFFORT, Change, apply_change
from matcher.analysis.groups import UNKNOWN, programme_sectors
from matcher.analysis.marginal import recruitment_list
from matcher.candidates import build_candidates
from matcher.pipeline import SolveRun
from matcher.rules import RULE_NAMES, Pairs, evaluate
from matcher.solve import solve
from matcher.solve.capacity import residual_capacity, room_terms
from matcher.travel import chord_km, max_estimated_km, unit_sphere_xyz
from models.config import Objective
from models.scenario import LANGUAGE_SUPPORT, IntArray, Scenario

MAX_GATES = 2  # additions one new pair may need (e.g. a recognition and an adjustment)
STAGE_TIME_S = 120.0  # CP-SAT time per stage
FIXABLE = frozenset({"recognised_for_programme", "adjustments", "dutch_level"})
ADDITION_KINDS = ("seat", "mentor", "adjustment", "recognition")


@dataclass(frozen=True)
class Addition:
    """``count`` times the same change (seats and mentors may be added more than once)."""

    change: Change
    count: int = 1


@dataclass(frozen=True)
class Placed:
    """Students placed, in the contract's order: per priority level, and in total."""

    by_priority: dict[int, int]
    total: int

    @property
    def priority_1(self) -> int:
        return self.by_priority.get(1, 0)

    def key(self, levels: Iterable[int], objective: Objective) -> tuple[int, ...]:
        """The contract's lexicographic levels (higher is better)."""
        if objective == "placements-first":
            return (self.total,)
        cumulative, total = [], 0
        for level in sorted(levels):
            total += self.by_priority.get(level, 0)
            cumulative.append(total)
        return (*cumulative, self.total)


def placed_of(scenario: Scenario, workplace: IntArray) -> Placed:
    """Placed students of a plan (workplace per student, -1 unplaced)."""
    priority = scenario.students.priority[workplace >= 0]
    levels, counts = np.unique(priority, return_counts=True)
    by_priority = {int(p): int(c) for p, c in zip(levels, counts, strict=True)}
    return Placed(by_priority, int((workplace >= 0).sum()))


@dataclass(frozen=True)
class RecruitPlan:
    """The best set of at most ``budget`` additions and what it places."""

    budget: int
    additions: tuple[Addition, ...]
    placed: Placed
    optimal: bool  # every placement stage proven optimal
    bound: Placed | None  # when not proven: an upper bound on the stage that stopped
    seconds: float

    @property
    def used(self) -> int:
        return sum(a.count for a in self.additions)


@dataclass(frozen=True)
class Opening:
    """A pair no rule but the fixable ones forbids, and the conditions that open it:
    a change to choose, or ("renew", w) when any recognition at ``w`` renews it."""

    student: int
    workplace: int
    needs: tuple[Change, ...]
    renewal: int  # workplace whose expired recognition must be renewed, -1 for none


@dataclass(frozen=True)
class Region:
    """What the additions can change (see the module doc)."""

    students: IntArray
    workplaces: IntArray
    openings: tuple[Opening, ...]


def _by_student(student: IntArray, values: IntArray, n: int) -> tuple[IntArray, IntArray]:
    order = np.argsort(student, kind="stable")
    return values[order], np.searchsorted(student[order], np.arange(n + 1))


def _nearby(scenario: Scenario, students: IntArray) -> Pairs:
    """Every workplace within each student's travel radius (estimate; measured pairs
    too), as pairs on which the rules are then evaluated exactly."""
    s, w = scenario.students, scenario.workplaces
    policy = scenario.config.policy
    tree = cKDTree(unit_sphere_xyz(w.lat, w.lon))
    radii = np.asarray([chord_km(float(max_estimated_km(int(m), policy.detour_factor,
                                                         policy.travel_speed_kmh))) + 1e-3
                        for m in s.max_travel_min[students]])
    found = tree.query_ball_point(unit_sphere_xyz(s.lat[students], s.lon[students]), radii)
    student = np.concatenate([np.full(len(f), i, dtype=np.int64)
                              for i, f in zip(students.tolist(), found, strict=True)]
                             + [np.zeros(0, dtype=np.int64)])
    workplace = np.concatenate([np.asarray(f, dtype=np.int64) for f in found]
                               + [np.zeros(0, dtype=np.int64)])
    if len(scenario.travel_keys):
        measured_student = scenario.travel_keys // len(w)
        keep = np.isin(measured_student, students)
        student = np.concatenate([student, measured_student[keep]])
        workplace = np.concatenate([workplace, scenario.travel_keys[keep] % len(w)])
        keys = np.unique(scenario.pair_keys(student, workplace))
        student, workplace = keys // len(w), keys % len(w)
    return Pairs(scenario, student.astype(np.int64), workplace.astype(np.int64))


def openings(scenario: Scenario, students: IntArray, max_gates: int = MAX_GATES) -> list[Opening]:
    """Pairs of these students that additions could open (see the module doc)."""
    s, w = scenario.students, scenario.workplaces
    pairs = _nearby(scenario, students)
    results = evaluate(pairs)
    broken = {rule: ~results[rule] for rule in RULE_NAMES}
    any_broken = np.zeros(len(pairs), dtype=bool)
    other_broken = np.zeros(len(pairs), dtype=bool)
    for rule, fails in broken.items():
        any_broken |= fails
        if rule not in FIXABLE:
            other_broken |= fails
    codes = scenario.adjustments.codes
    own_sector = programme_sectors(scenario)
    n_programmes = max(len(scenario.programmes.codes), 1)
    listed = set(w.recognised.tolist())
    found: list[Opening] = []
    for i in np.flatnonzero(any_broken & ~other_broken).tolist():
        student, workplace = int(pairs.student[i]), int(pairs.workplace[i])
        needs: list[Change] = []
        renewal = -1
        if broken["recognised_for_programme"][i]:
            programme = int(s.programme[student])
            sector = str(own_sector[programme])
            if workplace * n_programmes + programme in listed:
                renewal = workplace  # listed but expired: any recognition there renews it
            elif sector in (UNKNOWN, scenario.sectors.codes[w.sector[workplace]]):
                needs.append(Change("recognition", workplace=workplace, programme=programme))
            else:
                continue
        missing = s.adjustments[student] & ~w.adjustments[workplace]
        for bit in range(len(codes)):
            if (int(missing[bit // 64]) >> (bit % 64)) & 1:
                needs.append(Change("adjustment", workplace=workplace, code=codes[bit]))
        if broken["dutch_level"][i]:
            support = Change("adjustment", workplace=workplace, code=LANGUAGE_SUPPORT)
            if support not in needs:
                needs.append(support)
        if len(needs) + (renewal >= 0) > max_gates:
            continue
        found.append(Opening(student, workplace, tuple(needs), renewal))
    return found


def region(run: SolveRun, max_gates: int = MAX_GATES) -> Region:
    """Students and workplaces reached from the unplaced students by alternating
    paths through the plan, over allowed pairs and pairs additions could open."""
    sc = run.scenario
    n, n_w = len(sc.students), len(sc.workplaces)
    free = np.ones(n, dtype=bool)
    free[sc.pinned.student] = False
    at = run.solution.workplace
    allowed, starts = _by_student(run.candidates.student, run.candidates.workplace, n)
    movable = np.flatnonzero(free & (at >= 0))
    occupants, occupant_starts = _by_student(at[movable], movable, n_w)
    seen_student = np.zeros(n, dtype=bool)
    seen_workplace = np.zeros(n_w, dtype=bool)
    frontier = np.flatnonzero(free & (at < 0))
    seen_student[frontier] = True
    found: list[Opening] = []
    while len(frontier):
        layer = openings(sc, frontier, max_gates)
        found += layer
        reached = np.concatenate([allowed[starts[s]:starts[s + 1]] for s in frontier.tolist()]
                                 + [np.asarray([o.workplace for o in layer], dtype=np.int64)])
        reached = np.unique(reached[~seen_workplace[reached]])
        seen_workplace[reached] = True
        nxt = np.concatenate([occupants[occupant_starts[w]:occupant_starts[w + 1]]
                              for w in reached.tolist()] + [np.zeros(0, dtype=np.int64)])
        nxt = np.unique(nxt[~seen_student[nxt]])
        seen_student[nxt] = True
        frontier = nxt
    return Region(np.flatnonzero(seen_student), np.flatnonzero(seen_workplace), tuple(found))


class RecruitModel:
    """The joint model of one scenario's region, solved for any budget."""

    def __init__(self, run: SolveRun, max_gates: int = MAX_GATES,
                 stage_time_s: float = STAGE_TIME_S) -> None:
        self.run = run
        self.stage_time_s = stage_time_s
        self.objective: Objective = run.solution.objective
        started = time.perf_counter()
        self.region = region(run, max_gates)
        self.region_seconds = time.perf_counter() - started
        self._hint: dict[str, int] = {}

    def solve(self, budget: int) -> RecruitPlan:
        """The best additions within ``budget`` (exact, or the gap stated)."""
        started = time.perf_counter()
        sc, run, reg = self.run.scenario, self.run, self.region
        s = sc.students
        model = cp_model.CpModel()
        in_region = np.zeros(len(s), dtype=bool)
        in_region[reg.students] = True
        arc_mask = in_region[run.candidates.student]
        arc_student = run.candidates.student[arc_mask]
        arc_workplace = run.candidates.workplace[arc_mask]
        x = [model.new_bool_var(f"x{a}") for a in range(len(arc_student))]
        o = [model.new_bool_var(f"o{b}") for b in range(len(reg.openings))]
        # the additions that open pairs, and the renewal of expired recognitions
        choices: dict[Change, cp_model.IntVar] = {}
        for opening in reg.openings:
            for change in opening.needs:
                if change not in choices:
                    choices[change] = model.new_bool_var(f"y{len(choices)}")
        renewed: dict[int, cp_model.IntVar] = {}
        for b, opening in enumerate(reg.openings):
            for change in opening.needs:
                model.add_implication(o[b], choices[change])
            if opening.renewal >= 0:
                w = opening.renewal
                if w not in renewed:
                    renewed[w] = model.new_bool_var(f"r{w}")
                model.add_implication(o[b], renewed[w])
        by_workplace: dict[int, list[Change]] = defaultdict(list)
        for change in choices:
            if change.kind == "recognition":
                by_workplace[change.workplace].append(change)
        for w, flag in renewed.items():
            # renewing means recognising it for some programme (apply_change renews then)
            options = by_workplace[w]
            if not options:
                n_programmes = max(len(sc.programmes.codes), 1)
                keys = sc.workplaces.recognised
                programme = int(keys[keys // n_programmes == w][0] % n_programmes)
                change = Change("recognition", workplace=w, programme=programme)
                choices[change] = model.new_bool_var(f"y{len(choices)}")
                options = [change]
                by_workplace[w] = options
            model.add_bool_or([choices[c] for c in options]).only_enforce_if(flag)

        # each student at most one workplace
        placed: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for a, student in enumerate(arc_student.tolist()):
            placed[student].append(x[a])
        for b, opening in enumerate(reg.openings):
            placed[opening.student].append(o[b])
        for literals in placed.values():
            if len(literals) > 1:
                model.add_at_most_one(literals)

        # room per workplace, with seats and mentors added (the budget node)
        load: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        intensive_load: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for a, (student, w) in enumerate(zip(arc_student.tolist(), arc_workplace.tolist(),
                                             strict=True)):
            load[w].append(x[a])
            if s.intensive[student]:
                intensive_load[w].append(x[a])
        for b, opening in enumerate(reg.openings):
            load[opening.workplace].append(o[b])
            if s.intensive[opening.student]:
                intensive_load[opening.workplace].append(o[b])
        terms = room_terms(sc)
        capacity = residual_capacity(sc)
        new_mentor_intensive = max(min(sc.config.policy.max_intensive_per_mentor, 1), 0)
        seats: dict[int, cp_model.IntVar] = {}
        mentors: dict[int, cp_model.IntVar] = {}
        for w in sorted(load):
            total, intensive = sum(load[w]), sum(intensive_load[w])
            growable = terms.seats[w] >= 0 and terms.mentors[w] >= 0 and terms.intensive[w] >= 0
            if not growable:  # pinned rows already overfill it: never recruit there
                model.add(total <= int(capacity.workplace_room[w]))
                model.add(intensive <= int(capacity.workplace_intensive[w]))
                continue
            seats[w] = model.new_int_var(0, budget, f"a{w}")
            mentors[w] = model.new_int_var(0, budget, f"b{w}")
            model.add(total <= int(terms.seats[w]) + seats[w])
            model.add(total <= int(terms.mentors[w]) + mentors[w])
            model.add(intensive <= int(terms.intensive[w]) + new_mentor_intensive * mentors[w])
        spent = sum(seats.values()) + sum(mentors.values()) + sum(choices.values())
        model.add(spent <= budget)

        # hints: the previous budget's plan, else the base plan
        base_at = run.solution.workplace
        hinted = self._hint
        for a, (student, w) in enumerate(zip(arc_student.tolist(), arc_workplace.tolist(),
                                             strict=True)):
            model.add_hint(x[a], hinted.get(f"x{student}:{w}", int(base_at[student] == w)))
        for b, opening in enumerate(reg.openings):
            model.add_hint(o[b], hinted.get(f"x{opening.student}:{opening.workplace}", 0))
        for w in seats:
            model.add_hint(seats[w], min(hinted.get(f"a{w}", 0), budget))
            model.add_hint(mentors[w], min(hinted.get(f"b{w}", 0), budget))
        for change, var in choices.items():
            model.add_hint(var, hinted.get(repr(change), 0))

        # stages: the contract's placement levels, then fewest additions, least effort
        priorities = sorted({int(p) for p in s.priority})
        stages: list[tuple[cp_model.LinearExprT, bool]] = []
        if self.objective == "priority-first":
            for level in priorities:
                members = [lit for student, lits in placed.items() if s.priority[student] <= level
                           for lit in lits]
                stages.append((sum(members), True))
        stages.append((sum(lit for lits in placed.values() for lit in lits), True))
        effort = (sum(EFFORT["seat"] * v for v in seats.values())
                  + sum(EFFORT["mentor"] * v for v in mentors.values())
                  + sum(EFFORT[c.kind] * v for c, v in choices.items()))
        stages.append((spent * (3 * budget + 1) + effort, False))

        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 0
        solver.parameters.linearization_level = 2
        optimal, stopped_bound = True, None
        status = None
        for number, (expression, maximise) in enumerate(stages):
            if maximise:
                model.maximize(expression)
            else:
                model.minimize(expression)
            solver.parameters.max_time_in_seconds = self.stage_time_s
            status = solver.solve(model)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                raise RuntimeError(f"CP-SAT found no plan ({solver.status_name(status)})")
            value = round(solver.objective_value)
            if status != cp_model.OPTIMAL:
                if maximise:
                    optimal = False
                    stopped_bound = (number, int(np.floor(solver.best_objective_bound + 1e-6)))
                break
            model.add(expression == value)
            # the next stage starts from this stage's plan
            model.clear_hints()  # type: ignore[no-untyped-call]
            for var in [*x, *o, *seats.values(), *mentors.values(), *choices.values()]:
                model.add_hint(var, solver.value(var))

        after = base_at.copy()
        after[reg.students] = -1
        pinned = sc.pinned
        after[pinned.student] = pinned.workplace
        for a in range(len(x)):
            if solver.boolean_value(x[a]):
                after[arc_student[a]] = arc_workplace[a]
        for b, opening in enumerate(reg.openings):
            if solver.boolean_value(o[b]):
                after[opening.student] = opening.workplace
        additions: list[Addition] = []
        for w in sorted(seats):
            for kind, var in (("seat", seats[w]), ("mentor", mentors[w])):
                count = int(solver.value(var))
                if count:
                    additions.append(Addition(Change(kind, workplace=w), count))  # type: ignore[arg-type]
        additions += [Addition(c) for c, v in choices.items() if solver.boolean_value(v)]
        additions.sort(key=lambda a: (a.change.effort, a.change.workplace, a.change.programme,
                                      a.change.code))
        self._hint = {f"x{int(st)}:{int(w)}": 1 for st, w in enumerate(after.tolist())
                      if w >= 0}
        self._hint.update({f"a{w}": int(solver.value(v)) for w, v in seats.items()})
        self._hint.update({f"b{w}": int(solver.value(v)) for w, v in mentors.items()})
        self._hint.update({repr(c): int(solver.boolean_value(v)) for c, v in choices.items()})
        result = placed_of(sc, after)
        bound = None
        if stopped_bound is not None:
            bound = _bound(result, stopped_bound, priorities, self.objective, placed_outside(
                sc, base_at, in_region))
        return RecruitPlan(budget, tuple(additions), result, optimal, bound,
                           time.perf_counter() - started)


def placed_outside(scenario: Scenario, base: IntArray, in_region: np.ndarray) -> Placed:
    outside = base.copy()
    outside[in_region] = -1
    return placed_of(scenario, outside)


def _bound(found: Placed, stopped: tuple[int, int], priorities: list[int],
           objective: Objective, outside: Placed) -> Placed:
    """The upper bound of the stage that stopped, as counts: that stage's bound
    on students placed (the region's bound plus those outside it)."""
    stage, bound = stopped
    by_priority = dict(found.by_priority)
    if objective == "priority-first" and stage < len(priorities):
        level = priorities[stage]
        gap = bound + sum(c for p, c in outside.by_priority.items() if p <= level) - sum(
            c for p, c in found.by_priority.items() if p <= level)
        by_priority[level] = by_priority.get(level, 0) + gap
        return Placed(by_priority, found.total + gap)
    return Placed(by_priority, bound + outside.total)


def apply_additions(scenario: Scenario, additions: Iterable[Addition]) -> Scenario:
    """The scenario with every addition made (each as ``apply_change`` makes it)."""
    for addition in additions:
        for _ in range(addition.count):
            scenario = apply_change(scenario, addition.change)
    return scenario


def placed_after(scenario: Scenario, objective: Objective,
                 changes: Iterable[Change | Addition]) -> Placed:
    """What the normal solve places once these changes are made together."""
    additions = [c if isinstance(c, Addition) else Addition(c) for c in changes]
    changed = apply_additions(scenario, additions)
    solution = solve(changed, build_candidates(changed), objective=objective)
    return placed_of(scenario, solution.workplace[: len(scenario.students)])


@dataclass(frozen=True)
class GreedyPoint:
    """The top ``budget`` single additions of the screening (``marginal``), taken together."""

    budget: int
    changes: tuple[Change, ...]
    claimed: int  # the sum of their single values: what the list seems to promise
    claimed_priority_1: int
    placed: Placed  # what the normal solve places with all of them made


@dataclass(frozen=True)
class CurvePoint:
    budget: int
    plan: RecruitPlan
    greedy: GreedyPoint


@dataclass(frozen=True)
class RecruitCurve:
    """The optimal plan per budget 1…K, with the greedy screening beside it."""

    base: Placed
    points: tuple[CurvePoint, ...]
    region_students: int
    region_workplaces: int
    openings: int
    seconds: float


def recruitment_curve(run: SolveRun, budget: int, stage_time_s: float = STAGE_TIME_S,
                      max_gates: int = MAX_GATES) -> RecruitCurve:
    """Plans for budgets 1…``budget``, each next to the greedy list of the same size."""
    started = time.perf_counter()
    sc = run.scenario
    model = RecruitModel(run, max_gates=max_gates, stage_time_s=stage_time_s)
    screening = [r for r in recruitment_list(run, private=False)
                 if r.change.kind in ADDITION_KINDS]
    points = []
    for k in range(1, budget + 1):
        plan = model.solve(k)
        top = screening[:k]
        greedy = GreedyPoint(k, tuple(r.change for r in top), sum(r.placed for r in top),
                             sum(r.by_priority.get("1", 0) for r in top),
                             placed_after(sc, run.solution.objective, [r.change for r in top]))
        points.append(CurvePoint(k, plan, greedy))
    return RecruitCurve(placed_of(sc, run.solution.workplace), tuple(points),
                        len(model.region.students), len(model.region.workplaces),
                        len(model.region.openings), time.perf_counter() - started)
