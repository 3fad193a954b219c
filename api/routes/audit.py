"""The audit trail, for consultants: every change of the service, who made it and when."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import or_, select

from api.deps import ConsultantDep, DbDep
from api.problems import problem_responses
from api.routes.common import MAX_DB_ID, DbId, plan_or_404
from api.schemas import AuditAction, AuditOut
from api.tables import AuditRecord, StoredPlan

router = APIRouter(tags=["audit"])
MAX_RECORDS = 1000


def audit_out(rows: Sequence[AuditRecord]) -> list[AuditOut]:
    return [AuditOut(id=r.id, at=r.at, action=r.action,
                     user_id=r.user_id, user_name=r.user_name, role=r.role,
                     scenario_id=r.scenario_id, plan_id=r.plan_id,
                     result_plan_id=r.result_plan_id, job_id=r.job_id,
                     input_hash=r.input_hash, settings=json.loads(r.settings),
                     details=json.loads(r.details)) for r in rows]


@router.get("/audit", response_model=list[AuditOut], responses=problem_responses(401, 403, 422),
            summary="The audit trail: every change, oldest first (also of deleted scenarios)")
def get_trail(db: DbDep, who: ConsultantDep,
              scenario_id: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
              action: AuditAction | None = None,
              after: Annotated[int, Query(ge=0, le=MAX_DB_ID, description=(
                  "Only records with a larger id: pass the last id of a page for the next."))
              ] = 0,
              limit: Annotated[int, Query(ge=1, le=MAX_RECORDS)] = MAX_RECORDS,
              ) -> list[AuditOut]:
    """Uploads, scenario deletes, solves, job cancels, pins, refusals, proposals and
    users added or revoked. Records are never changed or deleted (the database refuses
    it), and a scenario's records stay after the scenario is deleted. They hold ids,
    not a student's support needs."""
    query = select(AuditRecord).where(AuditRecord.id > after)
    if scenario_id is not None:
        query = query.where(AuditRecord.scenario_id == scenario_id)
    if action is not None:
        query = query.where(AuditRecord.action == action)
    return audit_out(db.scalars(query.order_by(AuditRecord.id).limit(limit)).all())


@router.get("/plans/{plan_id}/audit", response_model=list[AuditOut],
            responses=problem_responses(401, 403, 404, 422),
            summary="Every solve, refusal and pin that led to this plan or acted on it")
def get_plan_trail(plan_id: DbId, db: DbDep, who: ConsultantDep) -> list[AuditOut]:
    chain: list[StoredPlan] = []
    current: StoredPlan | None = plan_or_404(db, plan_id)
    while current is not None and len(chain) < 10_000:
        chain.append(current)
        current = db.get(StoredPlan, current.parent_id) if current.parent_id else None
    plan_ids = [p.id for p in chain]
    job_ids = [p.job_id for p in chain if p.job_id is not None]
    return audit_out(db.scalars(select(AuditRecord).where(or_(
        AuditRecord.plan_id.in_(plan_ids), AuditRecord.result_plan_id.in_(plan_ids),
        AuditRecord.job_id.in_(job_ids))).order_by(AuditRecord.id)).all())
