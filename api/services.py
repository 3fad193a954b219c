"""Everything a request needs, built once per app: database, job runner, caches."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.cache import LruCache
from api.jobs import JobRunner
from api.lineage import Lineage, effective_scenario
from api.problems import not_found
from api.scenario_store import load_stored
from api.settings import Settings
from api.tables import StoredPlan, StoredScenario
from matcher.candidates import build_candidates
from matcher.suggest import PlanState
from models.plan import Assignment, Plan, UnmatchedStudent
from models.scenario import Scenario


@dataclass(frozen=True)
class PlanContext:
    """A stored plan with its scenario (as solved: pins and refusals applied) and the
    precomputed arrays that answer suggestions."""

    plan_id: int
    scenario_id: int
    scenario: Scenario
    plan: Plan
    state: PlanState
    student_index: dict[str, int]
    workplace_index: dict[str, int]
    assignment_of: dict[str, Assignment]
    unmatched_of: dict[str, UnmatchedStudent]


def _index(ids: np.ndarray) -> dict[str, int]:  # type: ignore[type-arg]
    return {str(value): position for position, value in enumerate(ids)}


def build_plan_context(plan_id: int, scenario_id: int, base: Scenario, plan: Plan,
                       lineage: Lineage) -> PlanContext:
    scenario = effective_scenario(base, lineage)
    students = _index(scenario.students.ids)
    workplaces = _index(scenario.workplaces.ids)
    mentors = _index(scenario.mentors.ids)
    workplace_of = np.full(len(scenario.students), -1, dtype=np.int64)
    mentor_of = np.full(len(scenario.students), -1, dtype=np.int64)
    for a in plan.assignments:
        student = students[a.student_id]
        workplace_of[student] = workplaces[a.workplace_id]
        if a.mentor_id is not None:
            mentor_of[student] = mentors[a.mentor_id]
    state = PlanState.build(scenario, build_candidates(scenario), workplace_of, mentor_of)
    return PlanContext(
        plan_id=plan_id,
        scenario_id=scenario_id,
        scenario=scenario,
        plan=plan,
        state=state,
        student_index=students,
        workplace_index=workplaces,
        assignment_of={a.student_id: a for a in plan.assignments},
        unmatched_of={u.student_id: u for u in plan.unmatched},
    )


@dataclass
class Services:
    settings: Settings
    database_url: str
    engine: Engine
    sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]
    runner: JobRunner
    scenarios: LruCache[str, Scenario] = field(init=False)
    plans: LruCache[int, PlanContext] = field(init=False)

    def __post_init__(self) -> None:
        self.scenarios = LruCache(self.settings.scenario_cache_size)
        self.plans = LruCache(self.settings.plan_cache_size)

    def scenario(self, stored: StoredScenario) -> Scenario:
        """The parsed scenario as uploaded (no pins or refusals), cached by content."""
        document, source = stored.document, f"scenario {stored.id}"
        return self.scenarios.get_or_build(stored.content_hash,
                                           lambda: load_stored(document, source))

    def plan_context(self, plan_id: int) -> PlanContext:
        return self.plans.get_or_build(plan_id, lambda: self._build_context(plan_id))

    def _build_context(self, plan_id: int) -> PlanContext:
        with self.sessions() as db:
            stored_plan = db.get(StoredPlan, plan_id)
            if stored_plan is None:
                raise not_found("plan", plan_id)
            stored_scenario = db.get(StoredScenario, stored_plan.scenario_id)
            if stored_scenario is None:
                raise not_found("plan", plan_id)
        base = self.scenario(stored_scenario)
        plan = Plan.model_validate_json(stored_plan.document)
        lineage = Lineage.from_json(stored_plan.lineage)
        return build_plan_context(plan_id, stored_plan.scenario_id, base, plan, lineage)

    def forget_scenario(self, plan_ids: list[int]) -> None:
        for plan_id in plan_ids:
            self.plans.discard(plan_id)
