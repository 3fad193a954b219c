"""Small helpers shared by the routes: loading rows or answering 404, row → schema."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Path
from sqlalchemy.orm import Session

from api.problems import not_found
from api.schemas import JobOut, SolveRequest
from api.tables import Job, StoredPlan, StoredScenario

MAX_DB_ID = 2**31 - 1  # ids are 32-bit integers in PostgreSQL
DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="A numeric id.")]


def scenario_or_404(db: Session, scenario_id: int) -> StoredScenario:
    stored = db.get(StoredScenario, scenario_id)
    if stored is None:
        raise not_found("scenario", scenario_id)
    return stored


def plan_or_404(db: Session, plan_id: int) -> StoredPlan:
    stored = db.get(StoredPlan, plan_id)
    if stored is None:
        raise not_found("plan", plan_id)
    return stored


def job_or_404(db: Session, job_id: int) -> Job:
    job = db.get(Job, job_id)
    if job is None:
        raise not_found("job", job_id)
    return job


def job_out(job: Job) -> JobOut:
    state = job.state if job.state in ("queued", "running", "done", "failed",
                                       "cancelled") else "failed"
    return JobOut(
        id=job.id, scenario_id=job.scenario_id, state=state,
        stage=job.stage, progress=min(max(job.progress, 0.0), 1.0),
        settings=SolveRequest.model_validate(json.loads(job.settings)),
        input_hash=job.input_hash, attempts=job.attempts, error=job.error, plan_id=job.plan_id,
        reused_from=job.reused_from, created_at=job.created_at, started_at=job.started_at,
        finished_at=job.finished_at)
