"""Liveness and readiness: the database answers, and every job is on its way.

503 when a job is stuck ('running' without a solver, or queued while nothing
dispatches), so a load balancer or monitor sees what a user would only notice
as a job that never finishes.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ServicesDep
from api.jobs import count_jobs
from api.problems import ApiProblem, problem_responses
from api.schemas import Health, PoolHealth
from api.tables import Job
from matcher.messages import Message

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health,
            responses={**problem_responses(503),
                       503: {"model": Health, "description": "A job is stuck (the body "
                             "says which); or the database does not answer "
                             "(problem+json)."}},
            summary="Service health (no key needed)")
def health(services: ServicesDep) -> JSONResponse:
    runner = services.runner
    pool = runner.status()
    dispatching = pool.dispatching(runner.stuck_seconds)
    try:
        counts = count_jobs(services.sessions)
        with services.sessions() as db:
            stuck = runner.orphaned_jobs(db)
            if not dispatching:
                stuck += list(db.scalars(select(Job.id).where(Job.state == "queued")))
    except SQLAlchemyError:
        raise ApiProblem(503, Message("api.database_down"), kind="unavailable") from None
    body = Health(status="stuck" if stuck or not dispatching else "ok", database="ok",
                  job_workers=runner.workers, jobs_queued=counts.get("queued", 0),
                  jobs_running=counts.get("running", 0), jobs_stuck=len(stuck),
                  stuck_job_ids=sorted(stuck),
                  pool=PoolHealth(workers=pool.workers, processes_alive=pool.processes_alive,
                                  dispatcher_alive=dispatching, restarts=pool.pool_restarts))
    return JSONResponse(body.model_dump(mode="json"),
                        status_code=200 if body.status == "ok" else 503)
