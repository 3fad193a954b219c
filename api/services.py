"""Everything a request needs, built once per app: database, job runner, caches."""

from __future__ import annotations

import concurrent.futures as cf
import json
import sys
import threading
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, defer, sessionmaker

from api.cache import LruCache
from api.jobs import JobRunner
from api.lineage import Lineage, effective_scenario
from api.problems import not_found
from api.scenario_store import load_stored
from api.settings import Settings
from api.tables import StoredPlan, StoredScenario
from api.worker import PlanAnalysis
from matcher.explain import rejection_counts
from matcher.replan import id_positions
from matcher.suggest import PlanState
from models.plan import Assignment, Plan, UnmatchedStudent
from models.scenario import IntArray, Scenario


@dataclass(frozen=True)
class PlanContext:
    """A stored plan with its scenario (as solved: pins and refusals applied) and the
    precomputed arrays that answer suggestions.

    Suggestions need only where each student is placed, read straight from the stored
    plan.json; the plan as a model (``plan``, ``assignment_of``, ``unmatched_of``) is
    parsed when a page first asks for it (a fifth of a second at 20,000 students, which
    the first suggestion on a plan does not wait for)."""

    plan_id: int
    scenario_id: int
    scenario_key: str  # content hash and lineage: plans solved on the same input share it
    scenario: Scenario
    document: str  # the stored plan.json
    state: PlanState
    student_index: dict[str, int]
    workplace_index: dict[str, int]

    @cached_property
    def plan(self) -> Plan:
        return Plan.model_validate_json(self.document)

    @cached_property
    def assignment_of(self) -> dict[str, Assignment]:
        return {a.student_id: a for a in self.plan.assignments}

    @cached_property
    def unmatched_of(self) -> dict[str, UnmatchedStudent]:
        return {u.student_id: u for u in self.plan.unmatched}


def build_plan_context(plan_id: int, scenario_id: int, content_hash: str, base: Scenario,
                       document: str, lineage: Lineage) -> PlanContext:
    """The context of a stored plan (its plan.json ``document``)."""
    scenario = effective_scenario(base, lineage)
    students = id_positions(scenario.students.ids, scenario.extras, "students")
    workplaces = id_positions(scenario.workplaces.ids, scenario.extras, "workplaces")
    mentors = id_positions(scenario.mentors.ids, scenario.extras, "mentors")
    workplace_of = np.full(len(scenario.students), -1, dtype=np.int64)
    mentor_of = np.full(len(scenario.students), -1, dtype=np.int64)
    # only the ids of each placement are needed here: plain JSON, no model per row
    for a in json.loads(document)["assignments"]:
        student = students[a["student_id"]]
        workplace_of[student] = workplaces[a["workplace_id"]]
        if a.get("mentor_id") is not None:
            mentor_of[student] = mentors[a["mentor_id"]]
    state = PlanState.build(scenario, workplace_of, mentor_of)
    return PlanContext(
        plan_id=plan_id,
        scenario_id=scenario_id,
        scenario_key=f"{content_hash}:{lineage.to_json()}",
        scenario=scenario,
        document=document,
        state=state,
        student_index=students,
        workplace_index=workplaces,
    )


REQUEST_SWITCH_INTERVAL_S = 0.0005


def favour_requests_over_precompute() -> None:
    """A shorter GIL switch interval for the server process (set once at start-up,
    beside the collector's thresholds: it is process-wide).

    The precompute thread runs for seconds beside the requests, and they share the
    GIL: a request thread waiting for it gets it only after the switch interval,
    several times per request (socket, database, each step of the answer).
    Suggestions asked while the 20,000-student pass ran took p50 24 ms, p95 38 ms at
    the default 5 ms, and 14 ms, 26 ms at 0.5 ms (in one process, machine load 9);
    over HTTP p50 60 → 40 ms.
    """
    sys.setswitchinterval(min(sys.getswitchinterval(), REQUEST_SWITCH_INTERVAL_S))


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
    rejection_tables: LruCache[str, dict[str, IntArray]] = field(init=False)
    analyses: LruCache[int, PlanAnalysis] = field(init=False)  # fixes and report per plan

    def __post_init__(self) -> None:
        self.scenarios = LruCache(self.settings.scenario_cache_size)
        self.plans = LruCache(self.settings.plan_cache_size)
        self.rejection_tables = LruCache(self.settings.plan_cache_size)
        self.analyses = LruCache(self.settings.plan_cache_size)
        self._precompute = cf.ThreadPoolExecutor(max_workers=1,
                                                 thread_name_prefix="rejection-table")
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()

    def rejections(self, context: PlanContext, student: int) -> dict[str, int]:
        """Workplaces each rule rejects for the student.

        Counting for one student evaluates every rule against every workplace
        (about 4 ms at 30,000 workplaces), so the first question about a scenario
        also starts counting for all its students at once in the background (one
        KD-tree; about 6 s for 20,000 students); once that table is there, an
        answer is one lookup.
        """
        table = self.rejection_tables.peek(context.scenario_key)
        if table is not None:
            return {rule: int(counts[student]) for rule, counts in table.items()}
        self._schedule_table(context)
        return context.state.rejections(student)

    def _schedule_table(self, context: PlanContext) -> None:
        key = context.scenario_key
        with self._pending_lock:
            if key in self._pending:
                return
            self._pending.add(key)

        def build() -> None:
            try:
                everyone = np.arange(len(context.scenario.students), dtype=np.int64)
                self.rejection_tables.put(key, rejection_counts(context.scenario, everyone))
            finally:
                with self._pending_lock:
                    self._pending.discard(key)

        self._precompute.submit(build)

    def close(self) -> None:
        self._precompute.shutdown(wait=False, cancel_futures=True)

    def scenario(self, stored: StoredScenario) -> Scenario:
        """The parsed scenario as uploaded (no pins or refusals), cached by content; its
        document is read only when it is not cached (``stored`` may be detached)."""
        scenario_id = stored.id

        def parse() -> Scenario:
            with self.sessions() as db:
                document = db.scalar(select(StoredScenario.document)
                                     .where(StoredScenario.id == scenario_id))
            if document is None:
                raise not_found("scenario", scenario_id)
            return load_stored(document, f"scenario {scenario_id}")

        return self.scenarios.get_or_build(stored.content_hash, parse)

    def plan_context(self, plan_id: int, suggestions: bool = True) -> PlanContext:
        """The plan's context, built once. ``suggestions``: the caller answers suggestions
        from it, so its allowed pairs are indexed in the background (once); the first
        suggestions are answered pair row by pair row meanwhile (milliseconds each). A
        page that shows no suggestions leaves the index (seconds of CPU on a large plan)
        until one is asked for: a new plan after a refusal opens without it."""
        context = self.plans.get_or_build(plan_id, lambda: self._build_context(plan_id))
        if suggestions and not context.state.indexed:
            self._precompute.submit(context.state.index_all)  # a no-op once it ran
        return context

    def parsed_plan(self, plan_id: int) -> Plan:
        """A stored plan, parsed: from its context when that is built, else read."""
        context = self.plans.peek(plan_id)
        if context is not None:
            return context.plan
        with self.sessions() as db:
            document = db.scalar(select(StoredPlan.document).where(StoredPlan.id == plan_id))
        if document is None:
            raise not_found("plan", plan_id)
        return Plan.model_validate_json(document)

    def _build_context(self, plan_id: int) -> PlanContext:
        with self.sessions() as db:
            stored_plan = db.get(StoredPlan, plan_id)
            if stored_plan is None:
                raise not_found("plan", plan_id)
            # the scenario's document (megabytes) is read only when it is not parsed yet
            stored_scenario = db.get(StoredScenario, stored_plan.scenario_id,
                                     options=[defer(StoredScenario.document)])
            if stored_scenario is None:
                raise not_found("plan", plan_id)
        base = self.scenario(stored_scenario)
        lineage = Lineage.from_json(stored_plan.lineage)
        return build_plan_context(plan_id, stored_plan.scenario_id,
                                  stored_scenario.content_hash, base, stored_plan.document,
                                  lineage)

    def forget_scenario(self, plan_ids: list[int], content_hash: str | None = None) -> None:
        """Drop a deleted scenario's plans and, given its content hash (no other stored
        scenario has that content), its parsed form: a large scenario's memory is freed
        when it is deleted, not when the cache happens to evict it."""
        for plan_id in plan_ids:
            self.plans.discard(plan_id)
            self.analyses.discard(plan_id)
        if content_hash is not None:
            self.scenarios.discard(content_hash)
