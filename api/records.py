"""Writing plans, shared by the API process and the solver processes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, defer, sessionmaker

from api.tables import StoredPlan, StoredScenario

WRITE_RETRIES = 8


def lock_scenario(db: Session, scenario_id: int) -> StoredScenario | None:
    """Take the scenario's change lock for the rest of the transaction; None when deleted.

    Every change of a scenario's pins, refusals, proposals or plans takes it first, so
    changes apply one at a time in one order. On PostgreSQL it is a row lock (FOR NO KEY
    UPDATE: it serialises the changers but lets rows that refer to the scenario be
    inserted); on SQLite a write session already holds the database's only write lock
    (BEGIN IMMEDIATE), so the same transaction is serialised there too.
    """
    return db.scalar(select(StoredScenario).where(StoredScenario.id == scenario_id)
                     .with_for_update(key_share=True))


def newest_plan(db: Session, scenario_id: int, with_document: bool = True
                ) -> StoredPlan | None:
    """The scenario's newest plan; ``with_document=False`` leaves its plan.json (up to
    many megabytes) unread until it is asked for in this session."""
    query = select(StoredPlan).where(StoredPlan.scenario_id == scenario_id)
    if not with_document:
        query = query.options(defer(StoredPlan.document))
    return db.scalar(query.order_by(StoredPlan.version.desc()).limit(1))


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

    ``also`` records what goes with the plan (the job done, the audit record) and may
    check that the plan is still wanted; when it returns False (or raises) nothing is
    stored. It runs under the scenario's change lock, so what it checks holds until
    the commit. None when the scenario was deleted.
    """
    for attempt in range(WRITE_RETRIES):
        try:
            with write_sessions() as db:
                if lock_scenario(db, scenario_id) is None:
                    return None
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

