"""Fixes and reports of plans: analysis jobs in the job table, while the page polls.

One analysis job runs per plan however often it is asked for, and a finished one is
kept (its result in the job table, parsed in ``Services.analyses``). The page that
waits names the job it waits for, so a failure is shown to it once; asking again
without a job starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from api import job_texts
from api.jobs import new_job
from api.lineage import Lineage
from api.problems import not_found
from api.records import lock_scenario
from api.routes.common import plan_or_404
from api.services import Services
from api.tables import Job
from api.worker import PlanAnalysis
from matcher.messages import Message


@dataclass(frozen=True)
class AnalysisState:
    job_id: int | None  # None: the analysis was kept in memory
    state: str  # a job state: queued, running, done, failed, cancelled
    analysis: PlanAnalysis | None = None
    error: Message | None = None

    @property
    def busy(self) -> bool:
        return self.state in ("queued", "running")


def plan_analysis(services: Services, plan_id: int, created_by: int,
                  job_id: int | None = None) -> AnalysisState:
    """The analysis of a plan: job ``job_id`` when given (the page waiting for it), else
    the plan's finished or running one, else a new job."""
    kept = services.analyses.peek(plan_id)
    if kept is not None:
        return AnalysisState(None, "done", kept)
    job = _job(services, plan_id, job_id) if job_id is not None else \
        _start_or_join(services, plan_id, created_by)
    if job.state != "done" or not job.result:
        return AnalysisState(job.id, job.state, error=job_texts.error_message(job.error))
    analysis = PlanAnalysis.from_json(job.result)
    services.analyses.put(plan_id, analysis)
    return AnalysisState(job.id, "done", analysis)


def _job(services: Services, plan_id: int, job_id: int) -> Job:
    with services.sessions() as db:
        job = db.get(Job, job_id)
    if job is None or job.kind != "analysis" or job.source_plan_id != plan_id:
        raise not_found("job", job_id)
    return job


def _start_or_join(services: Services, plan_id: int, created_by: int) -> Job:
    with services.write_sessions() as db:
        stored = plan_or_404(db, plan_id)
        scenario = lock_scenario(db, stored.scenario_id)  # one job, even for a double click
        if scenario is None:
            raise not_found("plan", plan_id)
        job = db.scalar(select(Job).where(Job.kind == "analysis", Job.source_plan_id == plan_id,
                                          Job.state.in_(("queued", "running", "done")))
                        .order_by(Job.id.desc()).limit(1))
        if job is not None:
            return job
        job = new_job(db, kind="analysis", scenario=scenario, settings=stored.settings,
                      lineage=Lineage.from_json(stored.lineage), created_by=created_by,
                      source_plan_id=plan_id)
        db.commit()
    services.runner.wake()
    return job
