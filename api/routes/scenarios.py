"""Scenarios: upload (files or one JSON document), list, read, delete, and solve."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select, update
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.audit import record
from api.deps import ConsultantDep, DbDep, ServicesDep, WriteDbDep
from api.limits import is_json, upload_limits
from api.lineage import current_lineage, input_hash
from api.problems import (
    ApiProblem,
    ProblemItem,
    invalid_scenario,
    problem_responses,
)
from api.records import lock_scenario
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
)
from api.tables import Job, Pin, Refusal, StoredPlan, StoredScenario
from matcher.io import ScenarioError

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
                       mentors=stored.mentors, created_at=stored.created_at)


async def _read_upload(request: Request, limits: UploadLimits
                       ) -> tuple[CanonicalScenario | None, ScenarioError | None, bool]:
    """The body is at most the configured size here (api.limits.RequestLimits)."""
    content_type = request.headers.get("content-type", "")
    if is_json(content_type):
        body = await request.body()
        try:
            document = json.loads(body)
        except RecursionError:
            raise ApiProblem(422, "the JSON document is nested too deeply",
                             kind="invalid-request", title="Invalid request") from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiProblem(422, "the body is not valid JSON", kind="invalid-request",
                             title="Invalid request",
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
            raise ApiProblem(422, f"the multipart body cannot be read: {exc.detail}",
                             kind="invalid-request", title="Invalid request") from None
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
    raise ApiProblem(415, "send multipart/form-data (scenario files) or application/json "
                     "(one document with inline tables)", kind="unsupported-media-type")


@router.post("/scenarios", status_code=201, response_model=ScenarioOut,
             openapi_extra=UPLOAD_BODY,
             responses=problem_responses(401, 403, 413, 415, 422),
             summary="Upload and validate a scenario")
async def create_scenario(request: Request, response: Response, services: ServicesDep,
                          who: ConsultantDep) -> ScenarioOut:
    """Validated by the same code as `matcher validate`; every problem is listed with a
    pointer to file, row and column. Stored with the sha256 of its canonical form."""
    canonical, error, json_document = await _read_upload(
        request, upload_limits(services.settings))
    if error is not None:
        raise invalid_scenario(error, json_document)
    assert canonical is not None
    scenario = canonical.scenario
    with services.sessions() as db:
        stored = StoredScenario(name=scenario.name, content_hash=canonical.content_hash,
                                document=canonical.document, students=len(scenario.students),
                                workplaces=len(scenario.workplaces),
                                mentors=len(scenario.mentors), created_by=who.id)
        db.add(stored)
        db.flush()
        record(db, who, "scenario_upload", scenario_id=stored.id,
               input_hash=canonical.content_hash,
               details={"name": stored.name, "students": stored.students,
                        "workplaces": stored.workplaces, "mentors": stored.mentors})
        db.commit()
        services.scenarios.get_or_build(canonical.content_hash, lambda: scenario)
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
    lock_scenario(db, scenario_id)
    stored = scenario_or_404(db, scenario_id)
    plan_ids = list(db.scalars(select(StoredPlan.id).where(StoredPlan.scenario_id
                                                           == scenario_id)))
    # Running solvers see the cancellation at their next stage and store nothing.
    cancelled = db.scalars(update(Job).where(Job.scenario_id == scenario_id,
                                             Job.state.in_(("queued", "running")))
                           .values(state="cancelled", finished_at=dt.datetime.now(dt.UTC))
                           .returning(Job.id)).all()
    record(db, who, "scenario_delete", scenario_id=scenario_id,
           input_hash=stored.content_hash,
           details={"name": stored.name, "plans": len(plan_ids),
                    "cancelled_jobs": sorted(cancelled)})
    content_hash = stored.content_hash
    db.delete(stored)
    db.commit()
    same_content = db.scalar(select(StoredScenario.id).where(
        StoredScenario.content_hash == content_hash).limit(1))
    services.forget_scenario(plan_ids, None if same_content is not None else content_hash)
    return Response(status_code=204)


@router.delete("/scenarios/{scenario_id}/pins", status_code=204,
               responses=problem_responses(401, 403, 404, 422),
               summary="Stop keeping a student's pinned placement")
def unpin(scenario_id: DbId, db: WriteDbDep, who: ConsultantDep,
          student_id: Annotated[str, Query(min_length=1, max_length=200)]) -> Response:
    """Later solves may place the student elsewhere again; stored plans do not change."""
    lock_scenario(db, scenario_id)
    stored = scenario_or_404(db, scenario_id)
    pin = db.scalar(select(Pin).where(Pin.scenario_id == scenario_id,
                                      Pin.student_id == student_id))
    if pin is None:
        raise ApiProblem(404, f"student {student_id!r} has no pin in this scenario",
                         kind="not-found")
    details = {"student_id": pin.student_id, "workplace_id": pin.workplace_id}
    db.delete(pin)
    db.flush()
    record(db, who, "unpin", scenario_id=scenario_id, settings="{}",
          input_hash=input_hash(stored.content_hash, current_lineage(db, scenario_id), {}),
          details=details)
    db.commit()
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
    lock_scenario(db, scenario_id)
    stored = scenario_or_404(db, scenario_id)
    refusal = db.scalar(select(Refusal).where(Refusal.scenario_id == scenario_id,
                                              Refusal.student_id == student_id,
                                              Refusal.workplace_id == workplace_id))
    if refusal is None:
        raise ApiProblem(404, f"no refusal of student {student_id!r} at workplace "
                         f"{workplace_id!r} in this scenario", kind="not-found")
    db.delete(refusal)
    db.flush()
    record(db, who, "unrefusal", scenario_id=scenario_id, settings="{}",
          input_hash=input_hash(stored.content_hash, current_lineage(db, scenario_id), {}),
          details={"student_id": student_id, "workplace_id": workplace_id})
    db.commit()
    return Response(status_code=204)


@router.post("/scenarios/{scenario_id}/solve", status_code=202, response_model=JobOut,
             responses=problem_responses(401, 403, 404, 422),
             summary="Queue a solve job")
def solve_scenario(scenario_id: DbId, response: Response, db: WriteDbDep,
                   services: ServicesDep, who: ConsultantDep,
                   body: SolveRequest | None = None) -> JobOut:
    """Answers at once with the job (202, `Location: /jobs/{id}`); poll it until `done`.
    An identical submission (same scenario content, pins, refusals and settings) reuses
    the stored plan, or joins the identical job still queued or running."""
    request = body or SolveRequest()
    lock_scenario(db, scenario_id)  # the pins and refusals read below stay in force
    stored = scenario_or_404(db, scenario_id)
    settings = request.model_dump(mode="json")
    settings_text = json.dumps(settings, sort_keys=True)
    lineage = current_lineage(db, scenario_id)
    digest = input_hash(stored.content_hash, lineage, settings)
    now = dt.datetime.now(dt.UTC)

    active = db.scalar(select(Job).where(Job.scenario_id == scenario_id, Job.kind == "solve",
                                         Job.input_hash == digest,
                                         Job.state.in_(("queued", "running")))
                       .order_by(Job.id).limit(1))
    if active is not None:
        record(db, who, "solve", scenario_id=scenario_id, input_hash=digest,
              settings=settings_text, job_id=active.id, details={"joined_job": active.id})
        db.commit()
        response.headers["Location"] = f"/jobs/{active.id}"
        return job_out(active)

    previous = db.scalar(select(Job).where(Job.kind == "solve", Job.input_hash == digest,
                                           Job.state == "done",
                                           Job.plan_id.is_not(None))
                         .order_by((Job.scenario_id == scenario_id).desc(), Job.id.desc())
                         .limit(1))
    previous_plan = db.get(StoredPlan, previous.plan_id) if previous and previous.plan_id \
        else None
    job = Job(scenario_id=scenario_id, state="queued", stage="Queued", progress=0.0,
              settings=settings_text, lineage=lineage.to_json(), input_hash=digest,
              attempts=0, created_by=who.id)
    if previous is not None and previous_plan is not None:
        job.state, job.stage, job.progress = "done", "Done (stored result reused)", 1.0
        job.reused_from = previous.reused_from or previous.id  # the job that solved it
        job.started_at, job.finished_at = now, now
        db.add(job)
        db.flush()
        if previous_plan.scenario_id == scenario_id:
            job.plan_id = previous_plan.id
        else:  # same content uploaded again: copy the plan into this scenario's lineage
            newest = db.scalar(select(StoredPlan.version).where(
                StoredPlan.scenario_id == scenario_id).order_by(StoredPlan.version.desc())
                .limit(1))
            copy = StoredPlan(scenario_id=scenario_id, version=(newest or 0) + 1,
                              parent_id=None, kind="solve", job_id=job.id,
                              document=previous_plan.document, settings=settings_text,
                              lineage=previous_plan.lineage, input_hash=digest, moved="[]",
                              created_by=who.id)
            db.add(copy)
            db.flush()
            job.plan_id = copy.id
    else:
        db.add(job)
        db.flush()
    record(db, who, "solve", scenario_id=scenario_id, input_hash=digest,
          settings=settings_text, job_id=job.id,
          details={"reused_from_job": job.reused_from} if job.reused_from else {})
    db.commit()
    if job.state == "queued":
        services.runner.wake()
    response.headers["Location"] = f"/jobs/{job.id}"
    return job_out(job)
