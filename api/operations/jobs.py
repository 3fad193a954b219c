"""Jobs: cancel one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from api import job_texts
from api.audit import record
from api.auth import Principal
from api.problems import ApiProblem
from api.routes.common import job_or_404
from api.tables import Job
from matcher.messages import Message


def cancel_job(db: Session, who: Principal, job_id: int) -> Job:
    """A queued job never starts; a running one stops at its next stage and stores
    nothing. A finished job cannot be cancelled (409), nor a re-plan (409)."""
    job = job_or_404(db, job_id)
    if job.state not in ("queued", "running"):
        raise ApiProblem(409, Message("api.job_finished", state=Message(f"job.{job.state}")),
                         kind="job-finished")
    if job.kind == "replan":
        raise ApiProblem(409, Message("api.replan_not_cancellable"),
                         kind="replan-not-cancellable")
    cancelled = db.scalars(update(Job).where(Job.id == job_id,
                                             Job.state.in_(("queued", "running")))
                           .values(state="cancelled", stage=job_texts.STAGE_CANCELLED,
                                   finished_at=dt.datetime.now(dt.UTC))
                           .returning(Job.id)).all()
    if cancelled:  # not when the job finished meanwhile
        record(db, who, "job_cancel", scenario_id=job.scenario_id, job_id=job_id,
               input_hash=job.input_hash, settings=job.settings, details={"kind": job.kind})
    db.commit()
    db.refresh(job)
    return job
