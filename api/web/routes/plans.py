"""The consultant's plan page: summary, the table of students, unmatched students with
fixes, the map, downloads, pins, proposals and refusals."""

from __future__ import annotations

import concurrent.futures as cf
import io
import json
from typing import Annotated, cast

import pandas as pd
from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import select

from api import worker
from api.cache import LruCache
from api.deps import ServicesDep
from api.export import CSV_MEDIA_TYPE, plan_csv
from api.problems import ApiProblem
from api.routes import plans as plan_routes
from api.routes.common import DbId, plan_or_404, scenario_or_404
from api.schemas import PinRequest, RefusalRequest
from api.services import PlanContext, Services
from api.tables import Pin, Proposal, StoredPlan
from api.views import plan_view
from api.web.deps import CsrfUserDep, WebConsultantDep
from api.web.plan_view import (
    StudentRow,
    TableQuery,
    group_summary,
    map_points,
    provinces_of,
    sectors_of,
    student_rows,
    table_page,
)
from api.web.routes.common import go_to
from api.web.routes.consultant import consultant
from api.web.templating import render

router = APIRouter()
MAP_STUDENT_LIMIT = 5_000  # points a laptop's browser draws smoothly
MAP_WORKPLACE_LIMIT = 5_000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stored(services: Services, plan_id: int) -> StoredPlan:
    with services.sessions() as db:
        return plan_or_404(db, plan_id)


def _rows(request: Request, context: PlanContext, stored: StoredPlan) -> list[StudentRow]:
    """Every student's row, built once per plan: filtering and sorting reuse them."""
    cache: LruCache[int, list[StudentRow]] = request.app.state.web_rows
    return cache.get_or_build(stored.id, lambda: student_rows(
        context, set(json.loads(stored.moved))))


def _query(text: str, status: str, tier: str, sector: str, province: str, sort: str,
           order: str, page: int) -> TableQuery:
    return TableQuery(text=text.strip(), status=status, tier=tier, sector=sector,
                      province=province, sort=sort, descending=order == "desc", page=page)


@router.get("/plans/{plan_id}")
def plan_page(plan_id: DbId, request: Request, services: ServicesDep, user: WebConsultantDep,
              status: str = "all") -> Response:
    stored = _stored(services, plan_id)
    context = services.plan_context(plan_id)
    rows = _rows(request, context, stored)
    with services.sessions() as db:
        scenario_row = scenario_or_404(db, stored.scenario_id)
        parent = db.get(StoredPlan, stored.parent_id) if stored.parent_id else None
        newer = db.scalars(select(StoredPlan).where(StoredPlan.parent_id == plan_id)).all()
        pins = {p.student_id: p.workplace_id for p in db.scalars(
            select(Pin).where(Pin.scenario_id == stored.scenario_id)).all()}
        proposals = db.scalars(select(Proposal).where(Proposal.plan_id == plan_id)
                               .order_by(Proposal.id)).all()
    query = TableQuery(status=status)
    return render(request, "plan.html", user, stored=stored, scenario_row=scenario_row,
                  parent=parent, newer=newer, plan=context.plan, rows=rows,
                  summary=group_summary(rows, context), table=table_page(rows, query),
                  query=query, sectors=sectors_of(rows), provinces=provinces_of(rows),
                  pins=pins, proposals=proposals, moved=json.loads(stored.moved),
                  unmatched=[r for r in rows if not r.placed],
                  map_tiles_url=services.settings.map_tiles_url)


@router.get("/plans/{plan_id}/table")
def plan_table(plan_id: DbId, request: Request, services: ServicesDep, user: WebConsultantDep,
               q: str = "", status: str = "all", tier: str = "", sector: str = "",
               province: str = "", sort: str = "student_id", order: str = "asc",
               page: Annotated[int, Query(ge=1, le=10**6)] = 1) -> Response:
    stored = _stored(services, plan_id)
    context = services.plan_context(plan_id)
    rows = _rows(request, context, stored)
    query = _query(q, status, tier, sector, province, sort, order, page)
    with services.sessions() as db:
        pins = {p.student_id: p.workplace_id for p in db.scalars(
            select(Pin).where(Pin.scenario_id == stored.scenario_id)).all()}
    return render(request, "fragments/plan_table.html", user, stored=stored,
                  table=table_page(rows, query), query=query, pins=pins)


@router.get("/plans/{plan_id}/fixes")
def plan_fixes(plan_id: DbId, request: Request, services: ServicesDep,
               user: WebConsultantDep) -> Response:
    """Verified fixes for the unmatched students (re-solves; cached per plan)."""
    analysis = _analysis(services, plan_id)
    return render(request, "fragments/fixes.html", user, fixes=analysis.fixes)


def _analysis(services: Services, plan_id: int) -> worker.PlanAnalysis:
    _stored(services, plan_id)

    def build() -> worker.PlanAnalysis:
        future = services.runner.run(worker.analyse_plan, services.database_url, plan_id)
        try:
            return future.result(timeout=services.settings.replan_timeout_seconds)
        except cf.TimeoutError:
            raise ApiProblem(503, "the analysis took too long; try again later",
                             kind="analysis-timeout") from None

    return services.analyses.get_or_build(plan_id, build)


@router.get("/plans/{plan_id}/report.html")
def plan_report(plan_id: DbId, services: ServicesDep, user: WebConsultantDep) -> Response:
    analysis = _analysis(services, plan_id)
    return HTMLResponse(analysis.report_html, headers={
        "Content-Disposition": f'attachment; filename="plan-{plan_id}-report.html"'})


@router.get("/plans/{plan_id}/map.json")
def plan_map(plan_id: DbId, request: Request, services: ServicesDep,
             user: WebConsultantDep) -> Response:
    stored = _stored(services, plan_id)
    context = services.plan_context(plan_id)
    rows = _rows(request, context, stored)
    points = map_points(context, rows)
    students = [p for p in points if p["kind"] != "workplace"]
    shown = sorted(students, key=lambda p: p["kind"] != "unmatched")[:MAP_STUDENT_LIMIT]
    # workplaces with a shown student first, then the others, up to the limit
    used: set[tuple[float, ...]] = {tuple(cast(list[float], p["to"])) for p in shown
                                    if "to" in p}
    workplaces = sorted((p for p in points if p["kind"] == "workplace"),
                        key=lambda p: (p["lat"], p["lon"]) not in used)[:MAP_WORKPLACE_LIMIT]
    return JSONResponse({"points": workplaces + shown, "students": len(students),
                         "students_shown": len(shown),
                         "workplaces": len(points) - len(students),
                         "workplaces_shown": len(workplaces)})


def _download_name(plan_id: int, suffix: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="plan-{plan_id}.{suffix}"'}


@router.get("/plans/{plan_id}/plan.csv")
def download_csv(plan_id: DbId, services: ServicesDep, user: WebConsultantDep) -> Response:
    view = plan_view(user.principal, services.plan_context(plan_id).plan, None)
    return Response(plan_csv(view), media_type=CSV_MEDIA_TYPE,
                    headers=_download_name(plan_id, "csv"))


@router.get("/plans/{plan_id}/plan.json")
def download_json(plan_id: DbId, services: ServicesDep, user: WebConsultantDep) -> Response:
    stored = _stored(services, plan_id)
    return Response(stored.document, media_type="application/json",
                    headers=_download_name(plan_id, "json"))


@router.get("/plans/{plan_id}/plan.xlsx")
def download_xlsx(plan_id: DbId, request: Request, services: ServicesDep,
                  user: WebConsultantDep) -> Response:
    """Two sheets: placements (with the cost parts) and unmatched students."""
    stored = _stored(services, plan_id)
    rows = _rows(request, services.plan_context(plan_id), stored)
    placed = pd.DataFrame([{
        "student_id": r.student_id, "programme": r.programme, "priority": r.tier,
        "workplace_id": r.workplace_id, "employer": r.employer, "sector": r.sector,
        "mentor_id": r.mentor_id, "cost": r.cost, "wish": r.wish, "competence": r.competence,
        "travel": r.travel, "pinned": r.pinned} for r in rows if r.placed])
    unmatched = pd.DataFrame([{
        "student_id": r.student_id, "programme": r.programme, "priority": r.tier,
        "reason": r.reason, "detail": r.detail} for r in rows if not r.placed])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        placed.to_excel(writer, sheet_name="plaatsingen", index=False)
        unmatched.to_excel(writer, sheet_name="niet geplaatst", index=False)
    return Response(buffer.getvalue(), media_type=XLSX_MEDIA_TYPE,
                    headers=_download_name(plan_id, "xlsx"))


@router.post("/plans/{plan_id}/pins")
def pin(plan_id: DbId, request: Request, services: ServicesDep, user: CsrfUserDep,
        student_id: Annotated[str, Form()], workplace_id: Annotated[str, Form()],
        mentor_id: Annotated[str, Form()] = "") -> Response:
    """Accept a placement: it is kept in every later solve of the scenario."""
    consultant(user)
    plan_routes.pin(plan_id, [PinRequest(student_id=student_id, workplace_id=workplace_id,
                                         mentor_id=mentor_id or None)],
                    Response(), services, user.principal)
    return render(request, "fragments/pinned.html", user, student_id=student_id,
                  workplace_id=workplace_id)


@router.post("/plans/{plan_id}/refusals")
def refuse(plan_id: DbId, request: Request, services: ServicesDep, user: CsrfUserDep,
           student_id: Annotated[str, Form()], workplace_id: Annotated[str, Form()],
           reason: Annotated[str, Form()] = "") -> Response:
    """Record that the student or the workplace refused, and show the re-plan."""
    consultant(user)
    result = plan_routes.refuse(plan_id, RefusalRequest(student_id=student_id,
                                                        workplace_id=workplace_id,
                                                        reason=reason.strip()),
                                Response(), services, user.principal)
    return go_to(request, f"/ui/plans/{result.plan_id}?status=moved"
                 if result.moved_count else f"/ui/plans/{result.plan_id}")
