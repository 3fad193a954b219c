"""Plans: read (filtered by role), one student's place, refusals, pins."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response
from sqlalchemy import select

from api.deps import ConsultantDep, DbDep, PrincipalDep, ServicesDep
from api.export import CsvDialectQuery, plan_csv, wants_csv
from api.operations import plans as plan_operations
from api.problems import problem_responses, request_lang
from api.routes.common import (
    MAX_DB_ID,
    DbId,
    job_out,
    plan_kind,
    plan_or_404,
    scenario_or_404,
)
from api.routes.jobs import PLAN_CONTENT
from api.routes.scenarios import pin_out
from api.schemas import (
    JobOut,
    PinRequest,
    PinsResult,
    PlanDiffOut,
    PlanOut,
    PlanRef,
    RefusalRequest,
    SolveRequest,
    StudentView,
)
from api.tables import StoredPlan
from api.views import check_student, export_names, plan_view, student_view, visible_moved
from models.plan import Plan

router = APIRouter(tags=["plans"])
MAX_PINS = 10_000


def _plan_ref(p: StoredPlan) -> PlanRef:
    return PlanRef(id=p.id, scenario_id=p.scenario_id, version=p.version,
                   parent_id=p.parent_id, kind=plan_kind(p),
                   created_at=p.created_at)


@router.get("/plans", response_model=list[PlanRef], responses=problem_responses(401, 422),
            summary="List plans (newest first)")
def list_plans(
    db: DbDep, who: PrincipalDep,
    scenario_id: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
) -> list[PlanRef]:
    query = select(StoredPlan).order_by(StoredPlan.id.desc())
    if scenario_id is not None:
        query = query.where(StoredPlan.scenario_id == scenario_id)
    return [_plan_ref(p) for p in db.scalars(query).all()]


@router.get("/plans/{plan_id}", response_model=PlanOut,
            responses={**PLAN_CONTENT, **problem_responses(401, 403, 404, 422)},
            summary="A plan version; a coach sees only their students")
def get_plan(plan_id: DbId, request: Request, db: DbDep, services: ServicesDep,
             who: PrincipalDep, csv_dialect: CsvDialectQuery = None) -> Response:
    stored = plan_or_404(db, plan_id)
    plan = Plan.model_validate_json(stored.document)
    as_csv = wants_csv(request)
    scenario = None if who.is_consultant and not as_csv else services.scenario(
        scenario_or_404(db, stored.scenario_id))
    view = plan_view(who, plan, scenario)
    if as_csv:
        assert scenario is not None
        return plan_csv(view, export_names(who, scenario), request_lang(request), csv_dialect)
    moved = json.loads(stored.moved)
    out = PlanOut(
        id=stored.id, scenario_id=stored.scenario_id, version=stored.version,
        parent_id=stored.parent_id, kind=plan_kind(stored),
        job_id=stored.job_id, input_hash=stored.input_hash,
        settings=SolveRequest.model_validate(json.loads(stored.settings)),
        moved=moved if scenario is None else visible_moved(who, moved, scenario),
        created_at=stored.created_at, plan=view)
    body = out.model_dump(mode="json")
    body["plan"] = view.model_dump(mode="json", exclude_none=True)  # plan.json leaves out nulls
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


@router.get("/plans/{plan_id}/students/{student_id}", response_model=StudentView,
            responses=problem_responses(401, 403, 404, 422),
            summary="One student's place in a plan, or why they have none")
def get_student(plan_id: DbId, student_id: str, db: DbDep, services: ServicesDep,
                who: PrincipalDep) -> StudentView:
    stored = plan_or_404(db, plan_id)
    scenario = services.scenario(scenario_or_404(db, stored.scenario_id))
    position = check_student(who, scenario, student_id)
    return student_view(who, scenario, position, Plan.model_validate_json(stored.document))


@router.get("/plans/{plan_id}/diff", response_model=PlanDiffOut,
            responses=problem_responses(401, 404, 422),
            summary="What changed per student from another plan of the scenario to this one")
def get_diff(plan_id: DbId, db: DbDep, services: ServicesDep, who: PrincipalDep,
             base: Annotated[int | None, Query(
                 ge=1, le=MAX_DB_ID, description="The old plan; default: the previous "
                 "version of this plan (a refusal's parent).")] = None) -> Response:
    """Per student gained, lost or moved (other workplace or mentor), with counts per kind,
    per unmatched reason and, for a consultant, per priority. A coach sees only their
    students and no priority."""
    comparison = plan_operations.compare_plans(db, services, who, plan_id, base)
    body = {"plan_id": comparison.new.id, "base_id": comparison.base.id,
            "scenario_id": comparison.new.scenario_id, **comparison.diff.as_json()}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


@router.post("/plans/{plan_id}/refusals", status_code=202, response_model=JobOut,
             responses=problem_responses(401, 403, 404, 422),
             summary="Record a refusal; a re-plan job makes the newest plan without it")
def refuse(plan_id: DbId, refusal: RefusalRequest, request: Request, response: Response,
           services: ServicesDep, who: ConsultantDep) -> JobOut:
    """The refused pair is excluded from every later plan of the scenario at once. The
    answer is a re-plan job (202, `Location: /jobs/{id}`): it makes the scenario's newest
    plan again without the pair, optimal and, among optimal plans, moving as few other
    students as possible. Poll the job: once `done`, `plan_id` is the new plan and
    `result` says where the student went and who else moved.

    Changes of one scenario apply one at a time: two refusals sent together (even on
    the same plan) are re-planned one after the other, each on the plan the one before
    made, so the newest plan respects both. A refusal on an older plan is applied to the
    newest one (`result.parent_id` says which)."""
    job = plan_operations.refuse(services, who, plan_id, refusal)
    response.headers["Location"] = f"/jobs/{job.id}"
    return job_out(job, request_lang(request))


@router.post("/plans/{plan_id}/pins", status_code=201, response_model=PinsResult,
             responses=problem_responses(401, 403, 404, 422),
             summary="Fix accepted placements for every later solve of the scenario")
def pin(plan_id: DbId,
        pins: Annotated[list[PinRequest], Body(min_length=1, max_length=MAX_PINS)],
        response: Response, services: ServicesDep, who: ConsultantDep) -> PinsResult:
    """Each pin becomes an existing placement (like a row of placements.csv) in later
    solves and refusals; a new pin replaces the student's earlier one, and cancels a
    refusal of the same pair. When the scenario's newest plan does not already place a
    pinned student there, a re-plan job makes it again with the pins (`job_id`)."""
    done = plan_operations.pin(services, who, plan_id, pins)
    response.headers["Location"] = f"/scenarios/{done.scenario_id}"
    return PinsResult(scenario_id=done.scenario_id, pinned=done.pinned,
                      pins=[pin_out(p) for p in done.pins], job_id=done.job_id)


