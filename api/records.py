"""Writing plans and audit records, shared by the API process and the solver processes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from api.auth import Principal
from api.tables import AuditRecord, StoredPlan

WRITE_RETRIES = 8


def store_plan(
    write_sessions: sessionmaker[Session],
    *,
    scenario_id: int,
    kind: str,
    document: str,
    parent_id: int | None,
    job_id: int | None,
    settings: str,
    lineage: str,
    input_hash: str,
    moved: list[str],
    created_by: int | None,
    also: Callable[[Session, StoredPlan], bool],
) -> StoredPlan | None:
    """Store a plan as the scenario's next version, with ``also`` in the same transaction.

    ``also`` records what goes with the plan (the job done, the refusal and audit
    record); when it returns False nothing is stored. Two plans of one scenario
    finishing together both get a version: the loser of the race retries.
    """
    for attempt in range(WRITE_RETRIES):
        try:
            with write_sessions() as db:
                newest = db.scalar(select(func.max(StoredPlan.version))
                                   .where(StoredPlan.scenario_id == scenario_id))
                plan = StoredPlan(scenario_id=scenario_id, version=(newest or 0) + 1,
                                  parent_id=parent_id, kind=kind, job_id=job_id,
                                  document=document, settings=settings, lineage=lineage,
                                  input_hash=input_hash, moved=json.dumps(moved),
                                  created_by=created_by)
                db.add(plan)
                db.flush()
                if not also(db, plan):
                    db.rollback()
                    return None
                db.commit()
                return plan
        except (IntegrityError, OperationalError):
            if attempt == WRITE_RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    return None


def audit(db: Session, who: Principal | None, action: str, *, scenario_id: int,
          input_hash: str, settings: str, plan_id: int | None = None,
          result_plan_id: int | None = None, job_id: int | None = None,
          details: dict[str, Any] | None = None) -> None:
    """Record who did what on which input. Ids only: no student attributes."""
    db.add(AuditRecord(
        action=action,
        user_id=who.id if who else None,
        user_name=who.name if who else "system",
        role=who.role if who else "system",
        scenario_id=scenario_id,
        plan_id=plan_id,
        result_plan_id=result_plan_id,
        job_id=job_id,
        input_hash=input_hash,
        settings=settings,
        details=json.dumps(details or {}, ensure_ascii=False),
    ))
