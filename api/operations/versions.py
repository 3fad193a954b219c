"""What-if versions: a change set makes a new scenario from a stored one, which is then
solved and compared with the parent's plan.

The parent is never changed. The version is an ordinary stored scenario (its own
pins, refusals, plans and jobs) with its lineage: the parent's id, the plan it is
compared with (the base plan) and the change set. It takes over the parent's pins
and refusals, as the base plan was made with them, and is solved by the one job
system with the base plan's settings, keeping the base plan's students in place
wherever an optimal plan allows (``api.worker``), so its difference from the base
plan shows what the change causes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import record
from api.auth import Principal
from api.jobs import new_job
from api.lineage import current_lineage
from api.problems import ApiProblem, ProblemItem, invalid_changes, pointer
from api.records import lock_scenario, newest_plan
from api.routes.common import plan_or_404, scenario_or_404
from api.scenario_store import canonical_version
from api.services import Services
from api.tables import Job, Pin, Refusal, StoredPlan, StoredScenario
from matcher.io import ScenarioError
from matcher.messages import Message
from matcher.whatif.apply import changed_scenario
from matcher.whatif.changes import ChangeSet, parse_change_set

CHANGES_LABEL = "changes"  # the change set's name in located mistakes (the request body)
BASE_PLAN = "base_plan_id"  # the body's key naming the plan to compare with


@dataclass(frozen=True)
class VersionMade:
    scenario: StoredScenario
    job: Job


def read_change_set(body: Any) -> tuple[ChangeSet, int | None]:
    """The change set of a request body, and the base plan it names (if any); a 422
    with a pointer per mistake otherwise."""
    if not isinstance(body, dict):
        raise ApiProblem(422, Message("api.changes_not_object"), kind="invalid-changes",
                         title=Message("api.invalid_changes_title"))
    fields = dict(body)
    base = fields.pop(BASE_PLAN, None)
    if base is not None and (not isinstance(base, int) or isinstance(base, bool) or base < 1):
        whole = Message("settings.whole_number")
        raise ApiProblem(422, Message("api.invalid_changes", count=1), kind="invalid-changes",
                         title=Message("api.invalid_changes_title"),
                         errors=[ProblemItem(detail=str(whole), code=whole.code,
                                             pointer=pointer(BASE_PLAN))])
    try:
        return parse_change_set(fields, CHANGES_LABEL), base
    except ScenarioError as exc:
        raise invalid_changes(exc) from None


def create_version(db: Session, services: Services, who: Principal, scenario_id: int,
                   change_set: ChangeSet, base_plan_id: int | None) -> VersionMade:
    """Store the version made by ``change_set`` on the scenario (compared with
    ``base_plan_id``, default its newest plan) and queue its solve; nothing is stored
    when the change set has a mistake (422)."""
    lock_scenario(db, scenario_id)
    parent = scenario_or_404(db, scenario_id)
    base = _base_plan(db, parent, base_plan_id)
    lineage = current_lineage(db, scenario_id)
    document = json.loads(parent.document)
    try:
        version = changed_scenario(document, change_set, CHANGES_LABEL,
                                   source=f"scenario {scenario_id} (what-if)", web_ids=True,
                                   pins=lineage.pins)
    except ScenarioError as exc:
        raise invalid_changes(exc) from None
    canonical = canonical_version(version.document, version.scenario)
    scenario = version.scenario
    stored = StoredScenario(name=parent.name, content_hash=canonical.content_hash,
                            document=canonical.document, students=len(scenario.students),
                            workplaces=len(scenario.workplaces), mentors=len(scenario.mentors),
                            created_by=who.id, parent_id=parent.id, base_plan_id=base.id,
                            changes=json.dumps(change_set.to_document(), ensure_ascii=False))
    db.add(stored)
    db.flush()
    for student, workplace, mentor in lineage.pins:
        db.add(Pin(scenario_id=stored.id, student_id=student, workplace_id=workplace,
                   mentor_id=mentor, plan_id=base.id, created_by=who.id))
    for row in db.scalars(select(Refusal).where(Refusal.scenario_id == scenario_id)):
        db.add(Refusal(scenario_id=stored.id, student_id=row.student_id,
                       workplace_id=row.workplace_id, reason=row.reason, plan_id=base.id,
                       created_by=who.id))
    db.flush()
    job = new_job(db, kind="solve", scenario=stored, settings=base.settings,
                  lineage=current_lineage(db, stored.id), created_by=who.id,
                  source_plan_id=base.id, request={"keep_plan_id": base.id})
    record(db, who, "scenario_version", scenario_id=stored.id, plan_id=base.id,
           job_id=job.id, input_hash=canonical.content_hash, settings=base.settings,
           details={"parent_scenario_id": parent.id, "base_plan_id": base.id,
                    "changes": [_audited(change) for change in change_set.changes],
                    "pins": len(lineage.pins), "refusals": len(lineage.refusals)})
    db.commit()
    services.scenarios.get_or_build(canonical.content_hash, lambda: scenario)
    services.runner.wake()
    return VersionMade(stored, job)


def _base_plan(db: Session, parent: StoredScenario, plan_id: int | None) -> StoredPlan:
    if plan_id is None:
        newest = newest_plan(db, parent.id)
        if newest is None:
            raise ApiProblem(409, Message("api.version_needs_plan"), kind="no-plan")
        return newest
    plan = plan_or_404(db, plan_id)
    if plan.scenario_id != parent.id:
        elsewhere = Message("api.base_plan_elsewhere", plan=plan_id, scenario=parent.id)
        raise ApiProblem(422, Message("api.invalid_changes", count=1), kind="invalid-changes",
                         title=Message("api.invalid_changes_title"),
                         errors=[ProblemItem(detail=str(elsewhere), code=elsewhere.code,
                                             params=elsewhere.to_json()["params"],
                                             pointer=pointer(BASE_PLAN))])
    return plan


def _audited(change: Any) -> dict[str, object]:
    """What the trail keeps of a change: its kind and the ids it names, never a value
    (a student's data may be a support need; a note is free text)."""
    return {key: value for key, value in change.model_dump(exclude_none=True).items()
            if key in ("kind", "workplace", "mentor", "student", "programme")}
