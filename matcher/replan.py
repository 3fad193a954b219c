"""Re-planning after a refusal, and pinning accepted placements.

A refusal (an employer or a student said no) excludes that pair; the new plan
is optimal under the same objective and, among optimal plans, moves as few
other students as possible (see ``matcher.solve.problem``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from matcher.candidates import build_candidates
from matcher.diff import PlanDiff, StudentChange, plan_changes, plan_diff, student_priorities
from matcher.messages import Message
from matcher.pipeline import SolveRun, SolveSettings, run_solve
from matcher.plan import build_plan
from matcher.solve.warm import WarmEngine
from models.plan import Plan
from models.scenario import IntArray, Pinned, Scenario


class UnknownId(LookupError):
    """A student, workplace or mentor id that the scenario does not have."""

    def __init__(self, field: str, value: str, message: Message | None = None) -> None:
        self.field = field  # student_id, workplace_id or mentor_id
        self.value = value
        self.message = message or Message("replan.unknown_id", what=field, value=value)
        super().__init__(str(self.message))


def _position(ids: np.ndarray, value: str, what: str) -> int:
    found = np.flatnonzero(ids == value)
    if not len(found):
        raise UnknownId(what, value)
    return int(found[0])


def student_index(scenario: Scenario, student_id: str) -> int:
    return _position(scenario.students.ids, student_id, "student_id")


def workplace_index(scenario: Scenario, workplace_id: str) -> int:
    return _position(scenario.workplaces.ids, workplace_id, "workplace_id")


def with_exclusions(scenario: Scenario, pairs: list[tuple[str, str]]) -> Scenario:
    """The scenario with these (student_id, workplace_id) pairs excluded; a pinned
    placement on a refused pair is dropped, since that placement was refused."""
    students = np.asarray([student_index(scenario, s) for s, _ in pairs], dtype=np.int64)
    workplaces = np.asarray([workplace_index(scenario, w) for _, w in pairs], dtype=np.int64)
    keys = scenario.pair_keys(students, workplaces)
    pinned = scenario.pinned
    refused_pin = np.isin(scenario.pair_keys(pinned.student, pinned.workplace), keys)
    return dataclasses.replace(
        scenario,
        exclusions=np.union1d(scenario.exclusions, keys),
        pinned=Pinned(pinned.student[~refused_pin], pinned.workplace[~refused_pin],
                      pinned.mentor[~refused_pin]),
    )


def with_pins(scenario: Scenario, pins: list[tuple[str, str, str | None]]) -> Scenario:
    """The scenario with these (student_id, workplace_id, mentor_id) placements
    kept as existing placements; a new pin replaces a student's earlier one."""
    m = scenario.mentors
    student = np.asarray([student_index(scenario, s) for s, _, _ in pins], dtype=np.int64)
    workplace = np.asarray([workplace_index(scenario, w) for _, w, _ in pins], dtype=np.int64)
    mentor = np.asarray([-1 if not me else _position(m.ids, me, "mentor_id")
                         for _, _, me in pins], dtype=np.int64)
    for w, me in zip(workplace, mentor, strict=True):
        if me >= 0 and m.workplace[me] != w:
            raise UnknownId("mentor_id", str(m.ids[me]), Message(
                "io.mentor_elsewhere", mentor=str(m.ids[me]),
                workplace=str(scenario.workplaces.ids[w])))
    pinned = scenario.pinned
    kept = ~np.isin(pinned.student, student)
    return dataclasses.replace(scenario, pinned=Pinned(
        np.concatenate([pinned.student[kept], student]),
        np.concatenate([pinned.workplace[kept], workplace]),
        np.concatenate([pinned.mentor[kept], mentor]),
    ))


def id_positions(ids: np.ndarray, extras: dict[str, object], name: str) -> dict[str, int]:
    """Each id's position in ``ids``, kept in ``extras`` (a scenario's, shared by the
    scenarios derived from it) while they hold these same ids: re-plans and pages of
    one scenario look ids up often. Read it only."""
    cached = extras.get(f"positions:{name}")
    if isinstance(cached, tuple) and cached[0] is ids:
        positions: dict[str, int] = cached[1]
        return positions
    positions = {str(value): position for position, value in enumerate(ids)}
    extras[f"positions:{name}"] = (ids, positions)
    return positions


def previous_workplaces(scenario: Scenario, plan: Plan) -> IntArray:
    """The workplace of each student in ``plan`` (-1 when unplaced)."""
    index = id_positions(scenario.workplaces.ids, scenario.extras, "workplaces")
    students = id_positions(scenario.students.ids, scenario.extras, "students")
    placed = np.full(len(scenario.students), -1, dtype=np.int64)
    for a in plan.assignments:
        if a.student_id in students and a.workplace_id in index:
            placed[students[a.student_id]] = index[a.workplace_id]
    return placed


@dataclass(frozen=True)
class Replan:
    run: SolveRun
    previous: Plan  # the plan before the refusals
    changes: list[StudentChange]  # from ``previous`` to the new plan (``PlanDiff.changes``)
    moved: list[str]  # the other students whose place changed (the refused ones excluded)
    warm: WarmEngine | None = None  # with the lemon backend: pass it to the next re-plan

    @cached_property
    def diff(self) -> PlanDiff:
        """From the plan before the refusals to the new one, every student (the service
        needs only ``changes``: this is made when asked)."""
        return plan_diff(self.previous, self.run.plan, student_priorities(self.run.scenario))


def replan_after_refusals(
    scenario: Scenario, plan: Plan, refusals: list[tuple[str, str]], settings: SolveSettings,
    warm: WarmEngine | None = None,
) -> Replan:
    """A new plan without the refused pairs, moving as few other students as possible.

    With the lemon backend the re-plan is solved by a warm engine
    (``matcher.solve.warm``): ``warm``, an engine of this scenario with other pins
    or refusals (the one that made ``plan``, say), follows to the changed
    scenario and re-solves from its last optimum; without it, or when it cannot
    follow, one is started cold. The result is the same
    optimum either way (tests/solve/test_warm.py)."""
    updated = with_exclusions(scenario, refusals)
    keep = previous_workplaces(scenario, plan)
    if settings.backend == "lemon":
        run, warm = warm_run(scenario, updated, settings, keep, warm)
    else:
        run, warm = run_solve(updated, settings, keep=keep), None
    changes = plan_changes(plan, run.plan, student_priorities(scenario))
    refused = {s for s, _ in refusals}
    return Replan(run, plan, changes,
                  [c.student_id for c in changes if c.student_id not in refused], warm)


def warm_run(scenario: Scenario, updated: Scenario, settings: SolveSettings, keep: IntArray,
             warm: WarmEngine | None) -> tuple[SolveRun, WarmEngine]:
    """The re-plan in ``warm`` when it can follow to ``updated`` (the same scenario
    with other pins and refusals), else in a new engine (also the analysis job's
    solver state: ``api.worker``)."""
    seconds: dict[str, float] = {}
    objective = settings.objective or scenario.config.policy.objective
    started = time.perf_counter()
    if warm is not None and warm.objective == objective and warm.follow(updated):
        warm.stay_close_to(keep)
    else:
        candidates = build_candidates(updated)
        seconds["candidates"] = time.perf_counter() - started
        started = time.perf_counter()
        warm = WarmEngine.start(updated, candidates, objective, keep)
    return engine_run(warm, started, seconds), warm


def engine_run(engine: WarmEngine, started: float, seconds: dict[str, float],
               on_stage: Callable[[str], None] = lambda stage: None) -> SolveRun:
    """The optimum of ``engine``'s scenario as changed so far, and its plan: the
    solve stage timed from ``started`` (changes made to the engine count), the
    plan's explanations built from the engine's allowed pairs."""
    solution = engine.solve()
    seconds["solve"] = time.perf_counter() - started
    on_stage("stage.explaining")
    started = time.perf_counter()
    plan = build_plan(engine.scenario, engine.candidates, solution)
    seconds["explain"] = time.perf_counter() - started
    return SolveRun(engine.scenario, engine.candidates, solution, plan, seconds)
