"""Plans: read (filtered by role), one student's place, refusals, pins, audit trail."""

from __future__ import annotations

import concurrent.futures as cf
import json
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from api import worker
from api.auth import Principal
from api.deps import ConsultantDep, DbDep, PrincipalDep, ServicesDep
from api.export import CSV_MEDIA_TYPE, plan_csv, wants_csv
from api.lineage import Lineage, input_hash
from api.problems import ApiProblem, ProblemItem, pointer, problem_responses
from api.records import audit, store_plan
from api.routes.common import MAX_DB_ID, DbId, plan_or_404, scenario_or_404
from api.routes.jobs import PLAN_CONTENT
from api.routes.scenarios import current_lineage, pin_out
from api.schemas import (
    AuditOut,
    PinRequest,
    PinsResult,
    PlanChange,
    PlanDiffOut,
    PlanOut,
    PlanRef,
    RefusalRequest,
    RefusalResult,
    SolveRequest,
    StudentView,
)
from api.services import Services
from api.tables import AuditRecord, Pin, Refusal, StoredPlan
from api.views import check_student, diff_view, plan_view, student_view, visible_moved
from matcher.diff import PlanDiff
from matcher.replan import UnknownId, student_index, with_pins, workplace_index
from models.plan import Plan

router = APIRouter(tags=["plans"])
MAX_PINS = 10_000


def _plan_ref(p: StoredPlan) -> PlanRef:
    return PlanRef(id=p.id, scenario_id=p.scenario_id, version=p.version,
                   parent_id=p.parent_id, kind="refusal" if p.kind == "refusal" else "solve",
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
             who: PrincipalDep) -> Response:
    stored = plan_or_404(db, plan_id)
    plan = Plan.model_validate_json(stored.document)
    scenario = None if who.is_consultant else services.scenario(
        scenario_or_404(db, stored.scenario_id))
    view = plan_view(who, plan, scenario)
    if wants_csv(request):
        return Response(plan_csv(view), media_type=CSV_MEDIA_TYPE)
    moved = json.loads(stored.moved)
    out = PlanOut(
        id=stored.id, scenario_id=stored.scenario_id, version=stored.version,
        parent_id=stored.parent_id, kind="refusal" if stored.kind == "refusal" else "solve",
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


@dataclass(frozen=True)
class PlanComparison:
    new: StoredPlan
    base: StoredPlan
    diff: PlanDiff


def compare_plans(db: Session, services: Services, who: Principal, plan_id: int,
                  base_id: int | None) -> PlanComparison:
    """The difference from ``base_id`` (default: the previous version) to ``plan_id``,
    as ``who`` may see it. Both plans must belong to one scenario."""
    new = plan_or_404(db, plan_id)
    if base_id is None:
        if new.parent_id is None:
            raise ApiProblem(422, "this plan has no previous version; name the plan to "
                             "compare it with", kind="invalid-request", title="Invalid request",
                             errors=[ProblemItem(detail="required for this plan",
                                                 pointer=pointer("query", "base"))])
        base_id = new.parent_id
    base = plan_or_404(db, base_id)
    if base.scenario_id != new.scenario_id:
        raise ApiProblem(422, "the two plans belong to different scenarios",
                         kind="invalid-request", title="Invalid request",
                         errors=[ProblemItem(detail=f"plan {base_id} is of another scenario",
                                             pointer=pointer("query", "base"))])
    scenario = services.scenario(scenario_or_404(db, new.scenario_id))
    difference = diff_view(who, Plan.model_validate_json(base.document),
                           Plan.model_validate_json(new.document), scenario)
    return PlanComparison(new, base, difference)


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
    comparison = compare_plans(db, services, who, plan_id, base)
    body = {"plan_id": comparison.new.id, "base_id": comparison.base.id,
            "scenario_id": comparison.new.scenario_id, **comparison.diff.as_json()}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


def _unknown_id(exc: UnknownId, prefix: tuple[object, ...] = ()) -> ProblemItem:
    return ProblemItem(detail=str(exc).strip("'\""), pointer=pointer(*prefix, exc.field))


@router.post("/plans/{plan_id}/refusals", status_code=201, response_model=RefusalResult,
             responses=problem_responses(401, 403, 404, 422, 503),
             summary="Record a refusal and re-plan, moving as few students as possible")
def refuse(plan_id: DbId, refusal: RefusalRequest, response: Response, services: ServicesDep,
           who: ConsultantDep) -> RefusalResult:
    """The refused pair is excluded from this and every later plan of the scenario; the
    new plan (a new version, parent = this plan) is optimal and, among optimal plans,
    moves as few other students as possible."""
    with services.sessions() as db:
        stored = plan_or_404(db, plan_id)
        scenario_row = scenario_or_404(db, stored.scenario_id)
        lineage = current_lineage(db, stored.scenario_id)
    base = services.scenario(scenario_row)
    problems = []
    for check in (student_index, workplace_index):
        try:
            check(base, refusal.student_id if check is student_index else refusal.workplace_id)
        except UnknownId as exc:
            problems.append(_unknown_id(exc))
    if problems:
        raise ApiProblem(422, "the refusal names ids this scenario does not have",
                         kind="invalid-request", title="Invalid request", errors=problems)
    pair = (refusal.student_id, refusal.workplace_id)
    new_lineage = Lineage(
        pins=tuple(p for p in lineage.pins if (p[0], p[1]) != pair),
        refusals=tuple(sorted({*lineage.refusals, pair})))
    settings = json.loads(stored.settings)
    future = services.runner.run(worker.replan, services.database_url, scenario_row.id,
                                 scenario_row.content_hash,
                                 new_lineage.without_refusal(pair).to_json(), stored.document,
                                 pair, settings)
    try:
        result = future.result(timeout=services.settings.replan_timeout_seconds)
    except cf.TimeoutError:
        raise ApiProblem(503, "re-planning took too long; try again later",
                         kind="replan-timeout") from None
    digest = input_hash(scenario_row.content_hash, new_lineage, settings)

    def record(db: Session, plan: StoredPlan) -> bool:
        db.execute(delete(Refusal).where(Refusal.scenario_id == scenario_row.id,
                                         Refusal.student_id == pair[0],
                                         Refusal.workplace_id == pair[1]))
        db.execute(delete(Pin).where(Pin.scenario_id == scenario_row.id,
                                     Pin.student_id == pair[0], Pin.workplace_id == pair[1]))
        db.add(Refusal(scenario_id=scenario_row.id, student_id=pair[0], workplace_id=pair[1],
                       reason=refusal.reason, plan_id=plan_id, created_by=who.id))
        audit(db, who, "refusal", scenario_id=scenario_row.id, input_hash=digest,
              settings=stored.settings, plan_id=plan_id, result_plan_id=plan.id,
              details={"student_id": pair[0], "workplace_id": pair[1],
                       "moved_count": len(result.moved), "moved": result.moved})
        return True

    new_plan = store_plan(services.write_sessions, scenario_id=scenario_row.id, kind="refusal",
                          document=result.plan_document, parent_id=plan_id, job_id=None,
                          settings=stored.settings, lineage=new_lineage.to_json(),
                          input_hash=digest, moved=result.moved, created_by=who.id,
                          also=record)
    if new_plan is None:  # cannot happen: record() always agrees
        raise ApiProblem(503, "the new plan could not be stored; try again", kind="conflict")
    response.headers["Location"] = f"/plans/{new_plan.id}"
    return RefusalResult(plan_id=new_plan.id, version=new_plan.version, parent_id=plan_id,
                         student_id=pair[0], refused_workplace_id=pair[1],
                         new_workplace_id=result.new_workplace_id,
                         moved_count=len(result.moved), moved=result.moved,
                         changes=[PlanChange.model_validate(c) for c in result.changes])


@router.post("/plans/{plan_id}/pins", status_code=201, response_model=PinsResult,
             responses=problem_responses(401, 403, 404, 422),
             summary="Fix accepted placements for every later solve of the scenario")
def pin(plan_id: DbId,
        pins: Annotated[list[PinRequest], Body(min_length=1, max_length=MAX_PINS)],
        response: Response, services: ServicesDep, who: ConsultantDep) -> PinsResult:
    """Each pin becomes an existing placement (like a row of placements.csv) in later
    solves and refusals; a new pin replaces the student's earlier one, and cancels a
    refusal of the same pair."""
    with services.sessions() as db:
        stored = plan_or_404(db, plan_id)
        scenario_row = scenario_or_404(db, stored.scenario_id)
    base = services.scenario(scenario_row)
    problems = []
    for position, item in enumerate(pins):
        try:
            with_pins(base, [(item.student_id, item.workplace_id, item.mentor_id)])
        except UnknownId as exc:
            problems.append(_unknown_id(exc, (position,)))
    if problems:
        raise ApiProblem(422, "some pins name ids this scenario does not have, or a mentor "
                         "of another workplace", kind="invalid-request", title="Invalid request",
                         errors=problems)
    latest = {item.student_id: item for item in pins}  # a later pin of a student wins
    with services.write_sessions() as db:
        for item in latest.values():
            db.execute(delete(Pin).where(Pin.scenario_id == scenario_row.id,
                                         Pin.student_id == item.student_id))
            db.execute(delete(Refusal).where(Refusal.scenario_id == scenario_row.id,
                                             Refusal.student_id == item.student_id,
                                             Refusal.workplace_id == item.workplace_id))
            db.add(Pin(scenario_id=scenario_row.id, student_id=item.student_id,
                       workplace_id=item.workplace_id, mentor_id=item.mentor_id,
                       plan_id=plan_id, created_by=who.id))
        db.flush()
        lineage = current_lineage(db, scenario_row.id)
        audit(db, who, "pin", scenario_id=scenario_row.id,
              input_hash=input_hash(scenario_row.content_hash, lineage,
                                    json.loads(stored.settings)),
              settings=stored.settings, plan_id=plan_id,
              details={"pins": [[p.student_id, p.workplace_id, p.mentor_id]
                                for p in latest.values()]})
        db.commit()
        current = db.scalars(select(Pin).where(Pin.scenario_id == scenario_row.id)
                             .order_by(Pin.id)).all()
        response.headers["Location"] = f"/scenarios/{scenario_row.id}"
        return PinsResult(scenario_id=scenario_row.id, pinned=len(latest),
                          pins=[pin_out(p) for p in current])


@router.get("/plans/{plan_id}/audit", response_model=list[AuditOut],
            responses=problem_responses(401, 403, 404, 422),
            summary="Every solve, refusal and pin that led to this plan or acted on it")
def get_audit(plan_id: DbId, db: DbDep, who: ConsultantDep) -> list[AuditOut]:
    chain: list[StoredPlan] = []
    current: StoredPlan | None = plan_or_404(db, plan_id)
    while current is not None and len(chain) < 10_000:
        chain.append(current)
        current = db.get(StoredPlan, current.parent_id) if current.parent_id else None
    plan_ids = [p.id for p in chain]
    job_ids = [p.job_id for p in chain if p.job_id is not None]
    records = db.scalars(select(AuditRecord).where(or_(
        AuditRecord.plan_id.in_(plan_ids), AuditRecord.result_plan_id.in_(plan_ids),
        AuditRecord.job_id.in_(job_ids))).order_by(AuditRecord.id)).all()
    return [AuditOut(id=r.id, at=r.at, action=r.action,
                     user_id=r.user_id, user_name=r.user_name, role=r.role,
                     scenario_id=r.scenario_id, plan_id=r.plan_id,
                     result_plan_id=r.result_plan_id, job_id=r.job_id,
                     input_hash=r.input_hash, settings=json.loads(r.settings),
                     details=json.loads(r.details)) for r in records]
