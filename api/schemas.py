"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from models.plan import Assignment, Breakdown, Conflict, SolverInfo, UnmatchedStudent

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
Role = Literal["consultant", "coach"]
MAX_ID_LENGTH = 200


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SolveRequest(_Request):
    backend: Literal["flow", "cpsat"] = Field(
        default="flow", description="flow: exact min-cost flow (default); cpsat: CP-SAT.")
    objective: Literal["priority-first", "placements-first"] | None = Field(
        default=None, description="Default: the scenario's policy.objective.")
    time_limit_s: float = Field(default=60.0, gt=0, le=3600,
                                description="Seconds the cpsat backend may use.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1, description="Random seed (cpsat).")


class ScenarioOut(BaseModel):
    id: int
    name: str
    content_hash: str = Field(description="sha256 of the stored, canonical scenario document.")
    students: int
    workplaces: int
    mentors: int
    created_at: dt.datetime


class PinOut(BaseModel):
    student_id: str
    workplace_id: str
    mentor_id: str | None
    plan_id: int | None
    created_at: dt.datetime


class RefusalOut(BaseModel):
    student_id: str
    workplace_id: str
    reason: str
    plan_id: int | None
    created_at: dt.datetime


class PlanRef(BaseModel):
    id: int
    scenario_id: int
    version: int
    parent_id: int | None
    kind: Literal["solve", "refusal"]
    created_at: dt.datetime


class ScenarioDetail(ScenarioOut):
    pins: list[PinOut] = Field(description="Accepted placements kept in every later solve.")
    refusals: list[RefusalOut] = Field(description="Pairs excluded from every later solve.")
    plans: list[PlanRef]


class JobOut(BaseModel):
    id: int
    scenario_id: int
    state: JobState
    stage: str
    progress: float = Field(ge=0, le=1)
    settings: SolveRequest
    input_hash: str = Field(description="sha256 of scenario content, pins, refusals and "
                            "settings; identical submissions reuse a stored plan.")
    attempts: int
    error: str | None
    plan_id: int | None
    reused_from: int | None = Field(description="The job whose plan was reused, if any.")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class SummaryView(BaseModel):
    students: int
    placed: int
    placed_by_priority: dict[str, int] | None = Field(
        default=None, description="Left out for coaches: priority reveals support needs.")
    students_by_priority: dict[str, int] | None = None


class PlanDocument(BaseModel):
    """plan.json (contract v1); for a coach, only their students."""

    format_version: int
    scenario: str
    solver: SolverInfo
    summary: SummaryView
    assignments: list[Assignment]
    conflicts: list[Conflict] | None = Field(
        description="Pinned placements that break a hard rule; consultants only (left out "
        "for coaches: their rules could name a support need).")
    unmatched: list[UnmatchedStudent]


class PlanOut(BaseModel):
    id: int
    scenario_id: int
    version: int
    parent_id: int | None
    kind: Literal["solve", "refusal"]
    job_id: int | None
    input_hash: str
    settings: SolveRequest
    moved: list[str] = Field(description="Students whose workplace changed from the parent plan "
                             "(refusals); for a coach, only their own.")
    created_at: dt.datetime
    plan: PlanDocument


class StudentView(BaseModel):
    """One student in a plan. Support needs are shown to consultants only."""

    student_id: str
    school_id: str
    coach_id: str | None
    programme: str
    phase: Literal["aanloop", "duaal"]
    grade: int
    assignment: Assignment | None
    unmatched: UnmatchedStudent | None
    adjustments: list[str] | None = Field(default=None, description="Consultants only.")
    intensive_support: bool | None = Field(default=None, description="Consultants only.")
    priority: int | None = Field(default=None, description="Consultants only.")


class WorkplaceSuggestion(BaseModel):
    workplace_id: str
    employer: str
    cost: int
    breakdown: Breakdown
    free_seats: int = Field(description="Students the workplace can still take in this plan.")


class StudentSuggestions(BaseModel):
    plan_id: int
    student_id: str
    current_workplace_id: str | None
    suggestions: list[WorkplaceSuggestion]
    allowed_without_room: int = Field(
        description="Workplaces that pass every rule but have no free seat or mentor.")
    rejected: dict[str, int] = Field(
        description="Per rule, the workplaces it rejects (one failing two rules counts twice). "
        "A coach sees the rules that read no support need, and 'other' (the workplaces that "
        "pass them but are closed for other reasons) only when none is allowed.")


class StudentSuggestion(BaseModel):
    student_id: str
    placed: bool
    current_workplace_id: str | None
    cost: int
    breakdown: Breakdown


class WorkplaceSuggestions(BaseModel):
    plan_id: int
    workplace_id: str
    employer: str
    free_seats: int
    suggestions: list[StudentSuggestion]


class RefusalRequest(_Request):
    student_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    workplace_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    reason: str = Field(default="", max_length=2000)


class RefusalResult(BaseModel):
    plan_id: int = Field(description="The new plan.")
    version: int
    parent_id: int
    student_id: str
    refused_workplace_id: str
    new_workplace_id: str | None
    moved_count: int = Field(description="Other students whose workplace changed.")
    moved: list[str]


class PinRequest(_Request):
    student_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    workplace_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    mentor_id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LENGTH)


class PinsResult(BaseModel):
    scenario_id: int
    pinned: int = Field(description="Pins stored by this request.")
    pins: list[PinOut] = Field(description="Every pin of the scenario now in force.")


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    action: Literal["solve", "refusal", "pin", "unpin", "unrefusal"]
    user_id: int | None
    user_name: str
    role: str
    scenario_id: int
    plan_id: int | None
    result_plan_id: int | None
    job_id: int | None
    input_hash: str
    settings: dict[str, object]
    details: dict[str, object]


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    job_workers: int
    jobs_queued: int
    jobs_running: int


class ProposalRequest(_Request):
    student_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    workplace_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    note: str = Field(default="", max_length=2000)


class ProposalOut(BaseModel):
    id: int
    plan_id: int
    scenario_id: int
    student_id: str
    workplace_id: str
    note: str
    created_by_name: str
    created_at: dt.datetime
