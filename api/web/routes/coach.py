"""The coach's page: their own students, each with the best suggestions and why, and a
button to propose one to the consultant.

A coach sees only students whose coach_id is theirs, and of those what the coach-view
policy (``api.privacy``) allows, its explanations as messages in the page's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Form, Query, Request, Response
from sqlalchemy import select

from api.deps import ServicesDep
from api.operations import proposals as proposal_operations
from api.privacy import coach_actions, coach_why
from api.routes.common import MAX_DB_ID, DbId
from api.schemas import ProposalRequest
from api.services import PlanContext
from api.tables import Pin, Proposal, StoredPlan, StoredScenario
from api.views import may_see_student
from api.web.deps import CsrfUserDep, WebUserDep
from api.web.plan_view import SuggestionWhy, explain_suggestion
from api.web.templating import render
from matcher.messages import Message
from matcher.rules import Pairs
from models.plan import Assignment, UnmatchedStudent

router = APIRouter()
SUGGESTIONS_SHOWN = 3


@dataclass(frozen=True)
class CoachStudent:
    student_id: str
    programme: str
    phase: str
    assignment: Assignment | None
    employer: str
    reason: str  # why unplaced ('' when placed), with the sentence and rule counts
    why: Message | None
    rejected: dict[str, int]
    suggestions: list[SuggestionWhy]
    actions: list[Message]  # what the coach can do, for an unplaced student
    travel_minutes: int | None  # of the current placement, beside each proposed one


def _explained(context: PlanContext, position: int,
               unmatched: UnmatchedStudent | None) -> tuple[str, Message | None, dict[str, int]]:
    """Why a student is unplaced, as the coach sees it: a consultant opening this page
    previews the coach's cards, so they get the coach's view too (their own, fuller
    explanation is on the plan page)."""
    if unmatched is None:
        return "", None, {}
    why = coach_why(unmatched, context.scenario, position)
    return why.reason, why.message(), why.rules


@router.get("/coach")
def coach_page(request: Request, services: ServicesDep, user: WebUserDep,
               plan: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
               coach: Annotated[str, Query(max_length=200)] = "") -> Response:
    """A coach sees their own students; a consultant picks a coach to see what that
    coach sees (one coach at a time: a whole scenario would be thousands of cards)."""
    with services.sessions() as db:
        plans = db.execute(select(StoredPlan.id, StoredPlan.version, StoredScenario.name,
                                  StoredPlan.scenario_id)
                           .join(StoredScenario, StoredScenario.id == StoredPlan.scenario_id)
                           .order_by(StoredPlan.id.desc()).limit(50)).all()
    newest: set[int] = set()
    seen_scenarios: set[int] = set()
    for row in plans:  # newest first: the first plan of each scenario is its newest
        if row.scenario_id not in seen_scenarios:
            seen_scenarios.add(row.scenario_id)
            newest.add(row.id)
    chosen = plan if plan is not None else (plans[0].id if plans else None)
    students: list[CoachStudent] = []
    proposed: set[tuple[str, str]] = set()
    pinned: set[tuple[str, str]] = set()
    coaches: list[str] = []
    if chosen is not None:
        context = services.plan_context(chosen)
        scenario, state = context.scenario, context.state
        s = scenario.students
        if user.is_consultant:
            coaches = sorted({str(c) for c in s.coach_id if str(c)})
            coach = coach if coach in coaches else (coaches[0] if coaches else "")
        else:
            coach = user.principal.coach_id or ""
        for position, student_id in enumerate(s.ids):
            if not may_see_student(user.principal, str(s.coach_id[position])) or \
                    str(s.coach_id[position]) != coach:
                continue
            sid = str(student_id)
            assignment = context.assignment_of.get(sid)
            unmatched = context.unmatched_of.get(sid)
            employer = ""
            travel_minutes = None
            if assignment is not None:
                workplace = context.workplace_index[assignment.workplace_id]
                employer = str(scenario.workplaces.employer[workplace])
                travel_minutes = int(Pairs(scenario, np.asarray([position]),
                                           np.asarray([workplace])).minutes[0])
            reason, why, rejected = _explained(context, position, unmatched)
            students.append(CoachStudent(
                student_id=sid,
                programme=scenario.programmes.codes[int(s.programme[position])],
                phase="duaal" if bool(s.duaal[position]) else "aanloop",
                assignment=assignment, employer=employer, reason=reason, why=why,
                rejected=rejected,
                actions=coach_actions(scenario, position) if unmatched else [],
                travel_minutes=travel_minutes,
                suggestions=[explain_suggestion(context, suggestion) for suggestion in
                             state.workplaces_for(position, SUGGESTIONS_SHOWN)]))
        with services.sessions() as db:
            proposed = {(p.student_id, p.workplace_id) for p in db.scalars(
                select(Proposal).where(Proposal.plan_id == chosen)).all()}
            pinned = {(p.student_id, p.workplace_id) for p in db.scalars(
                select(Pin).where(Pin.scenario_id == context.scenario_id)).all()}
    return render(request, "coach.html", user, plans=plans, chosen=chosen,
                  students=students, proposed=proposed, pinned=pinned, coaches=coaches,
                  coach=coach,
                  newest=newest)


@router.post("/coach/plans/{plan_id}/proposals")
def propose(plan_id: DbId, request: Request, services: ServicesDep, user: CsrfUserDep,
            student_id: Annotated[str, Form()], workplace_id: Annotated[str, Form()],
            note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """One click, with an optional note: the consultant sees the proposal on the plan
    and may accept it."""
    proposal_operations.propose(services, user.principal, plan_id,
                                ProposalRequest(student_id=student_id,
                                                workplace_id=workplace_id, note=note.strip()))
    return render(request, "fragments/proposed.html", user, student_id=student_id,
                  workplace_id=workplace_id)
