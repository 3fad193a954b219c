"""The consultant's pages: scenarios (upload, validation errors), solving, job progress."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response
from sqlalchemy import select

from api.deps import ServicesDep
from api.operations import jobs as job_operations
from api.operations import scenarios as scenario_operations
from api.problems import ApiProblem, ProblemItem, item_message
from api.routes.common import DbId, scenario_or_404
from api.routes.scenarios import read_scenario
from api.schemas import SolveRequest
from api.services import Services
from api.tables import Job, Pin, Refusal, StoredPlan, StoredScenario
from api.web.deps import CsrfConsultantDep, WebConsultantDep
from api.web.routes.common import JOB_PAGE_WAIT_S, go_to, job_when_over, plan_address
from api.web.templating import is_htmx, render
from matcher.messages import Message

router = APIRouter()
# The progress fragment, polled every second, answers as soon as its job ends, or
# after this long (a long poll: the new plan opens without waiting for the next tick).
PROGRESS_WAIT_S = 1.0


def _scenario_list(services: Services) -> dict[str, Any]:
    """The stored scenarios, newest first, with the newest plan of each."""
    with services.sessions() as db:
        rows = db.scalars(select(StoredScenario).order_by(StoredScenario.id.desc())).all()
        latest = {p.scenario_id: p for p in db.scalars(
            select(StoredPlan).order_by(StoredPlan.scenario_id, StoredPlan.version)).all()}
    return {"scenarios": rows, "latest_plan": latest}


@router.get("/scenarios")
def scenarios_page(request: Request, services: ServicesDep, user: WebConsultantDep
                   ) -> Response:
    return render(request, "scenarios.html", user, **_scenario_list(services))


@router.post("/scenarios")
async def upload(request: Request, services: ServicesDep, user: CsrfConsultantDep) -> Response:
    """The same upload and validation as POST /scenarios; mistakes come back as a list
    pointing at file, row and column, and nothing is stored."""
    try:
        created = scenario_operations.store_scenario(
            services, user.principal, await read_scenario(request, services))
    except ApiProblem as problem:
        if problem.status not in (413, 415, 422):
            raise
        errors = [_located(item) for item in problem.errors or []]
        summary = (Message("web.errors_found", count=len(errors)) if problem.errors
                   else problem.detail)
        if is_htmx(request):  # 200, so the list replaces the previous result in place
            return render(request, "fragments/upload_errors.html", user, summary=summary,
                          errors=errors)
        return render(request, "scenarios.html", user, status_code=422, summary=summary,
                      errors=errors, **_scenario_list(services))
    return go_to(request, f"/ui/scenarios/{created.id}")


def _located(item: ProblemItem) -> dict[str, object]:
    """Split a problem pointer /FILE/ROW/COLUMN into its parts for the error table, next
    to what is wrong (the table shows where)."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in item.pointer.split("/")[1:]]
    file = parts[0] if parts else ""
    row = parts[1] if len(parts) > 1 and parts[1].isdigit() else ""
    rest = parts[2:] if row else parts[1:]
    return {"file": file, "row": row, "column": ".".join(rest), "detail": item_message(item)}


def scenario_context(services: Services, scenario_id: int) -> dict[str, Any]:
    """What the scenario page shows (also when a what-if comes back with mistakes)."""
    with services.sessions() as db:
        stored = scenario_or_404(db, scenario_id)
        plans = db.scalars(select(StoredPlan).where(StoredPlan.scenario_id == scenario_id)
                           .order_by(StoredPlan.version.desc())).all()
        jobs = db.scalars(select(Job).where(Job.scenario_id == scenario_id)
                          .order_by(Job.id.desc()).limit(20)).all()
        pins = db.scalars(select(Pin).where(Pin.scenario_id == scenario_id)
                          .order_by(Pin.id)).all()
        refusals = db.scalars(select(Refusal).where(Refusal.scenario_id == scenario_id)
                              .order_by(Refusal.id)).all()
        base_plan = db.get(StoredPlan, stored.base_plan_id) if stored.base_plan_id else None
    scenario = services.scenario(stored)
    return {"scenario_row": stored, "plans": plans, "jobs": jobs, "pins": pins,
            "refusals": refusals, "objective": scenario.config.policy.objective,
            "seats": int(scenario.workplaces.seats.sum()),
            "version_of": {p.id: p.version for p in plans}, "warnings": scenario.warnings,
            "base_plan": base_plan,
            "changes": json.loads(stored.changes) if stored.changes else None}


@router.get("/scenarios/{scenario_id}")
def scenario_page(scenario_id: DbId, request: Request, services: ServicesDep,
                  user: WebConsultantDep) -> Response:
    return render(request, "scenario.html", user, **scenario_context(services, scenario_id))


@router.post("/scenarios/{scenario_id}/solve")
def solve(scenario_id: DbId, request: Request, services: ServicesDep, user: CsrfConsultantDep,
          objective: Annotated[str, Form()] = "",
          backend: Annotated[str, Form()] = "flow") -> Response:
    body = SolveRequest.model_validate({"backend": backend or "flow",
                                        "objective": objective or None})
    with services.write_sessions() as db:
        job = scenario_operations.solve(db, services, user.principal, scenario_id, body)
    return go_to(request, f"/ui/jobs/{job.id}")


@router.post("/scenarios/{scenario_id}/pins/remove")
def unpin(scenario_id: DbId, request: Request, services: ServicesDep, user: CsrfConsultantDep,
          student_id: Annotated[str, Form(max_length=200)]) -> Response:
    with services.write_sessions() as db:
        scenario_operations.unpin(db, user.principal, scenario_id, student_id)
    return go_to(request, f"/ui/scenarios/{scenario_id}")  # reloads: no anchor


@router.post("/scenarios/{scenario_id}/refusals/remove")
def withdraw_refusal(scenario_id: DbId, request: Request, services: ServicesDep,
                     user: CsrfConsultantDep, student_id: Annotated[str, Form(max_length=200)],
                     workplace_id: Annotated[str, Form(max_length=200)]) -> Response:
    with services.write_sessions() as db:
        scenario_operations.withdraw_refusal(db, user.principal, scenario_id, student_id,
                                             workplace_id)
    return go_to(request, f"/ui/scenarios/{scenario_id}")  # reloads: no anchor


@router.post("/scenarios/{scenario_id}/delete")
def delete(scenario_id: DbId, request: Request, services: ServicesDep, user: CsrfConsultantDep
           ) -> Response:
    """The scenario with its jobs and plans; the audit trail stays."""
    with services.write_sessions() as db:
        scenario_operations.delete_scenario(db, services, user.principal, scenario_id)
    return go_to(request, "/ui/scenarios")


@router.get("/jobs/{job_id}")
def job_page(job_id: DbId, request: Request, services: ServicesDep,
             user: WebConsultantDep) -> Response:
    job = job_when_over(services, job_id, JOB_PAGE_WAIT_S)
    with services.sessions() as db:
        stored = scenario_or_404(db, job.scenario_id)
    if job.state == "done" and job.plan_id is not None:  # e.g. a stored plan reused
        return go_to(request, plan_address(job))
    return render(request, "job.html", user, job=job, scenario_row=stored)


@router.get("/jobs/{job_id}/progress")
def job_progress(job_id: DbId, request: Request, services: ServicesDep,
                 user: WebConsultantDep) -> Response:
    """Polled by the job page; sends the browser to the plan once it is there."""
    job = job_when_over(services, job_id, PROGRESS_WAIT_S)
    if job.state == "done" and job.plan_id is not None and is_htmx(request):
        return go_to(request, plan_address(job))
    return render(request, "fragments/job_progress.html", user, job=job)


@router.post("/jobs/{job_id}/cancel")
def cancel(job_id: DbId, request: Request, services: ServicesDep, user: CsrfConsultantDep
           ) -> Response:
    with services.write_sessions() as db:
        job_operations.cancel_job(db, user.principal, job_id)
    return go_to(request, f"/ui/jobs/{job_id}")
