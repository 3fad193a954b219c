"""Scenarios: store an upload, delete one, queue a solve, release a pin, withdraw a
refusal."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api import job_texts
from api.audit import record
from api.auth import Principal
from api.lineage import current_lineage, input_hash
from api.problems import ApiProblem
from api.records import lock_scenario
from api.routes.common import scenario_or_404
from api.scenario_store import CanonicalScenario
from api.schemas import SolveRequest
from api.services import Services
from api.tables import Job, Pin, Refusal, StoredPlan, StoredScenario
from matcher.messages import Message


def store_scenario(services: Services, who: Principal,
                   canonical: CanonicalScenario) -> StoredScenario:
    """Store a validated upload with the sha256 of its canonical form."""
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
        return stored


def delete_scenario(db: Session, services: Services, who: Principal, scenario_id: int) -> None:
    """The scenario with its jobs and plans; the audit trail stays."""
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


def unpin(db: Session, who: Principal, scenario_id: int, student_id: str) -> None:
    """Later solves may place the student elsewhere again; stored plans do not change."""
    lock_scenario(db, scenario_id)
    stored = scenario_or_404(db, scenario_id)
    pin = db.scalar(select(Pin).where(Pin.scenario_id == scenario_id,
                                      Pin.student_id == student_id))
    if pin is None:
        raise ApiProblem(404, Message("api.no_pin", student=student_id),
                         kind="not-found")
    details = {"student_id": pin.student_id, "workplace_id": pin.workplace_id}
    db.delete(pin)
    db.flush()
    record(db, who, "unpin", scenario_id=scenario_id, settings="{}",
           input_hash=input_hash(stored.content_hash, current_lineage(db, scenario_id), {}),
           details=details)
    db.commit()


def withdraw_refusal(db: Session, who: Principal, scenario_id: int, student_id: str,
                     workplace_id: str) -> None:
    """Later solves may place the student at the workplace again; stored plans do not
    change."""
    lock_scenario(db, scenario_id)
    stored = scenario_or_404(db, scenario_id)
    refusal = db.scalar(select(Refusal).where(Refusal.scenario_id == scenario_id,
                                              Refusal.student_id == student_id,
                                              Refusal.workplace_id == workplace_id))
    if refusal is None:
        raise ApiProblem(404, Message("api.no_refusal", student=student_id,
                                      workplace=workplace_id), kind="not-found")
    db.delete(refusal)
    db.flush()
    record(db, who, "unrefusal", scenario_id=scenario_id, settings="{}",
           input_hash=input_hash(stored.content_hash, current_lineage(db, scenario_id), {}),
           details={"student_id": student_id, "workplace_id": workplace_id})
    db.commit()


def solve(db: Session, services: Services, who: Principal, scenario_id: int,
          request: SolveRequest) -> Job:
    """A queued solve job. An identical submission (same scenario content, pins, refusals
    and settings) reuses the stored plan, or joins the identical job still queued or
    running."""
    lock_scenario(db, scenario_id)  # the pins and refusals read below stay in force
    stored = scenario_or_404(db, scenario_id)
    settings = request.model_dump(mode="json")
    settings_text = json.dumps(settings, sort_keys=True)
    lineage = current_lineage(db, scenario_id)
    digest = input_hash(stored.content_hash, lineage, settings)
    now = dt.datetime.now(dt.UTC)

    # A what-if version's solve keeps its base plan's placements where it can (a job with
    # a source plan): among equally good plans it may pick others than a plain solve.
    plain = Job.source_plan_id.is_(None)
    active = db.scalar(select(Job).where(Job.scenario_id == scenario_id, Job.kind == "solve",
                                         Job.input_hash == digest, plain,
                                         Job.state.in_(("queued", "running")))
                       .order_by(Job.id).limit(1))
    if active is not None:
        record(db, who, "solve", scenario_id=scenario_id, input_hash=digest,
               settings=settings_text, job_id=active.id, details={"joined_job": active.id})
        db.commit()
        return active

    previous = db.scalar(select(Job).where(Job.kind == "solve", Job.input_hash == digest,
                                           plain, Job.state == "done",
                                           Job.plan_id.is_not(None))
                         .order_by((Job.scenario_id == scenario_id).desc(), Job.id.desc())
                         .limit(1))
    previous_plan = db.get(StoredPlan, previous.plan_id) if previous and previous.plan_id \
        else None
    job = Job(scenario_id=scenario_id, state="queued", stage=job_texts.STAGE_QUEUED, progress=0.0,
              settings=settings_text, lineage=lineage.to_json(), input_hash=digest,
              attempts=0, created_by=who.id)
    if previous is not None and previous_plan is not None:
        job.state, job.stage, job.progress = "done", job_texts.STAGE_REUSED, 1.0
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
    return job
