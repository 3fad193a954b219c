"""What each role may see of a plan.

A consultant sees everything. A coach sees only the students whose coach_id
is theirs, and of those what the coach-view policy (``api.privacy``) allows:
each view is built whole here, then cut by that policy.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from api.auth import Principal
from api.privacy import coach_actions, coach_names, coach_plan, coach_rule_counts, coach_student
from api.problems import forbidden, not_found
from api.schemas import ActionView, PlanDocument, StudentView, SummaryView
from matcher.diff import PlanDiff, plan_diff, student_priorities
from matcher.exports import Names
from matcher.messages import Message
from models.plan import Plan
from models.scenario import Scenario


def coach_of(scenario: Scenario) -> dict[str, str]:
    return {str(s): str(c) for s, c in zip(scenario.students.ids, scenario.students.coach_id,
                                            strict=True)}


def may_see_student(principal: Principal, coach_id: str | None) -> bool:
    return principal.is_consultant or (bool(principal.coach_id)
                                       and coach_id == principal.coach_id)


def check_student(principal: Principal, scenario: Scenario, student_id: str,
                  index: Mapping[str, int] | None = None) -> int:
    """The student's position, or 404 (unknown) / 403 (another coach's student);
    ``index``: the scenario's positions by student id, when at hand (a lookup instead
    of a pass over every id)."""
    if index is not None:
        position = index.get(student_id, -1)
    else:
        found = np.flatnonzero(scenario.students.ids == student_id)
        position = int(found[0]) if len(found) else -1
    if position < 0:
        raise not_found("student", student_id)
    if not may_see_student(principal, str(scenario.students.coach_id[position])):
        raise forbidden(Message("api.other_coach"))
    return position


def visible_rejections(principal: Principal, scenario: Scenario, student: int,
                       counts: dict[str, int], unplaceable: bool) -> dict[str, int]:
    """Workplaces each rule rejects for the student (position ``student``);
    ``unplaceable``: unplaced, and no workplace is allowed."""
    if principal.is_consultant:
        return counts
    return coach_rule_counts(counts, scenario, student, unplaceable)


def plan_view(principal: Principal, plan: Plan, scenario: Scenario | None) -> PlanDocument:
    """The plan as ``principal`` may see it; a coach's view needs the scenario."""
    if principal.is_consultant:
        return PlanDocument(
            format_version=plan.format_version, scenario=plan.scenario, solver=plan.solver,
            summary=SummaryView(**plan.summary.model_dump()), assignments=plan.assignments,
            conflicts=plan.conflicts, unmatched=plan.unmatched)
    assert scenario is not None, "a coach's view needs the scenario's coach ids"
    coaches = coach_of(scenario)

    def mine(student_id: str) -> bool:
        return may_see_student(principal, coaches.get(student_id))

    assignments = [a for a in plan.assignments if mine(a.student_id)]
    unmatched = [u for u in plan.unmatched if mine(u.student_id)]
    return coach_plan(PlanDocument(
        format_version=plan.format_version, scenario=plan.scenario, solver=plan.solver,
        summary=SummaryView(**plan.summary.model_dump()),  # coach_plan counts theirs
        assignments=assignments,
        conflicts=[c for c in plan.conflicts if mine(c.student_id)],
        unmatched=unmatched,
    ), scenario)


def export_names(principal: Principal, scenario: Scenario) -> Names:
    """The names a download shows next to ids, as ``principal`` may see them."""
    return Names.of(scenario) if principal.is_consultant else coach_names(scenario)


def diff_view(principal: Principal, before: Plan, after: Plan, scenario: Scenario) -> PlanDiff:
    """The difference of two plans as ``principal`` may see it: a coach's covers only
    their students and has no priority."""
    if principal.is_consultant:
        return plan_diff(before, after, student_priorities(scenario))
    return plan_diff(plan_view(principal, before, scenario), plan_view(principal, after, scenario))


def visible_moved(principal: Principal, moved: list[str], scenario: Scenario) -> list[str]:
    if principal.is_consultant:
        return moved
    coaches = coach_of(scenario)
    return [s for s in moved if may_see_student(principal, coaches.get(s))]


def student_view(principal: Principal, scenario: Scenario, position: int, plan: Plan
                 ) -> StudentView:
    s = scenario.students
    student_id = str(s.ids[position])
    assignment = next((a for a in plan.assignments if a.student_id == student_id), None)
    unmatched = next((u for u in plan.unmatched if u.student_id == student_id), None)
    view = StudentView(
        student_id=student_id,
        school_id=str(s.school_id[position]),
        coach_id=str(s.coach_id[position]) or None,
        programme=scenario.programmes.codes[int(s.programme[position])],
        phase="duaal" if bool(s.duaal[position]) else "aanloop",
        grade=int(s.grade[position]),
        assignment=assignment,
        unmatched=unmatched,
        adjustments=adjustment_codes(scenario, position),
        intensive_support=bool(s.intensive[position]),
        priority=int(s.priority[position]),
        actions=[ActionView.of(action) for action in coach_actions(scenario, position)]
        if unmatched else [],
    )
    return view if principal.is_consultant else coach_student(view, scenario, position)


def adjustment_codes(scenario: Scenario, position: int) -> list[str]:
    return scenario.adjustments.decode(scenario.students.adjustments[position])
