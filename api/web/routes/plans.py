"""The consultant's plan page: summary, the table of students, unmatched students with
fixes, the map, downloads, pins, proposals and refusals."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from typing import Annotated, Any, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from api import worker
from api.cache import LruCache
from api.deps import ServicesDep
from api.export import CsvDialectQuery, conflicts_csv, plan_csv
from api.lineage import Lineage
from api.operations import plans as plan_operations
from api.operations import proposals as proposal_operations
from api.problems import ApiProblem
from api.routes.common import MAX_DB_ID, DbId, plan_or_404, scenario_or_404
from api.schemas import PinRequest, RefusalRequest
from api.services import PlanContext, Services
from api.tables import Job, Pin, Proposal, StoredPlan
from api.views import plan_view
from api.web.analyses import AnalysisState, plan_analysis
from api.web.deps import CsrfConsultantDep, WebConsultantDep, WebUser
from api.web.diff_view import diff_rows
from api.web.plan_view import (
    Earlier,
    PlanRows,
    StudentRow,
    TableQuery,
    map_points,
    plan_rows,
    table_page,
)
from api.web.routes.common import JOB_PAGE_WAIT_S, go_to, job_when_over, plan_address
from api.web.templating import is_htmx, page_lang, render
from matcher.diff import plan_changes, student_priorities
from matcher.exports import (
    Names,
    assignments_table,
    conflicts_table,
    sheet_rows,
    unmatched_table,
)
from matcher.messages import Message
from matcher.messages import render as render_message
from models.plan import Plan

router = APIRouter()
MAP_STUDENT_LIMIT = 5_000  # points a laptop's browser draws smoothly
MAP_WORKPLACE_LIMIT = 5_000
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stored(services: Services, plan_id: int) -> StoredPlan:
    """The stored plan without its plan.json (megabytes: the pages read the parsed plan
    of its context; ``_with_document`` for the downloads)."""
    with services.sessions() as db:
        return plan_or_404(db, plan_id, with_document=False)


def _with_document(services: Services, plan_id: int) -> StoredPlan:
    with services.sessions() as db:
        return plan_or_404(db, plan_id)


def _plan_rows(request: Request, context: PlanContext, stored: StoredPlan,
               user: WebUser) -> PlanRows:
    """Every student's row, built once per plan: filtering and sorting reuse them. Rows
    are marked with their change since the previous version (a refusal's parent)."""
    cache: LruCache[int, PlanRows] = request.app.state.web_rows
    services: Services = request.app.state.services

    def build() -> PlanRows:
        with services.sessions() as db:
            base = services.scenario(scenario_or_404(db, stored.scenario_id))
        # the changes since the previous version, as the comparison of the two shows them
        changes = plan_changes(services.parsed_plan(stored.parent_id), context.plan,
                               student_priorities(base)) if stored.parent_id else None
        return plan_rows(context, changes, base, _earlier(services, cache, stored.parent_id))

    return cache.get_or_build(stored.id, build)


def _earlier(services: Services, cache: LruCache[int, PlanRows], plan_id: int | None
             ) -> Earlier | None:
    """The previous version's rows, when they and its context are still cached (the
    consultant refused on its page): the new plan's rows reuse the unchanged ones."""
    if plan_id is None:
        return None
    context, rows = services.plans.peek(plan_id), cache.peek(plan_id)
    return None if context is None or rows is None else Earlier(context, rows.rows)


def _rows(request: Request, context: PlanContext, stored: StoredPlan,
          user: WebUser) -> list[StudentRow]:
    return _plan_rows(request, context, stored, user).rows


def table_query(q: Annotated[str, Query(max_length=1000)] = "", status: str = "all",
                tier: str = "", sector: str = "", province: str = "",
                sort: str = "student_id", order: str = "asc",
                page: Annotated[int, Query(le=10**6)] = 1) -> TableQuery:
    """The table's filters, sort and page, from the address (so a reload keeps them)."""
    return TableQuery(text=q.strip(), status=status, tier=tier, sector=sector,
                      province=province, sort=sort, descending=order == "desc", page=page)


TableQueryDep = Annotated[TableQuery, Depends(table_query)]


@router.get("/plans/{plan_id}")
def plan_page(plan_id: DbId, request: Request, services: ServicesDep, user: WebConsultantDep,
              query: TableQueryDep) -> Response:
    stored = _stored(services, plan_id)
    context = services.plan_context(plan_id, suggestions=False)
    derived = _plan_rows(request, context, stored, user)
    rows = derived.rows
    changes = diff_rows(derived.changes, context.scenario) if derived.changes else []
    with services.sessions() as db:
        scenario_row = scenario_or_404(db, stored.scenario_id)
        parent = plan_or_404(db, stored.parent_id, with_document=False) \
            if stored.parent_id else None
        newer = db.scalars(select(StoredPlan).where(StoredPlan.parent_id == plan_id)
                           .options(defer(StoredPlan.document))).all()
        pins = _pins_in_force(db, stored.scenario_id)
        proposals = db.scalars(select(Proposal).where(Proposal.plan_id == plan_id)
                               .order_by(Proposal.id)).all()
        refusal = _refusal_behind(db, plan_id)
    return render(request, "plan.html", user, stored=stored, scenario_row=scenario_row,
                  parent=parent, newer=newer, plan=context.plan, rows=rows,
                  summary=derived.summary, table=table_page(rows, query),
                  query=query, provinces=derived.provinces,
                  pins=pins, proposals=proposals, changes=changes,
                  refusal=refusal,
                  refusals_in_force=len(Lineage.from_json(stored.lineage).refusals),
                  unmatched=[r for r in rows if not r.placed],
                  map_tiles_url=services.settings.map_tiles_url)


def _refusal_behind(db: Session, plan_id: int) -> dict[str, Any] | None:
    """The refusal that made this plan (student_id, workplace_id), if any."""
    job_id = db.scalar(select(StoredPlan.job_id).where(StoredPlan.id == plan_id))
    job = db.get(Job, job_id) if job_id else None
    refusal = json.loads(job.request).get("refusal") if job is not None else None
    return None if refusal is None else {"student_id": refusal[0], "workplace_id": refusal[1]}


def _pins_in_force(db: Session, scenario_id: int) -> dict[str, str]:
    """Workplace per pinned student: the pins the next solve will keep."""
    return {p.student_id: p.workplace_id for p in db.scalars(
        select(Pin).where(Pin.scenario_id == scenario_id)).all()}


@router.get("/plans/{plan_id}/table")
def plan_table(plan_id: DbId, request: Request, services: ServicesDep, user: WebConsultantDep,
               query: TableQueryDep) -> Response:
    stored = _stored(services, plan_id)
    context = services.plan_context(plan_id, suggestions=False)
    rows = _rows(request, context, stored, user)
    with services.sessions() as db:
        pins = _pins_in_force(db, stored.scenario_id)
    response = render(request, "fragments/plan_table.html", user, stored=stored,
                      table=table_page(rows, query), query=query, pins=pins, oob=True)
    params = urlencode(query.as_params())
    response.headers["HX-Replace-Url"] = f"/ui/plans/{plan_id}" + (f"?{params}" if params
                                                                   else "")
    return response


JobQuery = Annotated[int | None, Query(ge=1, le=MAX_DB_ID)]


@router.get("/plans/{plan_id}/fixes")
def plan_fixes(plan_id: DbId, request: Request, services: ServicesDep, user: WebConsultantDep,
               job: JobQuery = None) -> Response:
    """Verified fixes for the unmatched students. They take re-solves (minutes for a
    large scenario), so they are an analysis job; while it runs the answer says so and
    the page asks again for that job."""
    stored = _stored(services, plan_id)
    analysis = plan_analysis(services, plan_id, user.principal.id, job)
    if analysis.busy:
        return render(request, "fragments/fixes_busy.html", user, plan_id=plan_id,
                      job_id=analysis.job_id)
    return render(request, "fragments/fixes.html", user, fixes=_finished(analysis).fixes,
                  scenario_id=stored.scenario_id)


def _finished(analysis: AnalysisState) -> worker.PlanAnalysis:
    if analysis.analysis is None:  # failed or cancelled: asking again starts afresh
        raise ApiProblem(503, Message("api.analysis_failed",
                                      error=analysis.error or Message(f"job.{analysis.state}")),
                         kind="analysis-failed")
    return analysis.analysis


@router.get("/plans/{plan_id}/report.html")
def plan_report(plan_id: DbId, request: Request, services: ServicesDep,
                user: WebConsultantDep, job: JobQuery = None) -> Response:
    """A download once the analysis (shared with the fixes) is there; until then a page
    that asks again for it, then offers the download."""
    _stored(services, plan_id)
    analysis = plan_analysis(services, plan_id, user.principal.id, job)
    if analysis.busy or is_htmx(request):
        if analysis.state in ("failed", "cancelled"):
            _finished(analysis)
        return render(request, "report_busy.html" if not is_htmx(request) else
                      "fragments/report_busy.html", user, plan_id=plan_id,
                      job_id=analysis.job_id, ready=not analysis.busy,
                      status_code=202 if analysis.busy else 200)
    return HTMLResponse(_finished(analysis).report_html[page_lang(request)], headers={
        "Content-Disposition": f'attachment; filename="plan-{plan_id}-report.html"'})


@router.get("/plans/{plan_id}/map.json")
def plan_map(plan_id: DbId, request: Request, services: ServicesDep,
             user: WebConsultantDep) -> Response:
    stored = _stored(services, plan_id)
    context = services.plan_context(plan_id, suggestions=False)
    rows = _rows(request, context, stored, user)
    points = map_points(context, rows, page_lang(request))
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


def _plan_and_names(services: Services, plan_id: int) -> tuple[Plan, Names]:
    stored = _with_document(services, plan_id)
    with services.sessions() as db:
        scenario = services.scenario(scenario_or_404(db, stored.scenario_id))
    return Plan.model_validate_json(stored.document), Names.of(scenario)


@router.get("/plans/{plan_id}/plan.csv")
def download_csv(plan_id: DbId, request: Request, services: ServicesDep,
                 user: WebConsultantDep, csv_dialect: CsvDialectQuery = None) -> Response:
    """Every student, in the page's language (and by default its dialect)."""
    plan, names = _plan_and_names(services, plan_id)
    response = plan_csv(plan_view(user.principal, plan, None), names, page_lang(request),
                        csv_dialect)
    response.headers.update(_download_name(plan_id, "csv"))
    return response


@router.get("/plans/{plan_id}/conflicts.csv")
def download_conflicts(plan_id: DbId, request: Request, services: ServicesDep,
                       user: WebConsultantDep, csv_dialect: CsvDialectQuery = None
                       ) -> Response:
    plan, names = _plan_and_names(services, plan_id)
    response = conflicts_csv(plan, names, page_lang(request), csv_dialect)
    response.headers.update({
        "Content-Disposition": f'attachment; filename="plan-{plan_id}-conflicts.csv"'})
    return response


@router.get("/plans/{plan_id}/plan.json")
def download_json(plan_id: DbId, services: ServicesDep, user: WebConsultantDep) -> Response:
    stored = _with_document(services, plan_id)
    return Response(stored.document, media_type="application/json",
                    headers=_download_name(plan_id, "json"))


@router.get("/plans/{plan_id}/plan.xlsx")
def download_xlsx(plan_id: DbId, request: Request, services: ServicesDep,
                  user: WebConsultantDep) -> Response:
    """Three sheets, the tables of ``matcher solve``'s CSV files: placements (with the cost
    parts), unmatched students and conflicts, in the page's language."""
    plan, names = _plan_and_names(services, plan_id)
    lang = page_lang(request)
    book = Workbook(write_only=True)  # streams rows: 4x faster than through pandas
    for sheet_name, table in (("csv.sheet_assignments", assignments_table(plan, names, lang)),
                              ("csv.sheet_unmatched", unmatched_table(plan, names, lang)),
                              ("csv.sheet_conflicts", conflicts_table(plan, names))):
        sheet = book.create_sheet(render_message(Message(sheet_name), lang))
        heading, rows = sheet_rows(table, lang)
        sheet.append(_cells(sheet, heading))
        for row in rows:
            sheet.append(_cells(sheet, row))
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), media_type=XLSX_MEDIA_TYPE,
                    headers=_download_name(plan_id, "xlsx"))


def _cells(sheet: Any, values: Sequence[object]) -> list[object]:
    """Text stays text: a name from an uploaded file that starts with '=' must not become
    a formula in the consultant's spreadsheet."""
    cells: list[object] = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells


@router.post("/plans/{plan_id}/pins")
def pin(plan_id: DbId, request: Request, services: ServicesDep, user: CsrfConsultantDep,
        student_id: Annotated[str, Form()], workplace_id: Annotated[str, Form()],
        mentor_id: Annotated[str, Form()] = "") -> Response:
    """Accept a placement: it is kept in every later solve of the scenario. Pins beyond
    the workplace's seats are allowed (the engine keeps them as capacity conflicts), so
    the answer says when this pin is one too many."""
    result = plan_operations.pin(services, user.principal, plan_id,
                                 [PinRequest(student_id=student_id, workplace_id=workplace_id,
                                             mentor_id=mentor_id or None)])
    context = services.plan_context(plan_id, suggestions=False)
    position = context.workplace_index.get(workplace_id)
    seats = int(context.scenario.workplaces.seats[position]) if position is not None else 0
    pinned_here = sum(1 for p in result.pins if p.workplace_id == workplace_id)
    return render(request, "fragments/pinned.html", user, student_id=student_id,
                  workplace_id=workplace_id, seats=seats, pinned_here=pinned_here,
                  job_id=result.job_id)


@router.post("/plans/{plan_id}/proposals/{proposal_id}/dismiss")
def dismiss_proposal(plan_id: DbId, proposal_id: DbId, services: ServicesDep,
                     user: CsrfConsultantDep) -> Response:
    with services.write_sessions() as db:
        proposal_operations.dismiss_proposal(db, user.principal, plan_id, proposal_id)
    return Response("", media_type="text/html")  # htmx removes the row


@router.post("/plans/{plan_id}/refusals")
def refuse(plan_id: DbId, request: Request, services: ServicesDep, user: CsrfConsultantDep,
           student_id: Annotated[str, Form()], workplace_id: Annotated[str, Form()],
           reason: Annotated[str, Form()] = "") -> Response:
    """Record that the student or the workplace refused, and open the new plan once the
    re-plan job made it (within ``JOB_PAGE_WAIT_S``), else the job's page, which opens it
    when it is there."""
    job = plan_operations.refuse(services, user.principal, plan_id,
                                 RefusalRequest(student_id=student_id, workplace_id=workplace_id,
                                                reason=reason.strip()))
    job = job_when_over(services, job.id, JOB_PAGE_WAIT_S)
    if job.state == "done" and job.plan_id is not None:
        return go_to(request, plan_address(job))
    return go_to(request, f"/ui/jobs/{job.id}")
