"""What runs in the solver processes: solve jobs and refusal re-plans.

Each function gets the database URL and ids, never a live object, so it runs
in any process of the pool. A job writes its own progress and result: the job
row is the truth. Every write names the attempt it belongs to, so a solver
orphaned by a server crash cannot overwrite the job once it has been claimed
again, and a cancelled job's result is thrown away.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session, sessionmaker

from api.db import make_engine, session_factory, write_session_factory
from api.lineage import Lineage, effective_scenario
from api.records import store_plan
from api.scenario_store import load_stored
from api.tables import Job, StoredPlan, StoredScenario
from matcher.pipeline import SolveSettings, run_solve
from matcher.plan import plan_json
from matcher.replan import previous_workplaces, replan_after_refusals
from models.plan import Plan
from models.scenario import Scenario

logger = logging.getLogger("api.worker")
SCENARIOS_KEPT = 2

# Progress shown for each stage of matcher.pipeline.run_solve, in order.
STAGE_PROGRESS = (0.15, 0.35, 0.8)


class JobCancelled(Exception):
    """The job was cancelled, deleted or claimed again: stop and store nothing."""


@dataclass
class _Process:
    engines: dict[str, Engine]
    scenarios: OrderedDict[str, Scenario]


_process = _Process({}, OrderedDict())


def _engine(database_url: str) -> Engine:
    if database_url not in _process.engines:
        _process.engines[database_url] = make_engine(database_url)
    return _process.engines[database_url]


def _scenario(sessions: sessionmaker[Session], scenario_id: int, content_hash: str) -> Scenario:
    """The parsed scenario, kept per content hash: jobs on one scenario parse it once."""
    cached = _process.scenarios.get(content_hash)
    if cached is not None:
        _process.scenarios.move_to_end(content_hash)
        return cached
    with sessions() as db:
        stored = db.get(StoredScenario, scenario_id)
        if stored is None:
            raise JobCancelled("scenario deleted")
        text = stored.document
    scenario = load_stored(text, source=f"scenario {scenario_id}")
    _process.scenarios[content_hash] = scenario
    while len(_process.scenarios) > SCENARIOS_KEPT:
        _process.scenarios.popitem(last=False)
    return scenario


def solve_settings(settings: dict[str, Any]) -> SolveSettings:
    return SolveSettings(backend=settings["backend"], objective=settings.get("objective"),
                         time_limit_s=float(settings["time_limit_s"]),
                         seed=int(settings["seed"]))


def run_job(database_url: str, job_id: int, attempt: int) -> str:
    """Solve one claimed job and store its plan; returns the job's final state."""
    engine = _engine(database_url)
    sessions, writes = session_factory(engine), write_session_factory(engine)

    def mine() -> Any:
        return (Job.id == job_id) & (Job.attempts == attempt) & (Job.state == "running")

    def report(stage: str, progress: float) -> None:
        with sessions() as db:
            changed = db.execute(update(Job).where(mine()).values(stage=stage,
                                                                  progress=progress))
            db.commit()
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise JobCancelled(stage)

    try:
        with sessions() as db:
            job = db.get(Job, job_id)
            stored = db.get(StoredScenario, job.scenario_id) if job else None
            if job is None or stored is None or job.attempts != attempt or \
                    job.state != "running":
                return "skipped"
            settings, lineage_text, input_hash = json.loads(job.settings), job.lineage, \
                job.input_hash
            scenario_id, content_hash, created_by = stored.id, stored.content_hash, job.created_by
        report("Reading the scenario", 0.05)
        scenario = effective_scenario(_scenario(sessions, scenario_id, content_hash),
                                      Lineage.from_json(lineage_text))
        stages = iter(STAGE_PROGRESS)
        run = run_solve(scenario, solve_settings(settings),
                        on_stage=lambda stage: report(stage, next(stages, 0.9)))
        report("Storing the plan", 0.95)

        def finish(db: Session, plan: StoredPlan) -> bool:
            done = db.execute(update(Job).where(mine()).values(
                state="done", stage="Done", progress=1.0, plan_id=plan.id,
                finished_at=dt.datetime.now(dt.UTC)))
            return bool(done.rowcount == 1)  # type: ignore[attr-defined]

        stored_plan = store_plan(writes, scenario_id=scenario_id, kind="solve",
                                 document=plan_json(run.plan), parent_id=None, job_id=job_id,
                                 settings=json.dumps(settings, sort_keys=True),
                                 lineage=lineage_text, input_hash=input_hash, moved=[],
                                 created_by=created_by, also=finish)
        return "done" if stored_plan is not None else "cancelled"
    except JobCancelled:
        return "cancelled"
    except Exception as exc:
        # A bug or a scenario the engine cannot handle: the job fails, the server lives.
        logger.error("job %s failed: %s", job_id, type(exc).__name__, exc_info=exc)
        with sessions() as db:
            db.execute(update(Job).where(mine()).values(
                state="failed", stage="Failed", finished_at=dt.datetime.now(dt.UTC),
                error=f"internal error ({type(exc).__name__}); see the server log"))
            db.commit()
        return "failed"


@dataclass(frozen=True)
class ReplanResult:
    plan_document: str
    moved: list[str]
    new_workplace_id: str | None
    changes: list[dict[str, Any]]  # matcher.diff entries of every changed student


def replan(database_url: str, scenario_id: int, content_hash: str, lineage_text: str,
           plan_document: str, refusal: tuple[str, str], settings: dict[str, Any]) -> ReplanResult:
    """A new plan without the refused pair, moving as few other students as possible.

    ``lineage_text`` is the lineage without this refusal; the engine adds it.
    """
    sessions = session_factory(_engine(database_url))
    scenario = effective_scenario(_scenario(sessions, scenario_id, content_hash),
                                  Lineage.from_json(lineage_text))
    previous = Plan.model_validate_json(plan_document)
    result = replan_after_refusals(scenario, previous, [refusal], solve_settings(settings))
    new_plan = result.run.plan
    placed = next((a.workplace_id for a in new_plan.assignments
                   if a.student_id == refusal[0]), None)
    return ReplanResult(plan_json(new_plan), result.moved, placed,
                        result.diff.as_json()["changes"])


@dataclass(frozen=True)
class PlanAnalysis:
    """What the web page shows beyond the plan: a verified fix per unmatched student
    and the self-contained HTML report."""

    fixes: list[dict[str, object]]
    report_html: str


def analyse_plan(database_url: str, plan_id: int) -> PlanAnalysis:
    """Fixes and the report for a stored plan.

    The analyses need the solver's state, which is not stored, so the plan is solved
    again on the same input with the stored plan as the one to keep: among optimal
    plans that is the stored plan itself.
    """
    from matcher.analysis.fixes import fix_rows
    from matcher.analysis.report import gather, render

    sessions = session_factory(_engine(database_url))
    with sessions() as db:
        stored = db.get(StoredPlan, plan_id)
        scenario_row = db.get(StoredScenario, stored.scenario_id) if stored else None
        if stored is None or scenario_row is None:
            raise JobCancelled("plan deleted")
        document, lineage_text, settings = stored.document, stored.lineage, stored.settings
        scenario_id, content_hash = scenario_row.id, scenario_row.content_hash
    scenario = effective_scenario(_scenario(sessions, scenario_id, content_hash),
                                  Lineage.from_json(lineage_text))
    keep = previous_workplaces(scenario, Plan.model_validate_json(document))
    run = run_solve(scenario, solve_settings(json.loads(settings)), keep=keep)
    data = gather(run)
    return PlanAnalysis(fix_rows(scenario, data.fixes, private=True), render(data))
