"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from matcher.diff import ChangeKind
from matcher.messages import Message
from models.config import Objective
from models.plan import Assignment, Backend, Breakdown, Conflict, SolverInfo, UnmatchedStudent

JobState = Literal["queued", "running", "done", "failed", "cancelled"]
# solve: a job's new plan; refusal, pins: the newest plan re-planned after them
PlanKind = Literal["solve", "refusal", "pins"]
PLAN_KINDS: tuple[str, ...] = get_args(PlanKind)
MAX_ID_LENGTH = 200


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """A NUL character cannot be stored as text by PostgreSQL; refuse it here."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("contains a NUL character")
        return value


class SolveRequest(_Request):
    backend: Backend = Field(
        default="flow", description="flow: exact min-cost flow (default); lemon: the same "
        "exact optimum by LEMON's network simplex; cpsat: CP-SAT.")
    objective: Objective | None = Field(
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
    parent_id: int | None = Field(default=None, description="For a what-if version: the "
                                  "scenario it was made from (POST /scenarios/{id}/versions).")
    base_plan_id: int | None = Field(default=None, description="For a what-if version: the "
                                     "plan of the parent it is compared with.")
    changes: dict[str, Any] | None = Field(default=None, description="For a what-if version: "
                                           "the change set that made it (the change file "
                                           "of docs/scenario-format.md, as JSON).")


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
    kind: PlanKind
    created_at: dt.datetime


class ScenarioDetail(ScenarioOut):
    pins: list[PinOut] = Field(description="Accepted placements kept in every later solve.")
    refusals: list[RefusalOut] = Field(description="Pairs excluded from every later solve.")
    plans: list[PlanRef]


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
        default=None,
        description="Pinned placements that break a hard rule; consultants only (left out "
        "for coaches: their rules could name a support need).")
    unmatched: list[UnmatchedStudent]


class PlanOut(BaseModel):
    id: int
    scenario_id: int
    version: int
    parent_id: int | None
    kind: PlanKind
    job_id: int | None
    input_hash: str
    settings: SolveRequest
    moved: list[str] = Field(description="Other students whose place changed from the parent "
                             "plan (refusals); for a coach, only their own. The full difference "
                             "of two plans: GET /plans/{id}/diff.")
    created_at: dt.datetime
    plan: PlanDocument


class PlanChange(BaseModel):
    """One student whose place differs between two plans (see ``matcher.diff``)."""

    student_id: str
    change: ChangeKind = Field(description="gained (unplaced → placed), lost (placed → "
                               "unplaced), moved (other workplace or mentor); added / removed: "
                               "the student is only in the new / the old plan.")
    before: str | None = Field(description="Workplace in the old plan; null when unplaced "
                               "or not in it.")
    after: str | None = Field(description="Workplace in the new plan; null when unplaced "
                              "or not in it.")
    before_mentor_id: str | None
    after_mentor_id: str | None
    before_reason: str | None = Field(description="Unmatched reason in the old plan.")
    after_reason: str | None = Field(description="Unmatched reason in the new plan.")
    priority: int | None = Field(default=None, description="Consultants only.")


class PlacedCounts(BaseModel):
    before: int
    after: int


class PriorityChanges(BaseModel):
    students: int
    placed_before: int
    placed_after: int
    changes: dict[ChangeKind, int]


class ReasonChanges(BaseModel):
    before: int = Field(description="Unmatched for this reason in the old plan.")
    after: int = Field(description="Unmatched for this reason in the new plan.")
    gained: int = Field(description="Unmatched for this reason before, placed now.")
    lost: int = Field(description="Placed before, unmatched for this reason now.")


class DiffSummary(BaseModel):
    students: int = Field(description="Students of either plan (for a coach: their own).")
    placed: PlacedCounts
    changes: dict[ChangeKind, int] = Field(description="Students per kind of change.")
    by_reason: dict[str, ReasonChanges]
    by_priority: dict[str, PriorityChanges] | None = Field(
        default=None, description="Consultants only; \"unknown\" for students the scenario "
        "does not have.")


class PlanDiffOut(BaseModel):
    plan_id: int = Field(description="The new plan.")
    base_id: int = Field(description="The old plan it is compared with.")
    scenario_id: int
    changes: list[PlanChange] = Field(description="Only the students whose place changed.")
    summary: DiffSummary


class ActionView(BaseModel):
    """Something the coach can do for an unplaced student: the message code and its
    parameters (render them in any language), and the English text."""

    code: str
    params: dict[str, Any]
    text: str

    @classmethod
    def of(cls, message: Message) -> ActionView:
        return cls(code=message.code, params=message.to_json()["params"], text=str(message))


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
    actions: list[ActionView] = Field(
        default_factory=list, description="For an unplaced student: what the coach can do.")


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
    moved_count: int = Field(description="Other students whose place changed (gained, lost "
                             "or moved).")
    moved: list[str]
    changes: list[PlanChange] = Field(description="Every student whose place changed, the "
                                      "refused one included, with the kind of change.")


JobKind = Literal["solve", "replan", "analysis"]
JOB_KINDS: tuple[str, ...] = get_args(JobKind)


class JobOut(BaseModel):
    id: int
    scenario_id: int
    kind: JobKind = Field(description="`solve`: a new plan; `replan`: the newest plan "
                          "again after a refusal or pins it breaks, moving as few students "
                          "as possible; `analysis`: fixes and the report of a plan.")
    source_plan_id: int | None = Field(description="The plan a re-plan was asked on, or "
                                       "the plan an analysis is about.")
    state: JobState
    stage: str | None = Field(description="What the job is doing, in the language "
                              "`Accept-Language` asks for.")
    stage_code: str | None = Field(default=None, description="The stage's message code.")
    progress: float = Field(ge=0, le=1)
    settings: SolveRequest
    input_hash: str = Field(description="sha256 of scenario content, pins, refusals and "
                            "settings; identical submissions reuse a stored plan.")
    attempts: int = Field(description="Times a solver process started the job; a job "
                          "whose solver died is run again, up to `MATCHER_JOB_MAX_ATTEMPTS`.")
    rebases: int = Field(description="Of those, times it was run again because pins, "
                         "refusals or the newest plan changed while it ran.")
    error: str | None = Field(description="Why the job failed, in the language "
                              "`Accept-Language` asks for.")
    error_code: str | None = Field(default=None, description="The error's message code.")
    error_params: dict[str, Any] | None = Field(default=None,
                                                description="The error's parameters.")
    plan_id: int | None = Field(description="The plan the job made, once done.")
    result: RefusalResult | None = Field(
        default=None, description="For a re-plan after a refusal, once done: where the "
        "refused student went and who else moved.")
    reused_from: int | None = Field(description="The job whose plan was reused, if any.")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class VersionOut(BaseModel):
    """A what-if version, stored, and the job that solves it."""

    scenario: ScenarioOut
    job: JobOut = Field(description="Solves the version keeping the base plan's students "
                        "in place where an optimal plan allows; poll `/jobs/{id}`. Once done, "
                        "`GET /plans/{job.plan_id}/diff` compares it with the base plan.")


class PinRequest(_Request):
    student_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    workplace_id: str = Field(min_length=1, max_length=MAX_ID_LENGTH)
    mentor_id: str | None = Field(default=None, min_length=1, max_length=MAX_ID_LENGTH)


class PinsResult(BaseModel):
    scenario_id: int
    pinned: int = Field(description="Pins stored by this request.")
    pins: list[PinOut] = Field(description="Every pin of the scenario now in force.")
    job_id: int | None = Field(
        default=None, description="The re-plan job that makes the newest plan keep the "
        "pins, when it does not yet (poll `/jobs/{job_id}`).")


# What an audit record says was done (api.audit records it).
AuditAction = Literal[
    "scenario_upload", "scenario_delete", "solve", "job_cancel",
    "pin", "unpin", "refusal", "unrefusal",
    "proposal", "proposal_accept", "proposal_dismiss",
    "user_add", "user_revoke", "scenario_version",
]


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    action: AuditAction
    user_id: int | None = Field(description="The API user who acted; none for an operator "
                                "at the server's command line.")
    user_name: str
    role: str = Field(description="consultant, coach, or operator (the command line).")
    scenario_id: int | None = Field(description="None for a change of users.")
    plan_id: int | None
    result_plan_id: int | None
    job_id: int | None
    input_hash: str
    settings: dict[str, object]
    details: dict[str, object]


class PoolHealth(BaseModel):
    workers: int = Field(description="Solver processes the pool may run.")
    processes_alive: int = Field(description="Solver processes started and alive now.")
    dispatcher_alive: bool = Field(description="The thread that hands jobs to the pool "
                                   "looked for work within the last `job_stuck_seconds`.")
    restarts: int = Field(description="Times the pool was made anew after a solver "
                          "process died, since the server started.")


class Health(BaseModel):
    status: Literal["ok", "stuck"] = Field(
        description="`stuck` (answered with 503) when any job is stuck or nothing "
        "dispatches jobs.")
    database: Literal["ok"]
    job_workers: int
    jobs_queued: int
    jobs_running: int
    jobs_stuck: int = Field(description="Jobs 'running' without a solver for longer than "
                            "`job_stuck_seconds` (they are queued again), plus the queued "
                            "jobs when nothing dispatches them.")
    stuck_job_ids: list[int]
    pool: PoolHealth


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
