"""Liveness and readiness: the database answers and the job queue is visible."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ServicesDep
from api.jobs import count_jobs
from api.problems import ApiProblem, problem_responses
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses=problem_responses(503),
            summary="Service health (no key needed)")
def health(services: ServicesDep) -> Health:
    try:
        counts = count_jobs(services.sessions)
    except SQLAlchemyError:
        raise ApiProblem(503, "the database does not answer", kind="unavailable") from None
    return Health(status="ok", database="ok", job_workers=services.runner.workers,
                  jobs_queued=counts.get("queued", 0), jobs_running=counts.get("running", 0))
