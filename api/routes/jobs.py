"""Jobs of every kind: state and progress, the plan they produced, cancellation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from api.deps import ConsultantDep, DbDep, ServicesDep, WriteDbDep
from api.export import CsvDialectQuery, plan_csv, wants_csv
from api.operations import jobs as job_operations
from api.problems import ApiProblem, problem_responses, request_lang
from api.routes.common import DbId, job_or_404, job_out, plan_or_404, scenario_or_404
from api.schemas import JobOut, PlanDocument
from api.views import export_names, plan_view
from matcher.messages import Message
from models.plan import Plan

router = APIRouter(tags=["jobs"])

PLAN_CONTENT: dict[int | str, dict[str, Any]] = {
    200: {"description": "plan.json, or one CSV row per student with `Accept: text/csv`",
          "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.get("/jobs/{job_id}", response_model=JobOut,
            responses=problem_responses(401, 403, 404, 422), summary="A job's state")
def get_job(job_id: DbId, request: Request, db: DbDep, who: ConsultantDep) -> JobOut:
    return job_out(job_or_404(db, job_id), request_lang(request))


@router.get("/jobs/{job_id}/plan", response_model=PlanDocument,
            responses={**PLAN_CONTENT, **problem_responses(401, 403, 404, 409, 422)},
            summary="The plan a finished job produced (plan.json or CSV)")
def get_job_plan(job_id: DbId, request: Request, db: DbDep, services: ServicesDep,
                 who: ConsultantDep, csv_dialect: CsvDialectQuery = None) -> Response:
    job = job_or_404(db, job_id)
    if job.state != "done" or job.plan_id is None:
        raise ApiProblem(409, Message("api.job_has_no_plan", state=Message(f"job.{job.state}")),
                         kind="no-plan-yet")
    stored = plan_or_404(db, job.plan_id)
    if wants_csv(request):  # a consultant's view: every student
        view = plan_view(who, Plan.model_validate_json(stored.document), None)
        scenario = services.scenario(scenario_or_404(db, stored.scenario_id))
        return plan_csv(view, export_names(who, scenario), request_lang(request), csv_dialect)
    return Response(stored.document, media_type="application/json")


@router.delete("/jobs/{job_id}", response_model=JobOut,
               responses=problem_responses(401, 403, 404, 409, 422), summary="Cancel a job")
def cancel_job(job_id: DbId, request: Request, db: WriteDbDep, who: ConsultantDep
               ) -> JobOut:
    """A queued job never starts; a running one stops at its next stage and stores
    nothing. A finished job cannot be cancelled (409), nor a re-plan (409): it makes the
    newest plan keep the refusals and pins in force."""
    return job_out(job_operations.cancel_job(db, who, job_id), request_lang(request))
