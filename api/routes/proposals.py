"""Proposals: a coach proposes a suggested workplace for one of their students; the
consultant sees every proposal of a plan and accepts one by pinning it."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from api.deps import ConsultantDep, DbDep, PrincipalDep, ServicesDep, WriteDbDep
from api.operations import proposals as proposal_operations
from api.problems import problem_responses
from api.routes.common import DbId, plan_or_404
from api.schemas import ProposalOut, ProposalRequest
from api.tables import Proposal
from api.views import coach_of, may_see_student

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
    row, created = proposal_operations.propose(services, who, plan_id, proposal)
    response.headers["Location"] = f"/plans/{plan_id}/proposals"
    if not created:
        response.status_code = 200
    return proposal_out(row)


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
    proposal_operations.dismiss_proposal(db, who, plan_id, proposal_id)
    return Response(status_code=204)
