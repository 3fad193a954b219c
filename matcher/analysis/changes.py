"""Single changes to a scenario that a consultant can make, and re-solving after one.

Why a module of its own: the cheapest fix per unmatched student
(``matcher.analysis.fixes``) and the marginal value of recruiting
(``matcher.analysis.marginal``) ask the same question — "what if this one
thing were added?" — and must answer it the same way: apply the change to the
encoded ``Scenario`` (``dataclasses.replace``, as ``matcher.replan`` does) and
solve again with the real solver.

Re-solving is made cheap without changing its result:

- the allowed pairs of the base scenario are reused, and only the pairs of the
  changed workplace (or student) are evaluated again with the rule functions;
  capacity changes (a seat, a mentor slot) change no pair at all;
- only the independent component (students and workplaces linked by allowed
  pairs) that holds the change is solved again. The objective is a sum over
  components, so every other component keeps its optimum, and the new plan is
  asked to move as few students as possible away from the base plan
  (``keep``), as a consultant would re-plan after adding the resource: there,
  the optimum is the base plan itself;
- that re-solve is a trial in a warm engine (``matcher.solve.warm``) of the
  base plan, split into those components: the change is made, only its
  component is solved again from its last basis, and the change is undone.
  Pairs the changes to try may open are built in closed beforehand
  (``Resolver.prepare``), so a trial never rebuilds the network. A copied
  workplace (a node the engine does not have) and levels the engine cannot
  merge into one cost are solved cold, as before.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from matcher.candidates import Candidates, build_candidates
from matcher.cost import Costs, pair_costs
from matcher.messages import Message
from matcher.rules import Pairs, passes_all
from matcher.solve import Solution, solve
from matcher.solve.capacity import residual_capacity
from matcher.solve.flow import solve_flow
from matcher.solve.problem import build_problem
from matcher.solve.warm import WarmEngine
from matcher.whatif.changes import (
    AcceptGrade2,
    AddMentor,
    AddRecognition,
    OfferAdjustments,
    OfferPlacementType,
    PlacementType,
    ScenarioChange,
    Seats,
    StudentData,
    StudentValues,
    TravelLimit,
)
from models.config import Objective
from models.scenario import IntArray, Mentors, Scenario
from models.tables import CEFR_LEVELS

ChangeKind = Literal["data", "seat", "mentor", "adjustment", "placement_type", "grade2",
                     "recognition", "travel", "recruit", "workplace"]
# Effort order, smallest first: completing a student's missing data is the
# first thing to do (the rules cannot judge a student they know nothing
# about); one more seat where mentors have room is the smallest ask of a
# workplace; a mentor slot asks a person; an adjustment, a placement type or
# accepting grade 2 asks a workplace to adapt; a recognition is an
# administrative procedure; longer travel asks the student; recruiting a new
# workplace is the last resort. "workplace" (a copy of an existing one) is for
# recruitment lists only.
EFFORT: dict[ChangeKind, int] = {"data": 0, "seat": 1, "mentor": 2, "adjustment": 3,
                                 "placement_type": 3, "grade2": 3, "recognition": 4,
                                 "travel": 5, "recruit": 6, "workplace": 7}
DataField = Literal["dutch_level", "birth_date"]
NEW_MENTOR = "NEW-MENTOR"
NEW_WORKPLACE = "NEW"


@dataclass(frozen=True)
class Change:
    """One change. ``workplace``/``student`` are indices into the scenario."""

    kind: ChangeKind
    workplace: int = -1
    programme: int = -1  # recognition
    codes: tuple[str, ...] = ()  # adjustment codes offered, or the placement type offered
    student: int = -1  # travel, data
    minutes: int = 0  # travel: extra minutes
    field: DataField | None = None  # data: the missing field completed
    value: int = 0  # data: the Dutch level (1 A1 … 6 C2) or the age in whole years

    @property
    def effort(self) -> tuple[int, int, int]:
        return (EFFORT[self.kind], len(self.codes), self.minutes)

    def describe(self, scenario: Scenario, private: bool = False) -> Message:
        """The change in words; ``private`` hides the adjustment code (it tells a
        student's need)."""
        w = str(scenario.workplaces.ids[self.workplace]) if self.workplace >= 0 else ""
        if self.kind == "seat":
            return Message("fix.seat", workplace=w)
        if self.kind == "mentor":
            return Message("fix.mentor", workplace=w)
        if self.kind == "adjustment":
            if private:
                return Message("fix.adjustment_private", workplace=w)
            return Message("fix.adjustment", workplace=w, adjustment=", ".join(self.codes),
                           count=len(self.codes))
        if self.kind == "placement_type":
            return Message(f"fix.placement_type_{self.codes[0]}", workplace=w)
        if self.kind == "grade2":
            return Message("fix.grade2", workplace=w)
        if self.kind == "data":
            student = str(scenario.students.ids[self.student])
            if self.field == "dutch_level":
                return Message("fix.data_dutch_level", student=student,
                               level=CEFR_LEVELS[self.value - 1])
            return Message("fix.data_birth_date", student=student, count=self.value)
        if self.kind == "recognition":
            programme = scenario.programmes.codes[self.programme]
            expired = scenario.workplaces.recognised_until[self.workplace] < scenario.reference_days
            return Message("fix.recognition_renewed" if expired else "fix.recognition",
                           workplace=w, programme=programme)
        if self.kind == "travel":
            return Message("fix.travel", count=self.minutes,
                           student=str(scenario.students.ids[self.student]))
        if self.kind == "recruit":
            from matcher.analysis.groups import municipality_of

            s = scenario.students
            place = municipality_of(s.lat[[self.student]], s.lon[[self.student]])[0]
            programme = scenario.programmes.codes[self.programme]
            if self.codes:
                return Message("fix.recruit", sector=self.codes[0], programme=programme,
                               place=place)
            return Message("fix.recruit_programme", programme=programme, place=place)
        return Message("fix.workplace_copy", workplace=w)


def _replace_workplaces(scenario: Scenario, **arrays: np.ndarray) -> Scenario:
    return dataclasses.replace(scenario,
                               workplaces=dataclasses.replace(scenario.workplaces, **arrays))


def _with_mentor(scenario: Scenario, workplace: int, capacity: int) -> Scenario:
    m = scenario.mentors
    wid = scenario.workplaces.ids[workplace]
    mentors = Mentors(
        ids=np.append(m.ids, np.asarray([f"{NEW_MENTOR}@{wid}#{len(m)}"], dtype=object)),
        workplace=np.append(m.workplace, workplace).astype(np.int64),
        capacity=np.append(m.capacity, capacity).astype(np.int64),
        current_load=np.append(m.current_load, 0).astype(np.int64),
    )
    return dataclasses.replace(scenario, mentors=mentors)


def _with_copy_of(scenario: Scenario, workplace: int) -> Scenario:
    """A new workplace identical to ``workplace``, with copies of its mentors."""
    from matcher.analysis.sample import Sample, apply_sample

    n = len(scenario.workplaces)
    source = np.append(np.arange(n), workplace).astype(np.int64)
    copy = np.append(np.zeros(n, dtype=np.int64), 1).astype(np.int64)
    # apply_sample keeps originals at their index: the copy is workplace ``n``.
    return apply_sample(scenario, Sample(source, copy))


def apply_change(scenario: Scenario, change: Change) -> Scenario:
    """The scenario with ``change`` made."""
    w, s = scenario.workplaces, scenario.students
    j = change.workplace
    if change.kind == "seat":
        seats = w.seats.copy()
        seats[j] += 1
        return _replace_workplaces(scenario, seats=seats)
    if change.kind == "mentor":
        return _with_mentor(scenario, j, 1)
    if change.kind == "adjustment":
        masks = w.adjustments
        for code in change.codes:
            masks = scenario.adjustments.with_code(masks, j, code)
        return _replace_workplaces(scenario, adjustments=masks)
    if change.kind == "placement_type":
        offered = (w.offers_contract if change.codes == ("contract",) else w.offers_guided).copy()
        offered[j] = True
        name = "offers_contract" if change.codes == ("contract",) else "offers_guided"
        return _replace_workplaces(scenario, **{name: offered})
    if change.kind == "grade2":
        accepts = w.accepts_grade2.copy()
        accepts[j] = True
        return _replace_workplaces(scenario, accepts_grade2=accepts)
    if change.kind == "data":
        if change.field == "dutch_level":
            level = s.dutch_level.copy()
            level[change.student] = change.value
            students = dataclasses.replace(s, dutch_level=level)
        else:
            age = s.age.copy()
            age[change.student] = change.value
            students = dataclasses.replace(s, age=age)
        return dataclasses.replace(scenario, students=students)
    if change.kind == "recognition":
        n_programmes = max(len(scenario.programmes.codes), 1)
        keys = np.union1d(w.recognised, [j * n_programmes + change.programme]).astype(np.int64)
        until = w.recognised_until.copy()
        until[j] = max(int(until[j]), scenario.reference_days)
        return _replace_workplaces(scenario, recognised=keys, recognised_until=until)
    if change.kind == "travel":
        limit = s.max_travel_min.copy()
        limit[change.student] += change.minutes
        return dataclasses.replace(scenario,
                                   students=dataclasses.replace(s, max_travel_min=limit))
    if change.kind == "recruit":
        raise ValueError("a recruitment advice names no workplace to change")
    return _with_copy_of(scenario, j)


def _concat(scenario: Scenario, parts: list[tuple[Pairs, Costs]]) -> Candidates:
    pairs = Pairs(scenario, np.concatenate([p.student for p, _ in parts]).astype(np.int64),
                  np.concatenate([p.workplace for p, _ in parts]).astype(np.int64))
    costs = Costs(*(np.concatenate([getattr(c, name) for _, c in parts]).astype(np.int64)
                    for name in ("wish", "competence", "travel")))
    return Candidates(pairs, costs)


def _fresh_pairs(changed: Scenario, change: Change) -> Pairs:
    """The allowed pairs of the changed workplace's column (or the changed student's
    row) in ``changed``; none for a seat or a mentor."""
    if change.kind in ("seat", "mentor"):
        return Pairs(changed, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    if change.kind in ("travel", "data"):
        fresh = Pairs.of_student(changed, change.student)
    elif change.kind == "workplace":
        fresh = Pairs.of_workplace(changed, len(changed.workplaces) - 1)
    else:
        fresh = Pairs.of_workplace(changed, change.workplace)
    return fresh.subset(passes_all(fresh))


def changed_candidates(base: Candidates, changed: Scenario, change: Change) -> Candidates:
    """The allowed pairs of ``changed``: the base pairs, with the changed workplace's
    column (or the changed student's row) evaluated again."""
    if change.kind in ("seat", "mentor"):
        return Candidates(Pairs(changed, base.student, base.workplace), base.costs)
    if change.kind in ("travel", "data"):
        keep = base.student != change.student
    elif change.kind == "workplace":
        keep = np.ones(len(base), dtype=bool)
    else:
        keep = base.workplace != change.workplace
    fresh = _fresh_pairs(changed, change)
    kept = Pairs(changed, base.student[keep], base.workplace[keep])
    return _concat(changed, [(kept, base.costs.take(keep)), (fresh, pair_costs(fresh))])


@dataclass(frozen=True)
class Outcome:
    """The plan after a change, against the base plan."""

    change: Change
    workplace: IntArray  # per student after the change, -1 unplaced
    newly_placed: IntArray  # students unplaced before and placed after
    lost: IntArray  # students placed before and unplaced after

    @property
    def net_gain(self) -> int:
        return len(self.newly_placed) - len(self.lost)


class Resolver:
    """Re-solves a base plan after single changes, remembering each answer."""

    def __init__(self, scenario: Scenario, candidates: Candidates, base: Solution,
                 objective: Objective, whole: bool = False, warm: bool = True) -> None:
        """``whole``: find the pairs afresh and solve the whole scenario, exactly as
        ``run_solve(changed, keep=base)`` does. Otherwise only the changed
        component is solved (``warm``: in the warm engine; see the module doc):
        the same optimal counts per priority level, but among equally good plans
        it may choose other students (ties)."""
        self.whole = whole
        self.warm = warm and not whole
        self.scenario = scenario
        self.candidates = candidates
        self.base = base
        self.objective = objective
        self._seen: dict[Change, Outcome] = {}
        self._engine: WarmEngine | None = None

    def prepare(self, changes: list[Change]) -> None:
        """Start the warm engine with the pairs these changes may open built in,
        closed, so that trying each of them is warm (call before ``outcome``)."""
        if not self.warm or self._engine is not None:
            return
        sc = self.scenario
        parts = [_fresh_pairs(apply_change(sc, c), c) for c in changes
                 if c.kind not in ("seat", "mentor", "workplace") and c not in self._seen]
        spare = Pairs(sc, np.concatenate([p.student for p in parts] + [np.zeros(0, np.int64)]),
                      np.concatenate([p.workplace for p in parts] + [np.zeros(0, np.int64)]))
        self._engine = WarmEngine.start(sc, self.candidates, self.objective,
                                        keep=self.base.workplace, spare=spare, split=True)

    def _warm_engine(self) -> WarmEngine | None:
        if not self.warm:
            return None
        if self._engine is None:
            self.prepare([])
        assert self._engine is not None
        return None if self._engine.solved_cold else self._engine

    @property
    def solves(self) -> int:
        return len(self._seen)

    def outcome(self, change: Change) -> Outcome:
        if change not in self._seen:
            changed = apply_change(self.scenario, change)
            n = len(self.scenario.students)
            if self.whole:
                # exactly what a user's re-plan does: fresh pairs, whole scenario
                after = solve(changed, build_candidates(changed), objective=self.objective,
                              keep=self.base.workplace).workplace[:n]
            elif change.kind != "workplace" and (engine := self._warm_engine()) is not None:
                after = _trial(engine, changed, change)
            else:
                candidates = changed_candidates(self.candidates, changed, change)
                after = self._component_solve(changed, candidates, change)
            before = self.base.workplace >= 0
            self._seen[change] = Outcome(change, after,
                                         np.flatnonzero(~before & (after >= 0)),
                                         np.flatnonzero(before & (after < 0)))
        return self._seen[change]

    def after_all(self, changes: list[Change]) -> IntArray:
        """Workplace per student once all these changes are made together (a change
        listed twice is made twice), re-planned from the base plan: in the warm
        engine when it can hold them, else a cold solve of the changed scenario."""
        changed = self.scenario
        for change in changes:
            changed = apply_change(changed, change)
        n = len(self.scenario.students)
        engine = self._warm_engine()
        if engine is None or any(c.kind == "workplace" for c in changes):
            return solve(changed, build_candidates(changed), objective=self.objective,
                         keep=self.base.workplace).workplace[:n]
        students = [c.student for c in changes if c.kind in ("travel", "data")]
        workplaces = [c.workplace for c in changes if c.kind not in (
            "seat", "mentor", "travel", "data")]
        with engine.trial():
            engine.reevaluate(changed, students=np.unique(np.asarray(students, np.int64)),
                              workplaces=np.unique(np.asarray(workplaces, np.int64)))
            return engine.assignment()

    def _component_solve(self, changed: Scenario, candidates: Candidates,
                         change: Change) -> IntArray:
        """Workplace per student after the change, solving only the changed component."""
        problem = build_problem(changed, candidates, residual_capacity(changed),
                                self.objective, keep=self.base.workplace)
        after = self.base.workplace.copy()
        ns, nw = problem.n_students, problem.n_workplaces
        if not len(problem.arc_student):
            return after
        graph = coo_matrix((np.ones(len(problem.arc_student), dtype=np.int8),
                            (problem.arc_student, ns + problem.arc_workplace)),
                           shape=(ns + nw, ns + nw))
        _, label = connected_components(graph, directed=False)
        if change.kind in ("travel", "data"):
            node = change.student
        elif change.kind == "workplace":
            node = ns + nw - 1
        else:
            node = ns + change.workplace
        arcs = np.flatnonzero(label[problem.arc_student] == label[node])
        if not len(arcs):
            return after
        sub = problem.restricted(arcs)
        chosen = solve_flow(sub)
        after[np.unique(sub.arc_student)] = -1
        after[sub.arc_student[chosen]] = sub.arc_workplace[chosen]
        return after

    def places(self, change: Change, student: int) -> bool:
        """The change places ``student`` and unplaces no student of higher priority."""
        result = self.outcome(change)
        if result.workplace[student] < 0:
            return False
        priority = self.scenario.students.priority
        return not bool((priority[result.lost] < priority[student]).any())


def _trial(engine: WarmEngine, changed: Scenario, change: Change) -> IntArray:
    """Workplace per student after ``change`` (made in ``changed``), tried in the
    engine and undone."""
    with engine.trial():
        if change.kind in ("seat", "mentor"):
            engine.set_scenario(changed)
        elif change.kind in ("travel", "data"):
            engine.reevaluate(changed, students=np.asarray([change.student]))
        else:
            engine.reevaluate(changed, workplaces=np.asarray([change.workplace]))
        return engine.assignment()


def as_scenario_change(scenario: Scenario, change: Change) -> ScenarioChange | None:
    """The same change as a change file names it (ids, not indices), to be made on
    the scenario's tables (``matcher.whatif``); None for a copied workplace or a
    recruitment advice, which name no change a consultant makes to a table."""
    w = str(scenario.workplaces.ids[change.workplace]) if change.workplace >= 0 else ""
    student = str(scenario.students.ids[change.student]) if change.student >= 0 else ""
    if change.kind == "seat":
        return Seats(kind="seats", workplace=w, add=1)
    if change.kind == "mentor":
        return AddMentor(kind="add_mentor", workplace=w, capacity=1)
    if change.kind == "adjustment":
        return OfferAdjustments(kind="offer_adjustments", workplace=w, codes=list(change.codes))
    if change.kind == "placement_type":
        placement: PlacementType = "contract" if change.codes == ("contract",) else "guided"
        return OfferPlacementType(kind="offer_placement_type", workplace=w, type=placement)
    if change.kind == "grade2":
        return AcceptGrade2(kind="accept_grade2", workplace=w)
    if change.kind == "recognition":
        return AddRecognition(kind="add_recognition", workplace=w,
                              programme=scenario.programmes.codes[change.programme])
    if change.kind == "travel":
        return TravelLimit(kind="travel_limit", student=student, add=change.minutes)
    if change.kind == "data":
        values = ({"dutch_level": CEFR_LEVELS[change.value - 1]}
                  if change.field == "dutch_level"
                  else {"birth_date": birth_date_for_age(scenario, change.value)})
        return StudentData(kind="student_data", student=student,
                           values=StudentValues(**values))
    return None


def birth_date_for_age(scenario: Scenario, age: int) -> dt.date:
    """A birth date that makes a student exactly ``age`` on the reference date."""
    reference = scenario.config.reference_date
    try:
        return reference.replace(year=reference.year - age)
    except ValueError:  # 29 February in a year without it: the day before
        return (reference - dt.timedelta(days=1)).replace(year=reference.year - age)
