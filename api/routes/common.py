"""Small helpers shared by the routes: loading rows or answering 404, row → schema."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Path
from sqlalchemy.orm import Session, defer

from api.job_texts import error_message, stage_message
from api.problems import ApiProblem, not_found
from api.schemas import (
    PLAN_KINDS,
    JobOut,
    PlanChange,
    PlanKind,
    RefusalResult,
    SolveRequest,
)
from api.tables import Job, StoredPlan, StoredScenario
from matcher.messages import Lang, Message, render

MAX_DB_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL
DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="A numeric id.")]


def scenario_or_404(db: Session, scenario_id: int) -> StoredScenario:
    stored = db.get(StoredScenario, scenario_id)
    if stored is None:
        raise not_found("scenario", scenario_id)
    return stored


def plan_or_404(db: Session, plan_id: int, with_document: bool = True) -> StoredPlan:
    """The stored plan; ``with_document=False`` leaves its plan.json (megabytes) unread
    until it is asked for in this session."""
    stored = db.get(StoredPlan, plan_id,
                    options=() if with_document else [defer(StoredPlan.document)])
    if stored is None:
        raise not_found("plan", plan_id)
    return stored


def stale_plan(plan_id: int, newest: StoredPlan) -> ApiProblem:
    """409 for a change made on a plan that is no longer its scenario's newest."""
    return ApiProblem(409, Message("api.stale_plan", plan=plan_id, newest=newest.id,
                                   version=newest.version), kind="stale-plan",
                      extra={"current_plan_id": newest.id, "current_version": newest.version})


def job_or_404(db: Session, job_id: int) -> Job:
    job = db.get(Job, job_id)
    if job is None:
        raise not_found("job", job_id)
    return job


def plan_kind(stored: StoredPlan) -> PlanKind:
    return stored.kind if stored.kind in PLAN_KINDS else "solve"  # type: ignore[return-value]


def refusal_result(job: Job) -> RefusalResult | None:
    """What a finished re-plan after a refusal did (see api.worker._replan)."""
    if job.kind != "replan" or job.state != "done" or not job.result:
        return None
    outcome = json.loads(job.result)
    if "student_id" not in outcome:  # a re-plan after pins
        return None
    return RefusalResult(plan_id=outcome["plan_id"], version=outcome["version"],
                         parent_id=outcome["base_plan_id"], student_id=outcome["student_id"],
                         refused_workplace_id=outcome["refused_workplace_id"],
                         new_workplace_id=outcome["new_workplace_id"],
                         moved_count=len(outcome["moved"]), moved=outcome["moved"],
                         changes=[PlanChange.model_validate(c) for c in outcome["changes"]])


def _text(message: Message | None, lang: Lang) -> str | None:
    return render(message, lang) if message else None


def job_out(job: Job, lang: Lang) -> JobOut:
    """A job as the API shows it: stage and error in ``lang``, with their codes."""
    error = error_message(job.error)
    state = job.state if job.state in ("queued", "running", "done", "failed",
                                       "cancelled") else "failed"
    return JobOut(
        id=job.id, scenario_id=job.scenario_id, kind=job.kind,
        source_plan_id=job.source_plan_id, state=state,
        stage=_text(stage_message(job.stage), lang), stage_code=job.stage or None,
        progress=min(max(job.progress, 0.0), 1.0),
        settings=SolveRequest.model_validate(json.loads(job.settings)),
        input_hash=job.input_hash, attempts=job.attempts, rebases=job.rebases,
        error=_text(error, lang), error_code=error.code if error else None,
        error_params=error.to_json()["params"] if error else None,
        plan_id=job.plan_id, result=refusal_result(job),
        reused_from=job.reused_from, created_at=job.created_at, started_at=job.started_at,
        finished_at=job.finished_at)
