"""The audit trail: who changed what, and when. Every write of the service records itself here.

A record is added in the same transaction as the change it describes, so a change
is never stored without its record (nor a record without its change). The table
is append-only: database triggers (migration 0004) reject every UPDATE and DELETE
of it, on SQLite and PostgreSQL alike. Records name scenarios, plans, jobs and
users by plain ids, without foreign keys, so deleting a scenario keeps its trail.

Details hold ids and counts only: never a student's adjustments, intensive
support or priority (``record`` refuses them), nor free text typed by a user
(a refusal's reason or a proposal's note could describe a support need).
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from api.privacy import SUPPORT_FIELDS
from api.schemas import AuditAction
from api.tables import AuditRecord, Proposal

OPERATOR_ROLE = "operator"


class Actor(Protocol):
    """Who acts: an API user (``api.auth.Principal``) or an ``Operator``."""

    @property
    def id(self) -> int | None: ...

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class Operator:
    """Someone at the server's command line (``matcher users ...``): no API user, so
    named by their login on the machine."""

    name: str
    id: int | None = None
    role: str = OPERATOR_ROLE

    @classmethod
    def current(cls) -> Operator:
        try:
            return cls(getpass.getuser())
        except (KeyError, OSError):  # no login name (e.g. a container's anonymous uid)
            return cls("unknown")


def record(db: Session, actor: Actor, action: AuditAction, *,
           scenario_id: int | None = None, plan_id: int | None = None,
           result_plan_id: int | None = None, job_id: int | None = None,
           input_hash: str = "", settings: str = "{}",
           details: Mapping[str, object] | None = None) -> AuditRecord:
    """Add one audit record to ``db``'s transaction (the caller commits it with the change)."""
    details = dict(details or {})
    sensitive = sorted(_keys(details) & set(SUPPORT_FIELDS))
    if sensitive:  # a programming error: the trail is readable by every consultant, forever
        raise ValueError(f"audit details may not hold {', '.join(sensitive)}")
    row = AuditRecord(
        action=action,
        user_id=actor.id,
        user_name=actor.name,
        role=actor.role,
        scenario_id=scenario_id,
        plan_id=plan_id,
        result_plan_id=result_plan_id,
        job_id=job_id,
        input_hash=input_hash,
        settings=settings,
        details=json.dumps(details, ensure_ascii=False, sort_keys=True),
    )
    db.add(row)
    return row


def proposal_details(row: Proposal) -> dict[str, object]:
    """What the trail keeps of a proposal: not its note (free text a coach typed)."""
    return {"proposal_id": row.id, "student_id": row.student_id,
            "workplace_id": row.workplace_id}


def _keys(value: object) -> set[str]:
    """Every key of a JSON-like value, at any depth."""
    if isinstance(value, Mapping):
        return {str(key) for key in value} | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list | tuple):
        return {k for item in value for k in _keys(item)}
    return set()
