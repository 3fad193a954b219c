"""Plans: refuse a placement (a re-plan job makes the newest plan without it), pin
accepted placements, compare two plans."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from api.audit import proposal_details, record
from api.auth import Principal
from api.jobs import new_job
from api.lineage import Lineage, current_lineage, input_hash, unmet
from api.problems import ApiProblem, ProblemItem, not_found, pointer
from api.records import lock_scenario, newest_plan
from api.routes.common import plan_or_404, scenario_or_404
from api.schemas import PinRequest, RefusalRequest
from api.services import Services
from api.tables import Job, Pin, Proposal, Refusal, StoredPlan, StoredScenario
from api.views import diff_view
from matcher.diff import PlanDiff
from matcher.messages import Message
from matcher.replan import UnknownId, student_index, with_pins, workplace_index
from models.plan import Plan


@dataclass(frozen=True)
class PinsDone:
    scenario_id: int
    pinned: int  # pins stored by this request
    pins: list[Pin]  # every pin of the scenario now in force
    job: Job | None  # the re-plan that makes the newest plan keep them, when needed

    @property
    def job_id(self) -> int | None:
        return self.job.id if self.job else None


def refuse(services: Services, who: Principal, plan_id: int, refusal: RefusalRequest) -> Job:
    """Record the refusal and queue the re-plan job that makes the scenario's newest plan
    without the pair (refusals of one scenario apply one at a time)."""
    with services.sessions() as db:
        stored = plan_or_404(db, plan_id, with_document=False)
        scenario_row = scenario_or_404(db, stored.scenario_id)
    base = services.scenario(scenario_row)
    problems = []
    for check in (student_index, workplace_index):
        try:
            check(base, refusal.student_id if check is student_index else refusal.workplace_id)
        except UnknownId as exc:
            problems.append(_unknown_id(exc))
    if problems:
        raise ApiProblem(422, Message("api.refusal_unknown_ids"), kind="invalid-request",
                         title=Message("api.request_invalid_title"), errors=problems)
    pair = (refusal.student_id, refusal.workplace_id)
    with services.write_sessions() as db:
        if lock_scenario(db, scenario_row.id) is None:
            raise not_found("plan", plan_id)
        db.execute(delete(Refusal).where(Refusal.scenario_id == scenario_row.id,
                                         Refusal.student_id == pair[0],
                                         Refusal.workplace_id == pair[1]))
        db.execute(delete(Pin).where(Pin.scenario_id == scenario_row.id,
                                     Pin.student_id == pair[0], Pin.workplace_id == pair[1]))
        db.add(Refusal(scenario_id=scenario_row.id, student_id=pair[0], workplace_id=pair[1],
                       reason=refusal.reason, plan_id=plan_id, created_by=who.id))
        db.flush()
        job = new_job(db, kind="replan", scenario=scenario_row, settings=stored.settings,
                      lineage=current_lineage(db, scenario_row.id), created_by=who.id,
                      source_plan_id=plan_id, request={"refusal": list(pair)})
        record(db, who, "refusal", scenario_id=scenario_row.id, input_hash=job.input_hash,
               settings=stored.settings, plan_id=plan_id, job_id=job.id,
               details={"student_id": pair[0], "workplace_id": pair[1]})
        db.commit()
    services.runner.wake()
    return job


def pin(services: Services, who: Principal, plan_id: int, pins: list[PinRequest]) -> PinsDone:
    """Each pin becomes an existing placement in later solves and refusals; a new pin
    replaces the student's earlier one and cancels a refusal of the same pair; pinning a
    pair a coach proposed on this plan accepts the proposal."""
    with services.sessions() as db:
        stored = plan_or_404(db, plan_id, with_document=False)
        scenario_row = scenario_or_404(db, stored.scenario_id)
    base = services.scenario(scenario_row)
    problems = []
    for position, item in enumerate(pins):
        try:
            with_pins(base, [(item.student_id, item.workplace_id, item.mentor_id)])
        except UnknownId as exc:
            problems.append(_unknown_id(exc, (position,)))
    if problems:
        raise ApiProblem(422, Message("api.pins_unknown_ids"), kind="invalid-request",
                         title=Message("api.request_invalid_title"), errors=problems)
    latest = {item.student_id: item for item in pins}  # a later pin of a student wins
    with services.write_sessions() as db:
        if lock_scenario(db, scenario_row.id) is None:
            raise not_found("plan", plan_id)
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
        job = _replan_for_pins(db, scenario_row, lineage, who.id, list(latest))
        record(db, who, "pin", scenario_id=scenario_row.id,
               input_hash=input_hash(scenario_row.content_hash, lineage,
                                     json.loads(stored.settings)),
               settings=stored.settings, plan_id=plan_id, job_id=job.id if job else None,
               details={"pins": [[p.student_id, p.workplace_id, p.mentor_id]
                                 for p in latest.values()]})
        pairs = {(p.student_id, p.workplace_id) for p in latest.values()}
        for proposal in db.scalars(select(Proposal).where(
                Proposal.plan_id == plan_id,
                Proposal.student_id.in_([pair[0] for pair in pairs]))
                .order_by(Proposal.id)):
            if (proposal.student_id, proposal.workplace_id) in pairs:
                record(db, who, "proposal_accept", scenario_id=scenario_row.id,
                       plan_id=plan_id, details=proposal_details(proposal))
        db.commit()
        current = db.scalars(select(Pin).where(Pin.scenario_id == scenario_row.id)
                             .order_by(Pin.id)).all()
    if job is not None:
        services.runner.wake()
    return PinsDone(scenario_row.id, len(latest), list(current), job)


@dataclass(frozen=True)
class PlanComparison:
    new: StoredPlan
    base: StoredPlan
    diff: PlanDiff


def compare_plans(db: Session, services: Services, who: Principal, plan_id: int,
                  base_id: int | None) -> PlanComparison:
    """The difference from ``base_id`` (default: the previous version) to ``plan_id``,
    as ``who`` may see it. Both plans must belong to one scenario, or the new one to a
    what-if version and the base to its parent (default: the version's base plan)."""
    new = plan_or_404(db, plan_id)
    version_of = scenario_or_404(db, new.scenario_id)
    if base_id is None and new.parent_id is None and version_of.base_plan_id is not None:
        base_id = version_of.base_plan_id  # a what-if version's first plan: its base plan
    if base_id is None:
        if new.parent_id is None:
            required = Message("api.required_for_this_plan")
            raise ApiProblem(422, Message("api.no_previous_version"), kind="invalid-request",
                             title=Message("api.request_invalid_title"),
                             errors=[ProblemItem(detail=str(required), code=required.code,
                                                 pointer=pointer("query", "base"))])
        base_id = new.parent_id
    base = plan_or_404(db, base_id)
    # plans of one scenario, or a what-if version's plan and a plan of its parent
    if base.scenario_id not in (new.scenario_id, version_of.parent_id):
        other = Message("api.plan_of_other_scenario", plan=base_id)
        raise ApiProblem(422, Message("api.plans_of_other_scenarios"), kind="invalid-request",
                         title=Message("api.request_invalid_title"),
                         errors=[ProblemItem(detail=str(other), code=other.code,
                                             params=other.to_json()["params"],
                                             pointer=pointer("query", "base"))])
    scenario = services.scenario(scenario_or_404(db, new.scenario_id))
    difference = diff_view(who, Plan.model_validate_json(base.document),
                           Plan.model_validate_json(new.document), scenario)
    return PlanComparison(new, base, difference)


def _unknown_id(exc: UnknownId, prefix: tuple[object, ...] = ()) -> ProblemItem:
    return ProblemItem(detail=str(exc.message), pointer=pointer(*prefix, exc.field),
                       code=exc.message.code, params=exc.message.to_json()["params"])


def _replan_for_pins(db: Session, scenario_row: StoredScenario, lineage: Lineage,
                     created_by: int, students: list[str]) -> Job | None:
    """A re-plan job when the newest plan breaks a pin in force (None when it keeps them
    all, or when a queued re-plan will read the new pins anyway)."""
    newest = newest_plan(db, scenario_row.id)
    if newest is None or not unmet(Plan.model_validate_json(newest.document), lineage).pins:
        return None
    queued = db.scalar(select(Job).where(Job.scenario_id == scenario_row.id,
                                         Job.kind == "replan", Job.state == "queued")
                       .order_by(Job.id).limit(1))
    if queued is not None:
        return queued
    return new_job(db, kind="replan", scenario=scenario_row, settings=newest.settings,
                   lineage=lineage, created_by=created_by, source_plan_id=newest.id,
                   request={"pins": students})
