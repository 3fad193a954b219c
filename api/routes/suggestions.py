"""Suggestions on a plan, both ways, answered from cached arrays.

The first request for a plan builds its PlanState (free seats and mentors); the
first question about a student or a workplace finds its allowed pairs (one row
of the rules), later ones reuse them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PrincipalDep, ServicesDep
from api.problems import not_found, problem_responses
from api.routes.common import DbId
from api.schemas import (
    StudentSuggestion,
    StudentSuggestions,
    WorkplaceSuggestion,
    WorkplaceSuggestions,
)
from api.views import check_student, may_see_student, visible_rejections
from models.plan import Breakdown

router = APIRouter(tags=["suggestions"])


@router.get("/plans/{plan_id}/students/{student_id}/suggestions",
            response_model=StudentSuggestions,
            responses=problem_responses(401, 403, 404, 422),
            summary="The best workplaces with a free seat and mentor for one student")
def student_suggestions(plan_id: DbId, student_id: str, services: ServicesDep,
                        who: PrincipalDep,
                        k: Annotated[int, Query(ge=1, le=100)] = 5) -> StudentSuggestions:
    """Cheapest first, the student's own workplace left out; with the number of
    workplaces each rule rejects, and of allowed ones without room."""
    context = services.plan_context(plan_id)
    state, scenario = context.state, context.scenario
    student = check_student(who, scenario, student_id, context.student_index)
    workplaces = scenario.workplaces
    suggestions = [
        WorkplaceSuggestion(workplace_id=str(workplaces.ids[s.workplace]),
                            employer=str(workplaces.employer[s.workplace]), cost=s.cost,
                            breakdown=Breakdown(**s.breakdown),
                            free_seats=int(state.free_room[s.workplace]))
        for s in state.workplaces_for(student, k)
    ]
    allowed = state.of_student(student).workplace
    current = int(state.workplace_of[student])
    others = allowed[allowed != current]
    without_room = int((~state.has_room_for(student, others)).sum())
    return StudentSuggestions(
        plan_id=plan_id, student_id=student_id,
        current_workplace_id=str(workplaces.ids[current]) if current >= 0 else None,
        suggestions=suggestions, allowed_without_room=without_room,
        rejected=visible_rejections(who, scenario, student,
                                    services.rejections(context, student),
                                    unplaceable=current < 0 and not len(allowed)))


@router.get("/plans/{plan_id}/workplaces/{workplace_id}/suggestions",
            response_model=WorkplaceSuggestions,
            responses=problem_responses(401, 404, 422),
            summary="The best students for one workplace, unplaced students first")
def workplace_suggestions(plan_id: DbId, workplace_id: str, services: ServicesDep,
                          who: PrincipalDep,
                          k: Annotated[int, Query(ge=1, le=100)] = 10) -> WorkplaceSuggestions:
    """Students allowed at the workplace and not placed there; a coach sees only their
    own students."""
    context = services.plan_context(plan_id)
    position = context.workplace_index.get(workplace_id)
    if position is None:
        raise not_found("workplace", workplace_id)
    state, scenario = context.state, context.scenario
    students = scenario.students
    limit = k if who.is_consultant else len(students)
    picked: list[StudentSuggestion] = []
    for s in state.students_for(position, limit):
        if not may_see_student(who, str(students.coach_id[s.student])):
            continue
        current = int(state.workplace_of[s.student])
        picked.append(StudentSuggestion(
            student_id=str(students.ids[s.student]), placed=current >= 0,
            current_workplace_id=str(scenario.workplaces.ids[current]) if current >= 0
            else None,
            cost=s.cost, breakdown=Breakdown(**s.breakdown)))
        if len(picked) == k:
            break
    return WorkplaceSuggestions(plan_id=plan_id, workplace_id=workplace_id,
                                employer=str(scenario.workplaces.employer[position]),
                                free_seats=int(state.free_room[position]), suggestions=picked)
