"""Scenarios: upload (files or one JSON document), list, read, delete, and solve."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import ConsultantDep, DbDep, ServicesDep, WriteDbDep
from api.limits import is_json, upload_limits
from api.operations import scenarios as scenario_operations
from api.operations import versions as version_operations
from api.problems import (
    ApiProblem,
    ProblemItem,
    invalid_scenario,
    problem_responses,
    request_lang,
)
from api.routes.common import DbId, job_out, plan_kind, scenario_or_404
from api.scenario_store import (
    CanonicalScenario,
    UploadLimits,
    ingest_document,
    ingest_files,
)
from api.schemas import (
    JobOut,
    PinOut,
    PlanRef,
    RefusalOut,
    ScenarioDetail,
    ScenarioOut,
    SolveRequest,
    VersionOut,
)
from api.services import Services
from api.tables import Pin, Refusal, StoredPlan, StoredScenario
from matcher.io import ScenarioError
from matcher.messages import Message

router = APIRouter(tags=["scenarios"])
MAX_UPLOAD_FILES = 20

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "Either the files of a scenario folder (scenario.yaml and its tables "
                       "as CSV, xlsx or parquet) as multipart form data, or one JSON "
                       "document with every table inlined as a list of records.",
        "content": {
            "multipart/form-data": {"schema": {
                "type": "object",
                "properties": {"files": {"type": "array",
                                         "items": {"type": "string", "format": "binary"}}},
                "required": ["files"],
            }},
            "application/json": {"schema": {
                "type": "object",
                "properties": {
                    "format_version": {"type": "integer"},
                    "name": {"type": "string"},
                    "reference_date": {"type": "string", "format": "date"},
                    "tables": {"type": "object", "additionalProperties": {
                        "type": "array", "items": {"type": "object"}}},
                    "policy": {"type": "object"},
                    "weights": {"type": "object"},
                },
                "required": ["format_version", "reference_date", "tables"],
            }},
        },
    }
}


def scenario_out(stored: StoredScenario) -> ScenarioOut:
    return ScenarioOut(id=stored.id, name=stored.name, content_hash=stored.content_hash,
                       students=stored.students, workplaces=stored.workplaces,
                       mentors=stored.mentors, created_at=stored.created_at,
                       parent_id=stored.parent_id, base_plan_id=stored.base_plan_id,
                       changes=json.loads(stored.changes) if stored.changes else None)


async def _read_upload(request: Request, limits: UploadLimits
                       ) -> tuple[CanonicalScenario | None, ScenarioError | None, bool]:
    """The body is at most the configured size here (api.limits.RequestLimits)."""
    content_type = request.headers.get("content-type", "")
    if is_json(content_type):
        body = await request.body()
        try:
            document = json.loads(body)
        except RecursionError:
            raise ApiProblem(422, Message("api.json_too_deep"), kind="invalid-request",
                             title=Message("api.request_invalid_title")) from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiProblem(422, Message("api.body_not_json"), kind="invalid-request",
                             title=Message("api.request_invalid_title"),
                             errors=[ProblemItem(detail=str(exc), pointer="")]) from None
        del body
        try:
            # parsing takes seconds for a large scenario: off the event loop
            return await run_in_threadpool(ingest_document, document, limits), None, True
        except ScenarioError as exc:
            return None, exc.with_traceback(None), True  # frees the upload at once
    if content_type.split(";")[0].strip().lower() == "multipart/form-data":
        try:
            form = await request.form(max_files=MAX_UPLOAD_FILES, max_fields=MAX_UPLOAD_FILES)
        except StarletteHTTPException as exc:
            if exc.status_code == 413:
                raise
            raise ApiProblem(422, Message("api.multipart_unreadable", error=str(exc.detail)),
                             kind="invalid-request",
                             title=Message("api.request_invalid_title")) from None
        files: list[tuple[str, bytes]] = []
        try:
            for _, value in form.multi_items():
                if isinstance(value, UploadFile):
                    files.append((value.filename or "", await value.read()))
        finally:
            await form.close()
        try:
            return await run_in_threadpool(ingest_files, files, limits), None, False
        except ScenarioError as exc:
            return None, exc.with_traceback(None), False  # frees the upload at once
    raise ApiProblem(415, Message("api.wrong_media_type"), kind="unsupported-media-type")


async def read_scenario(request: Request, services: Services) -> CanonicalScenario:
    """The uploaded scenario, validated (the JSON route and the web page read it alike);
    an invalid one is a 422 listing every problem."""
    canonical, error, json_document = await _read_upload(
        request, upload_limits(services.settings))
    if error is not None:
        raise invalid_scenario(error, json_document)
    assert canonical is not None
    return canonical


@router.post("/scenarios", status_code=201, response_model=ScenarioOut,
             openapi_extra=UPLOAD_BODY,
             responses=problem_responses(401, 403, 413, 415, 422),
             summary="Upload and validate a scenario")
async def create_scenario(request: Request, response: Response, services: ServicesDep,
                          who: ConsultantDep) -> ScenarioOut:
    """Validated by the same code as `matcher validate`; every problem is listed with a
    pointer to file, row and column. Stored with the sha256 of its canonical form."""
    canonical = await read_scenario(request, services)
    stored = scenario_operations.store_scenario(services, who, canonical)
    response.headers["Location"] = f"/scenarios/{stored.id}"
    return scenario_out(stored)


@router.get("/scenarios", response_model=list[ScenarioOut],
            responses=problem_responses(401, 403), summary="List stored scenarios")
def list_scenarios(db: DbDep, who: ConsultantDep) -> list[ScenarioOut]:
    rows = db.scalars(select(StoredScenario).order_by(StoredScenario.id)).all()
    return [scenario_out(row) for row in rows]


@router.get("/scenarios/{scenario_id}", response_model=ScenarioDetail,
            responses=problem_responses(401, 403, 404, 422),
            summary="A scenario with its pins, refusals and plans")
def get_scenario(scenario_id: DbId, db: DbDep, who: ConsultantDep) -> ScenarioDetail:
    stored = scenario_or_404(db, scenario_id)
    pins = db.scalars(select(Pin).where(Pin.scenario_id == scenario_id).order_by(Pin.id)).all()
    refusals = db.scalars(select(Refusal).where(Refusal.scenario_id == scenario_id)
                          .order_by(Refusal.id)).all()
    plans = db.scalars(select(StoredPlan).where(StoredPlan.scenario_id == scenario_id)
                       .order_by(StoredPlan.version)).all()
    return ScenarioDetail(
        **scenario_out(stored).model_dump(),
        pins=[pin_out(p) for p in pins],
        refusals=[RefusalOut(student_id=r.student_id, workplace_id=r.workplace_id,
                             reason=r.reason, plan_id=r.plan_id, created_at=r.created_at)
                  for r in refusals],
        plans=[PlanRef(id=p.id, scenario_id=p.scenario_id, version=p.version, parent_id=p.parent_id,
                       kind=plan_kind(p),
                       created_at=p.created_at) for p in plans],
    )


def pin_out(pin: Pin) -> PinOut:
    return PinOut(student_id=pin.student_id, workplace_id=pin.workplace_id,
                  mentor_id=pin.mentor_id, plan_id=pin.plan_id, created_at=pin.created_at)


@router.delete("/scenarios/{scenario_id}", status_code=204,
               responses=problem_responses(401, 403, 404, 422),
               summary="Delete a scenario, its jobs and plans (the audit trail stays)")
def delete_scenario(scenario_id: DbId, db: WriteDbDep, services: ServicesDep,
                    who: ConsultantDep) -> Response:
    scenario_operations.delete_scenario(db, services, who, scenario_id)
    return Response(status_code=204)


@router.delete("/scenarios/{scenario_id}/pins", status_code=204,
               responses=problem_responses(401, 403, 404, 422),
               summary="Stop keeping a student's pinned placement")
def unpin(scenario_id: DbId, db: WriteDbDep, who: ConsultantDep,
          student_id: Annotated[str, Query(min_length=1, max_length=200)]) -> Response:
    """Later solves may place the student elsewhere again; stored plans do not change."""
    scenario_operations.unpin(db, who, scenario_id, student_id)
    return Response(status_code=204)


@router.delete("/scenarios/{scenario_id}/refusals", status_code=204,
               responses=problem_responses(401, 403, 404, 422),
               summary="Withdraw a refusal: the pair may be proposed again")
def withdraw_refusal(scenario_id: DbId, db: WriteDbDep, who: ConsultantDep,
                     student_id: Annotated[str, Query(min_length=1, max_length=200)],
                     workplace_id: Annotated[str, Query(min_length=1, max_length=200)]
                     ) -> Response:
    """Later solves may place the student at the workplace again; stored plans do not
    change."""
    scenario_operations.withdraw_refusal(db, who, scenario_id, student_id, workplace_id)
    return Response(status_code=204)


@router.post("/scenarios/{scenario_id}/solve", status_code=202, response_model=JobOut,
             responses=problem_responses(401, 403, 404, 422),
             summary="Queue a solve job")
def solve_scenario(scenario_id: DbId, request: Request, response: Response, db: WriteDbDep,
                   services: ServicesDep, who: ConsultantDep,
                   body: SolveRequest | None = None) -> JobOut:
    """Answers at once with the job (202, `Location: /jobs/{id}`); poll it until `done`.
    An identical submission (same scenario content, pins, refusals and settings) reuses
    the stored plan, or joins the identical job still queued or running."""
    job = scenario_operations.solve(db, services, who, scenario_id, body or SolveRequest())
    response.headers["Location"] = f"/jobs/{job.id}"
    return job_out(job, request_lang(request))


@router.post("/scenarios/{scenario_id}/versions", status_code=201, response_model=VersionOut,
             responses=problem_responses(401, 403, 404, 409, 422),
             summary="Try a what-if: a new scenario version made by a change set, solved")
def create_version(scenario_id: DbId, request: Request, response: Response, db: WriteDbDep,
                   services: ServicesDep, who: ConsultantDep,
                   body: Annotated[dict[str, Any], Body(description=(
                       "A change set, as the change file of docs/scenario-format.md: "
                       "`{\"note\": \"…\", \"changes\": [{\"kind\": \"seats\", "
                       "\"workplace\": \"W12\", \"add\": 1}, …]}`, and optionally "
                       "`base_plan_id`, the plan to compare with (default: the scenario's "
                       "newest plan)."))]) -> VersionOut:
    """Stores a new scenario made by the changes (the scenario itself is untouched), with
    its lineage, and queues its solve (202-style: poll `job`). A change set with mistakes
    is a 422 with a pointer per mistake (`/changes/2/workplace`), and nothing is stored."""
    change_set, base_plan_id = version_operations.read_change_set(body)
    made = version_operations.create_version(db, services, who, scenario_id, change_set,
                                             base_plan_id)
    response.headers["Location"] = f"/scenarios/{made.scenario.id}"
    return VersionOut(scenario=scenario_out(made.scenario),
                      job=job_out(made.job, request_lang(request)))
