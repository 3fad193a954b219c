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
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack
from scipy.spatial import cKDTree

from matcher.analysis.changes import EFFORT, Change, Resolver, apply_change
from matcher.analysis.groups import UNKNOWN, programme_sectors
from matcher.analysis.marginal import recruitment_list
from matcher.candidates import build_candidates
from matcher.messages import Message
from matcher.pipeline import SolveRun
from matcher.rules import RULE_NAMES, Pairs, evaluate
from matcher.solve import solve
from matcher.solve.capacity import residual_capacity, room_terms
from matcher.travel import chord_km, max_estimated_km, unit_sphere_xyz
from matcher.whatif.changes import (
    AddMentor,
    AddRecognition,
    ChangeSet,
    OfferAdjustments,
    ScenarioChange,
    Seats,
)
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
    gap: Gap | None  # None: every placement level proven optimal
    seconds: float

    @property
    def optimal(self) -> bool:
        return self.gap is None

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
                needs.append(Change("adjustment", workplace=workplace, codes=(codes[bit],)))
        if broken["dutch_level"][i]:
            support = Change("adjustment", workplace=workplace, codes=(LANGUAGE_SUPPORT,))
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
    # additions open pairs for the unplaced students (the first layer) only
    layer = openings(sc, frontier, max_gates)
    found: list[Opening] = list(layer)
    while len(frontier):
        reached = np.concatenate([allowed[starts[s]:starts[s + 1]] for s in frontier.tolist()]
                                 + [np.asarray([o.workplace for o in layer], dtype=np.int64)])
        reached = np.unique(reached[~seen_workplace[reached]])
        seen_workplace[reached] = True
        nxt = np.concatenate([occupants[occupant_starts[w]:occupant_starts[w + 1]]
                              for w in reached.tolist()] + [np.zeros(0, dtype=np.int64)])
        nxt = np.unique(nxt[~seen_student[nxt]])
        seen_student[nxt] = True
        frontier = nxt
        layer = []
    return Region(np.flatnonzero(seen_student), np.flatnonzero(seen_workplace), tuple(found))


class _Columns:
    """Columns of the mixed-integer model, numbered as they are added."""

    def __init__(self) -> None:
        self.upper: list[float] = []

    def add(self, count: int, upper: float) -> IntArray:
        start = len(self.upper)
        self.upper += [upper] * count
        return np.arange(start, start + count, dtype=np.int64)


class _Rows:
    """Rows ``Σ coefficient · column ≤ limit``, kept as sparse triplets."""

    def __init__(self) -> None:
        self.row: list[int] = []
        self.column: list[int] = []
        self.value: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, terms: Iterable[tuple[int, float]], upper: float,
            lower: float = -np.inf) -> None:
        number = len(self.upper)
        for column, value in terms:
            self.row.append(number)
            self.column.append(column)
            self.value.append(value)
        self.lower.append(lower)
        self.upper.append(upper)


class RecruitModel:
    """The joint model of one scenario's region, solved for any budget."""

    def __init__(self, run: SolveRun, max_gates: int = MAX_GATES,
                 stage_time_s: float = STAGE_TIME_S, resolver: Resolver | None = None) -> None:
        """``resolver``: re-plans a set of additions (``Resolver.after_all``: warm,
        from the base plan), to repair a stage's plan; without it, a normal solve."""
        self.run = run
        self.resolver = resolver
        self.stage_time_s = stage_time_s
        self.objective: Objective = run.solution.objective
        started = time.perf_counter()
        self.region = region(run, max_gates)
        self.region_seconds = time.perf_counter() - started
        self._hint: np.ndarray | None = None  # the last budget's plan, to start the next

    def candidates(self) -> list[Change]:
        """The recognitions and adjustments the model may choose: those that open a
        pair, and a recognition for a listed programme where only a renewal is needed."""
        sc = self.run.scenario
        n_programmes = max(len(sc.programmes.codes), 1)
        found = dict.fromkeys(c for o in self.region.openings for c in o.needs)
        recognised = {c.workplace for c in found if c.kind == "recognition"}
        for w in dict.fromkeys(o.renewal for o in self.region.openings if o.renewal >= 0):
            if w not in recognised:
                keys = sc.workplaces.recognised
                programme = int(keys[keys // n_programmes == w][0] % n_programmes)
                found[Change("recognition", workplace=w, programme=programme)] = None
        return list(found)

    def solve(self, budget: int, start: tuple[list[Change], IntArray] | None = None,
              ) -> RecruitPlan:
        """The best additions within ``budget`` (exact, or the gap stated). ``start``:
        changes and the plan they give, to start from when it is better than the
        last budget's plan (so a stopped search is never below it)."""
        started = time.perf_counter()
        sc, run, reg = self.run.scenario, self.run, self.region
        s = sc.students
        in_region = np.zeros(len(s), dtype=bool)
        in_region[reg.students] = True
        arc_mask = in_region[run.candidates.student]
        arc_student = np.concatenate([run.candidates.student[arc_mask],
                                      np.asarray([o.student for o in reg.openings],
                                                 dtype=np.int64)])
        arc_workplace = np.concatenate([run.candidates.workplace[arc_mask],
                                        np.asarray([o.workplace for o in reg.openings],
                                                   dtype=np.int64)])
        n_allowed = int(arc_mask.sum())
        columns, rows = _Columns(), _Rows()
        x = columns.add(len(arc_student), 1)  # allowed pairs, then the pairs openings open
        # the additions that open pairs, and the renewals of expired recognitions
        choices = {change: int(columns.add(1, 1)[0]) for change in self.candidates()}
        renewed: dict[int, int] = {}
        for b, opening in enumerate(reg.openings):
            for change in opening.needs:
                rows.add([(int(x[n_allowed + b]), 1), (choices[change], -1)], 0)
            if opening.renewal >= 0:
                w = opening.renewal
                if w not in renewed:
                    renewed[w] = int(columns.add(1, 1)[0])
                rows.add([(int(x[n_allowed + b]), 1), (renewed[w], -1)], 0)
        for w, flag in renewed.items():
            # any recognition at w renews it (as apply_change and the change files do)
            rows.add([(flag, 1), *((column, -1) for c, column in choices.items()
                                   if c.kind == "recognition" and c.workplace == w)], 0)

        # each student at most one workplace
        student_order = np.argsort(arc_student, kind="stable")
        cuts = np.flatnonzero(np.diff(arc_student[student_order])) + 1
        for group in np.split(student_order, cuts):
            if len(group) > 1:
                rows.add(((int(x[a]), 1) for a in group), 1)

        # room per workplace, with seats and mentors added (the budget node)
        terms = room_terms(sc)
        capacity = residual_capacity(sc)
        new_mentor_intensive = max(min(sc.config.policy.max_intensive_per_mentor, 1), 0)
        workplace_order = np.argsort(arc_workplace, kind="stable")
        cuts = np.flatnonzero(np.diff(arc_workplace[workplace_order])) + 1
        seats: dict[int, int] = {}
        mentors: dict[int, int] = {}
        for group in np.split(workplace_order, cuts) if len(arc_workplace) else []:
            w = int(arc_workplace[group[0]])
            load = [(int(x[a]), 1.0) for a in group]
            intensive = [(int(x[a]), 1.0) for a in group if s.intensive[arc_student[a]]]
            if not (terms.seats[w] >= 0 and terms.mentors[w] >= 0 and terms.intensive[w] >= 0):
                # pinned rows already overfill it: never recruit there
                rows.add(load, int(capacity.workplace_room[w]))
                rows.add(intensive, int(capacity.workplace_intensive[w]))
                continue
            seats[w], mentors[w] = (int(c) for c in columns.add(2, budget))
            rows.add([*load, (seats[w], -1)], int(terms.seats[w]))
            rows.add([*load, (mentors[w], -1)], int(terms.mentors[w]))
            rows.add([*intensive, (mentors[w], -new_mentor_intensive)], int(terms.intensive[w]))
        spent = [*seats.values(), *mentors.values(), *choices.values()]
        rows.add(((c, 1) for c in spent), budget)

        # stages: the contract's placement levels, then fewest additions, least effort
        n_columns = len(columns.upper)
        priorities = sorted({int(p) for p in s.priority})
        # a stage for the priority levels up to L leaves the other students out: they
        # count for nothing there, and leaving them unplaced is always allowed
        everyone = _weights(n_columns, x)
        stages: list[_Stage] = []
        arc_priority = s.priority[arc_student]
        if self.objective == "priority-first":
            for level in priorities[:-1]:
                mine = _weights(n_columns, x[arc_priority <= level])
                dropped = np.zeros(n_columns, dtype=bool)
                dropped[x[arc_priority > level]] = True
                most = int((s.priority[reg.students] <= level).sum())
                stages.append(_Stage(mine, mine, 1, level, most, dropped))
        stages.append(_Stage(everyone, everyone, 1, None, len(reg.students)))
        effort = np.zeros(n_columns)
        effort[list(seats.values())] = EFFORT["seat"]
        effort[list(mentors.values())] = EFFORT["mentor"]
        for change, column in choices.items():
            effort[column] = EFFORT[change.kind]
        fewest = _weights(n_columns, np.asarray(spent, dtype=np.int64)) * (3 * budget + 1) + effort
        stages.append(_Stage(fewest, fewest, 0, None, 0))

        def hint_plan(values: np.ndarray) -> IntArray:
            after = run.solution.workplace.copy()
            after[reg.students] = -1
            after[sc.pinned.student] = sc.pinned.workplace
            chosen = values[x] > 0
            after[arc_student[chosen]] = arc_workplace[chosen]
            return after

        def plan_hint(changes: list[Change], plan: IntArray) -> np.ndarray:
            hint = np.zeros(n_columns, dtype=np.int64)
            hint[x] = plan[arc_student] == arc_workplace
            for change in changes:
                if change.kind == "seat" and change.workplace in seats:
                    hint[seats[change.workplace]] += 1
                elif change.kind == "mentor" and change.workplace in mentors:
                    hint[mentors[change.workplace]] += 1
                elif change in choices:
                    hint[choices[change]] = 1
            for w, flag in renewed.items():
                hint[flag] = any(hint[choices[c]] for c in choices
                                 if c.kind == "recognition" and c.workplace == w)
            return hint

        hint = self._hint
        if hint is None or len(hint) != n_columns:  # start from the base plan
            hint = plan_hint([], run.solution.workplace)
        if start is not None:
            hinted = placed_of(sc, hint_plan(hint))
            levels = sorted({int(p) for p in s.priority})
            if placed_of(sc, start[1]).key(levels, self.objective) > hinted.key(
                    levels, self.objective):
                hint = plan_hint(*start)
        def additions_of(values: np.ndarray) -> list[Addition]:
            found: list[Addition] = []
            for w in sorted(seats):
                for kind, column in (("seat", seats[w]), ("mentor", mentors[w])):
                    if values[column]:
                        found.append(Addition(Change(kind, workplace=w),  # type: ignore[arg-type]
                                              int(values[column])))
            found += [Addition(c) for c, column in choices.items() if values[column]]
            return found

        def repair(values: np.ndarray) -> np.ndarray:
            made = additions_of(values)
            changes = [a.change for a in made for _ in range(a.count)]
            if self.resolver is not None:
                return plan_hint(changes, self.resolver.after_all(changes))
            return plan_hint(changes, plan_after(sc, self.objective, made))

        solution, stopped = _solve_stages(columns, rows, stages, self.stage_time_s, hint,
                                          repair)
        self._hint = solution

        base_at = run.solution.workplace
        after = hint_plan(solution)
        additions = additions_of(solution)
        additions.sort(key=lambda a: (a.change.effort, a.change.workplace, a.change.programme,
                                      a.change.codes))
        found = placed_of(sc, after)
        gap = None
        if stopped is not None:
            stage, bound = stopped
            outside = placed_outside(sc, base_at, in_region)
            counted = (outside.total if stage.level is None else
                       sum(c for p, c in outside.by_priority.items() if p <= stage.level))
            gap = Gap(stage.level, int(stage.fixed @ solution) + counted, bound + counted)
        return RecruitPlan(budget, tuple(additions), found, gap,
                           time.perf_counter() - started)


@dataclass(frozen=True)
class _Stage:
    """One level of the objective: ``fixed`` is the sum fixed at its optimum for the
    next stages; ``objective`` what is optimised (``weight`` 1: maximised, a placement
    level; 0: minimised, the additions' count and effort after the placement levels)."""

    fixed: np.ndarray
    objective: np.ndarray
    weight: int
    level: int | None  # the priority level whose cumulative count it maximises; None: all
    most: int  # students it could count at most (the bound when nothing was proven)
    dropped: np.ndarray | None = None  # columns left out (students it does not count)


@dataclass(frozen=True)
class Gap:
    """A search stopped by the time limit: students placed with priority ≤ ``level``
    (every student when None), found and at most possible."""

    level: int | None
    found: int
    bound: int


def _solve_stages(columns: _Columns, rows: _Rows, stages: list[_Stage],
                  stage_time_s: float, hint: np.ndarray,
                  repair: Callable[[np.ndarray], np.ndarray],
                  ) -> tuple[np.ndarray, tuple[_Stage, int] | None]:
    """The lexicographic optimum by CP-SAT, one stage at a time, each stage's optimum
    fixed before the next. After a placement stage, ``repair`` makes its additions
    into the best whole plan for them (the normal solve), which starts the next stage.
    Returns the columns' values and, when a placement stage was not proven optimal,
    that stage with the bound on its ``fixed`` sum."""
    by_row: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row, column, value in zip(rows.row, rows.column, rows.value, strict=True):
        by_row[row].append((column, int(value)))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.linearization_level = 2
    solver.parameters.max_time_in_seconds = stage_time_s
    solution = hint
    fixed: list[tuple[np.ndarray, int]] = []
    for stage in stages:
        model = cp_model.CpModel()
        keep = np.ones(len(columns.upper), dtype=bool) if stage.dropped is None \
            else ~stage.dropped
        variables = [model.new_int_var(0, int(upper) if keep[i] else 0, f"v{i}")
                     for i, upper in enumerate(columns.upper)]

        def linear(weights: np.ndarray, variables: list[cp_model.IntVar] = variables,
                   ) -> cp_model.LinearExprT:
            return sum(int(weights[c]) * variables[c]
                       for c in np.flatnonzero(weights).tolist())

        for number, (lower, upper) in enumerate(zip(rows.lower, rows.upper, strict=True)):
            expression = sum(value * variables[column] for column, value in by_row[number]
                             if keep[column])
            if np.isfinite(lower):
                model.add(expression >= int(lower))
            if np.isfinite(upper):
                model.add(expression <= int(upper))
        for weights, value in fixed:
            model.add(linear(weights) == value)
        for variable, value, kept in zip(variables, solution.tolist(), keep.tolist(),
                                         strict=True):
            model.add_hint(variable, int(value) if kept else 0)
        if stage.weight:
            model.maximize(linear(stage.objective))
        else:
            model.minimize(linear(stage.objective))
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = np.asarray([solver.value(v) for v in variables], dtype=np.int64)
            solution = found
            if stage.weight:
                # the whole plan for these additions places as many at every level, and
                # the students this stage left out too (unless it needs pairs the model
                # does not hold: then the stage's own plan is kept)
                repaired = repair(found)
                if all(w @ repaired >= v for w, v in fixed) and \
                        stage.fixed @ repaired >= stage.fixed @ found:
                    solution = repaired
        if status != cp_model.OPTIMAL:
            if not stage.weight:  # the placement levels are proven; only the effort is not
                return solution, None
            bound = min(int(np.floor(solver.best_objective_bound + 1e-6))
                        if status == cp_model.FEASIBLE else stage.most, stage.most,
                        _relaxation_bound(columns, rows, stage, keep, fixed))
            if bound > stage.fixed @ solution:
                return solution, (stage, bound)
            found = solution  # the relaxation proves it: the best possible
        fixed.append((stage.fixed, int(stage.fixed @ found)))
    return solution, None


def _relaxation_bound(columns: _Columns, rows: _Rows, stage: _Stage, keep: np.ndarray,
                      fixed: list[tuple[np.ndarray, int]]) -> int:
    """An upper bound on a maximising stage: its linear relaxation (HiGHS), which
    proves a plan optimal when the search alone runs out of time."""
    n = len(columns.upper)
    matrix = coo_matrix((rows.value, (rows.row, rows.column)),
                        shape=(len(rows.upper), n)).tocsr()
    lower, upper = np.asarray(rows.lower), np.asarray(rows.upper)
    has_upper, has_lower = np.isfinite(upper), np.isfinite(lower)
    a_ub = vstack([matrix[has_upper], -matrix[has_lower]]).tocsr()
    b_ub = np.concatenate([upper[has_upper], -lower[has_lower]])
    a_eq = np.asarray([w for w, _ in fixed]) if fixed else None
    b_eq = np.asarray([v for _, v in fixed], dtype=float) if fixed else None
    bounds = np.column_stack([np.zeros(n), np.where(keep, np.asarray(columns.upper), 0)])
    result = linprog(-stage.objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                     bounds=bounds, method="highs")
    if result.status != 0:
        return stage.most
    return int(np.floor(-result.fun + 1e-6))


def _weights(n_columns: int, columns: IntArray) -> np.ndarray:
    weights = np.zeros(n_columns)
    weights[columns] = 1.0
    return weights


def placed_outside(scenario: Scenario, base: IntArray, in_region: np.ndarray) -> Placed:
    outside = base.copy()
    outside[in_region] = -1
    return placed_of(scenario, outside)


def apply_additions(scenario: Scenario, additions: Iterable[Addition]) -> Scenario:
    """The scenario with every addition made (each as ``apply_change`` makes it)."""
    for addition in additions:
        for _ in range(addition.count):
            scenario = apply_change(scenario, addition.change)
    return scenario


def plan_after(scenario: Scenario, objective: Objective,
               changes: Iterable[Change | Addition]) -> IntArray:
    """The normal solve's plan (workplace per student) once these changes are made."""
    additions = [c if isinstance(c, Addition) else Addition(c) for c in changes]
    changed = apply_additions(scenario, additions)
    solution = solve(changed, build_candidates(changed), objective=objective)
    return solution.workplace[: len(scenario.students)]


def placed_after(scenario: Scenario, objective: Objective,
                 changes: Iterable[Change | Addition]) -> Placed:
    """What the normal solve places once these changes are made together."""
    return placed_of(scenario, plan_after(scenario, objective, changes))


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
                      max_gates: int = MAX_GATES,
                      resolver: Resolver | None = None) -> RecruitCurve:
    """Plans for budgets 1…``budget``, each next to the greedy list of the same size.
    ``resolver``: the re-solves of the greedy screening and of sets of additions (warm
    from the base plan; pass the one the recruitment list used, and its answers are
    reused). Its plans keep the base plan where possible, the placements per
    priority level of a normal solve."""
    started = time.perf_counter()
    sc = run.scenario
    resolver = resolver or Resolver(sc, run.candidates, run.solution, run.solution.objective)
    model = RecruitModel(run, max_gates=max_gates, stage_time_s=stage_time_s,
                         resolver=resolver)
    screening = [r for r in recruitment_list(run, resolver=resolver, private=False)
                 if r.change.kind in ADDITION_KINDS]
    points = []
    for k in range(1, budget + 1):
        top = [r.change for r in screening[:k]]
        together = resolver.after_all(top)
        plan = model.solve(k, start=(top, together))
        greedy = GreedyPoint(k, tuple(top), sum(r.placed for r in screening[:k]),
                             sum(r.by_priority.get("1", 0) for r in screening[:k]),
                             placed_of(sc, together))
        points.append(CurvePoint(k, plan, greedy))
    return RecruitCurve(placed_of(sc, run.solution.workplace), tuple(points),
                        len(model.region.students), len(model.region.workplaces),
                        len(model.region.openings), time.perf_counter() - started)


# --- what users read: descriptions, rows, JSON, and the plan as a what-if change set


def describe(addition: Addition, scenario: Scenario) -> Message:
    """The addition in words, naming the workplace (employer and id), the programme and
    the adjustment code. Consultant-only: an adjustment code tells what some unplaced
    student needs."""
    change = addition.change
    w = change.workplace
    where = {"employer": str(scenario.workplaces.employer[w]),
             "workplace": str(scenario.workplaces.ids[w])}
    if change.kind in ("seat", "mentor"):
        return Message(f"recruit.{change.kind}", count=addition.count, **where)
    if change.kind == "adjustment":
        return Message("recruit.adjustment", adjustment=", ".join(change.codes), **where)
    expired = int(scenario.workplaces.recognised_until[w]) < scenario.reference_days
    return Message("recruit.recognition_renewed" if expired else "recruit.recognition",
                   programme=scenario.programmes.codes[change.programme], **where)


def addition_json(addition: Addition, scenario: Scenario) -> dict[str, object]:
    change = addition.change
    w = change.workplace
    return {"kind": change.kind, "count": addition.count,
            "workplace_id": str(scenario.workplaces.ids[w]),
            "employer": str(scenario.workplaces.employer[w]),
            "programme": (scenario.programmes.codes[change.programme]
                          if change.kind == "recognition" else None),
            "adjustment": ", ".join(change.codes) if change.kind == "adjustment" else None}


def _placed_json(placed: Placed) -> dict[str, object]:
    return {"placed": placed.total, "priority_1": placed.priority_1,
            "by_priority": {str(p): c for p, c in sorted(placed.by_priority.items())}}


def curve_json(curve: RecruitCurve, scenario: Scenario) -> dict[str, object]:
    """The curve as plain data (``matcher recruit --json``, the API)."""
    def change_json(change: Change) -> dict[str, object]:
        return addition_json(Addition(change), scenario)

    return {
        "base": _placed_json(curve.base),
        "region": {"students": curve.region_students, "workplaces": curve.region_workplaces,
                   "openings": curve.openings},
        "seconds": round(curve.seconds, 2),
        "points": [{
            "budget": point.budget,
            "plan": {**_placed_json(point.plan.placed), "optimal": point.plan.optimal,
                     "gap": None if point.plan.gap is None else {
                         "priority_at_most": point.plan.gap.level,
                         "found": point.plan.gap.found, "bound": point.plan.gap.bound},
                     "additions_used": point.plan.used,
                     "additions": [addition_json(a, scenario) for a in point.plan.additions],
                     "seconds": round(point.plan.seconds, 2)},
            "greedy": {**_placed_json(point.greedy.placed),
                       "claimed_placed": point.greedy.claimed,
                       "claimed_priority_1": point.greedy.claimed_priority_1,
                       "changes": [change_json(c) for c in point.greedy.changes]},
        } for point in curve.points],
    }


def curve_rows(curve: RecruitCurve, scenario: Scenario) -> list[dict[str, object]]:
    """One row per budget: the plan's value and additions beside the greedy list's claim
    and what that list places together (the columns of the report and the page)."""
    rows: list[dict[str, object]] = []
    for point in curve.points:
        plan, greedy = point.plan, point.greedy
        rows.append({
            "budget": point.budget,
            "priority_1_placed": plan.placed.priority_1,
            "placed": plan.placed.total,
            "proven": _proven(plan.gap),
            "additions": [describe(a, scenario) for a in plan.additions],
            "greedy_claimed": curve.base.total + greedy.claimed,
            "greedy_priority_1": greedy.placed.priority_1,
            "greedy_placed": greedy.placed.total,
        })
    return rows


def _proven(gap: Gap | None) -> Message:
    if gap is None:
        return Message("status.optimal")
    if gap.level is None:
        return Message("recruit.not_proven", bound=gap.bound)
    return Message("recruit.not_proven_level", bound=gap.bound, level=gap.level)


def change_set(scenario: Scenario, additions: Iterable[Addition]) -> ChangeSet | None:
    """The additions as a what-if change set (``changes.yaml``): applied to the
    scenario's files, the normal solve places what the plan promises. None when
    there is no addition."""
    w = scenario.workplaces
    changes: list[ScenarioChange] = []
    for addition in additions:
        change = addition.change
        workplace = str(w.ids[change.workplace])
        if change.kind == "seat":
            changes.append(Seats(kind="seats", workplace=workplace, add=addition.count))
        elif change.kind == "mentor":
            changes.append(AddMentor(kind="add_mentor", workplace=workplace, capacity=1,
                                     count=addition.count))
        elif change.kind == "recognition":
            changes.append(AddRecognition(kind="add_recognition", workplace=workplace,
                                          programme=scenario.programmes.codes[change.programme]))
        else:
            changes.append(OfferAdjustments(kind="offer_adjustments", workplace=workplace,
                                            codes=list(change.codes)))
    return ChangeSet(changes=changes) if changes else None
