"""Database tables. The job table is the truth about solve jobs; plans keep their parent.

Scenario documents and plans are stored as JSON text: they are written once,
read whole, and never queried inside.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# SQLite would otherwise hand a deleted row's id to the next row, and an audit
# record (kept after its scenario is deleted) would then describe the wrong plan.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A UTC timestamp that comes back timezone-aware from every database
    (SQLite keeps no zone, so it is stored as naive UTC there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect
                           ) -> dt.datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect
                             ) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # consultant | coach
    coach_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the API key
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    # Web sessions started before this moment are over ("Afmelden" ends them all).
    sessions_valid_after: Mapped[dt.datetime | None] = mapped_column(UtcDateTime,
                                                                     nullable=True)


class StoredScenario(Base):
    __tablename__ = "scenarios"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # canonical JSON, tables inlined as text cells; megabytes, so read only when asked for
    # (a request mostly needs the parsed scenario, cached by content hash)
    document: Mapped[str] = mapped_column(Text, deferred=True)
    students: Mapped[int] = mapped_column(Integer)
    workplaces: Mapped[int] = mapped_column(Integer)
    mentors: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    # A what-if version's lineage: the scenario it was made from, the plan it is compared
    # with, and the change set (JSON) that made it. Plain ids, like the audit trail's:
    # a version outlives the deletion of its parent.
    parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    base_plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    changes: Mapped[str | None] = mapped_column(Text, nullable=True)


class Pin(Base):
    """An accepted placement, kept in every later solve of the scenario."""

    __tablename__ = "pins"
    __table_args__ = (UniqueConstraint("scenario_id", "student_id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"),
                                             index=True)
    student_id: Mapped[str] = mapped_column(String(200))
    workplace_id: Mapped[str] = mapped_column(String(200))
    mentor_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class Refusal(Base):
    """A refused student–workplace pair, excluded from every later solve of the scenario."""

    __tablename__ = "refusals"
    __table_args__ = (UniqueConstraint("scenario_id", "student_id", "workplace_id"),
                      NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"),
                                             index=True)
    student_id: Mapped[str] = mapped_column(String(200))
    workplace_id: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_state_id", "state", "id"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"),
                                             index=True)
    # solve: a new plan; replan: the newest plan again after refusals or pins;
    # analysis: fixes and the report of a stored plan (source_plan_id)
    kind: Mapped[str] = mapped_column(String(20), default="solve", server_default="solve")
    source_plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    request: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")  # JSON
    result: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON, kind-specific
    state: Mapped[str] = mapped_column(String(20))  # queued running done failed cancelled
    stage: Mapped[str] = mapped_column(String(200), default="")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    settings: Mapped[str] = mapped_column(Text)  # JSON: backend, objective, time limit, seed
    lineage: Mapped[str] = mapped_column(Text)  # JSON: pins and refusals in force at submission
    input_hash: Mapped[str] = mapped_column(String(64), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # times a solver started it
    # of which started again because pins, refusals or the newest plan changed meanwhile
    rebases: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reused_from: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime,
                                                           nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime,
                                                            nullable=True)


class StoredPlan(Base):
    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("scenario_id", "version"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"),
                                             index=True)
    version: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # solve | refusal
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    document: Mapped[str] = mapped_column(Text)  # plan.json
    settings: Mapped[str] = mapped_column(Text)
    lineage: Mapped[str] = mapped_column(Text)  # pins and refusals the plan was solved with
    input_hash: Mapped[str] = mapped_column(String(64))
    moved: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of student ids
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)


class AuditRecord(Base):
    """Who did what, when, on which input (``api.audit`` writes it). Kept when scenarios
    are deleted (no foreign keys); append-only (triggers of migration 0004)."""

    __tablename__ = "audit"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
    action: Mapped[str] = mapped_column(String(20))  # api.audit.AuditAction
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    user_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    scenario_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    result_plan_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    input_hash: Mapped[str] = mapped_column(String(64))
    settings: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="{}")


class Proposal(Base):
    """A coach's proposal of a workplace for one of their students, for the consultant
    to accept (which pins it) or leave."""

    __tablename__ = "proposals"
    __table_args__ = (UniqueConstraint("plan_id", "student_id", "workplace_id"),
                      NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenarios.id", ondelete="CASCADE"),
                                             index=True)
    plan_id: Mapped[int] = mapped_column(Integer, index=True)
    student_id: Mapped[str] = mapped_column(String(200))
    workplace_id: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_by_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utc_now)
