"""Proposals: a coach proposes a suggested workplace for one of their students; the
consultant sees every proposal of a plan and accepts one by pinning it."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.audit import proposal_details, record
from api.deps import ConsultantDep, DbDep, PrincipalDep, ServicesDep, WriteDbDep
from api.problems import ApiProblem, not_found, problem_responses
from api.records import lock_scenario, newest_plan
from api.routes.common import DbId, plan_or_404, stale_plan
from api.schemas import ProposalOut, ProposalRequest
from api.tables import Proposal
from api.views import check_student, coach_of, may_see_student

router = APIRouter(tags=["proposals"])


def proposal_out(row: Proposal) -> ProposalOut:
    return ProposalOut(id=row.id, plan_id=row.plan_id, scenario_id=row.scenario_id,
                       student_id=row.student_id, workplace_id=row.workplace_id, note=row.note,
                       created_by_name=row.created_by_name, created_at=row.created_at)


@router.post("/plans/{plan_id}/proposals", status_code=201, response_model=ProposalOut,
             responses=problem_responses(401, 403, 404, 409, 422),
             summary="Propose a workplace for a student (a coach for their own students)")
def propose(plan_id: DbId, proposal: ProposalRequest, response: Response,
            services: ServicesDep, who: PrincipalDep) -> ProposalOut:
    """Only a workplace the student is allowed at (every hard rule) may be proposed;
    proposing the same pair again returns the first proposal (200). A proposal is made
    on the scenario's newest plan: on an older one it is answered 409 with the newest
    plan's id and version (`current_plan_id`, `current_version`)."""
    context = services.plan_context(plan_id)
    student = check_student(who, context.scenario, proposal.student_id)
    workplace = context.workplace_index.get(proposal.workplace_id)
    state = context.state
    mine = state.by_student[state.student_start[student]:state.student_start[student + 1]]
    if workplace is None or workplace not in set(state.candidates.workplace[mine].tolist()):
        raise ApiProblem(422, f"workplace {proposal.workplace_id!r} is not allowed for "
                         f"student {proposal.student_id!r} under the hard rules",
                         kind="invalid-request", title="Invalid request")
    same_pair = select(Proposal).where(
        Proposal.plan_id == plan_id, Proposal.student_id == proposal.student_id,
        Proposal.workplace_id == proposal.workplace_id)
    response.headers["Location"] = f"/plans/{plan_id}/proposals"
    with services.write_sessions() as db:
        if lock_scenario(db, context.scenario_id) is None:
            raise not_found("plan", plan_id)
        newest = newest_plan(db, context.scenario_id)
        if newest is not None and newest.id != plan_id:
            raise stale_plan(plan_id, newest)
        existing = db.scalar(same_pair)
        if existing is not None:
            response.status_code = 200
            return proposal_out(existing)
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
            response.status_code = 200
            return proposal_out(db.scalars(same_pair).one())
        return proposal_out(created)


@router.get("/plans/{plan_id}/proposals", response_model=list[ProposalOut],
            responses=problem_responses(401, 404, 422),
            summary="Proposals on a plan; a coach sees those for their own students")
def list_proposals(plan_id: DbId, db: DbDep, services: ServicesDep,
                   who: PrincipalDep) -> list[ProposalOut]:
    stored = plan_or_404(db, plan_id)
    rows = db.scalars(select(Proposal).where(Proposal.plan_id == stored.id)
                      .order_by(Proposal.id)).all()
    if not who.is_consultant:
        coaches = coach_of(services.plan_context(plan_id).scenario)
        rows = [r for r in rows if may_see_student(who, coaches.get(r.student_id))]
    return [proposal_out(r) for r in rows]


@router.delete("/plans/{plan_id}/proposals/{proposal_id}", status_code=204,
               responses=problem_responses(401, 403, 404, 422),
               summary="Dismiss a proposal (the consultant does not follow it)")
def dismiss_proposal(plan_id: DbId, proposal_id: DbId, db: WriteDbDep,
                     who: ConsultantDep) -> Response:
    row = db.get(Proposal, proposal_id)
    if row is None or row.plan_id != plan_id:
        raise not_found("proposal", proposal_id)
    record(db, who, "proposal_dismiss", scenario_id=row.scenario_id, plan_id=plan_id,
           details=proposal_details(row))
    db.delete(row)
    db.commit()
    return Response(status_code=204)
