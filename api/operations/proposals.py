"""Proposals: a coach proposes a workplace for one of their students; a consultant
dismisses one (accepting one is pinning it: ``api.operations.plans.pin``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.audit import proposal_details, record
from api.auth import Principal
from api.problems import ApiProblem, not_found
from api.records import lock_scenario, newest_plan
from api.routes.common import stale_plan
from api.schemas import ProposalRequest
from api.services import Services
from api.tables import Proposal
from api.views import check_student
from matcher.messages import Message


def propose(services: Services, who: Principal, plan_id: int,
            proposal: ProposalRequest) -> tuple[Proposal, bool]:
    """The proposal, and whether it is new (False: the same pair was proposed before).
    Only a workplace the student is allowed at (every hard rule) may be proposed, and
    only on the scenario's newest plan (409 otherwise)."""
    context = services.plan_context(plan_id)
    student = check_student(who, context.scenario, proposal.student_id,
                            context.student_index)
    workplace = context.workplace_index.get(proposal.workplace_id)
    if workplace is None or workplace not in set(
            context.state.of_student(student).workplace.tolist()):
        raise ApiProblem(422, Message("api.proposal_not_allowed",
                                      workplace=proposal.workplace_id,
                                      student=proposal.student_id),
                         kind="invalid-request", title=Message("api.request_invalid_title"))
    same_pair = select(Proposal).where(
        Proposal.plan_id == plan_id, Proposal.student_id == proposal.student_id,
        Proposal.workplace_id == proposal.workplace_id)
    with services.write_sessions() as db:
        if lock_scenario(db, context.scenario_id) is None:
            raise not_found("plan", plan_id)
        newest = newest_plan(db, context.scenario_id)
        if newest is not None and newest.id != plan_id:
            raise stale_plan(plan_id, newest)
        existing = db.scalar(same_pair)
        if existing is not None:
            return existing, False
        created = Proposal(scenario_id=context.scenario_id, plan_id=plan_id,
                           student_id=proposal.student_id, workplace_id=proposal.workplace_id,
                           note=proposal.note.strip(), created_by=who.id,
                           created_by_name=who.name)
        db.add(created)
        try:
            db.flush()
            record(db, who, "proposal", scenario_id=context.scenario_id, plan_id=plan_id,
                   details=proposal_details(created))
            db.commit()
        except IntegrityError:  # the same proposal, sent twice at once (a double click)
            db.rollback()
            return db.scalars(same_pair).one(), False
        return created, True


def dismiss_proposal(db: Session, who: Principal, plan_id: int, proposal_id: int) -> None:
    row = db.get(Proposal, proposal_id)
    if row is None or row.plan_id != plan_id:
        raise not_found("proposal", proposal_id)
    record(db, who, "proposal_dismiss", scenario_id=row.scenario_id, plan_id=plan_id,
           details=proposal_details(row))
    db.delete(row)
    db.commit()
