"""The plan a solve produces (plan.json, contract v1)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from models.config import FORMAT_VERSION, Objective


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class SolverInfo(_Out):
    backend: Literal["flow", "cpsat"]
    status: Literal["optimal", "feasible"]
    seconds: float
    objective: Objective
    bound: int | None = None  # the proven bound when the status is feasible


class Summary(_Out):
    students: int
    placed: int
    placed_by_priority: dict[str, int]  # placed students per priority level (levels with ≥ 1)
    students_by_priority: dict[str, int]  # all students per priority level


class Breakdown(_Out):
    wish: int
    competence: int
    travel: int


class Assignment(_Out):
    student_id: str
    workplace_id: str
    mentor_id: str | None
    cost: int
    breakdown: Breakdown
    pinned: bool | None = None  # present (true) only for rows of placements.csv


class Conflict(_Out):
    student_id: str
    workplace_id: str
    rules: list[str]


class UnmatchedStudent(_Out):
    student_id: str
    reason: Literal["no_feasible_workplace", "capacity"]
    detail: str
    rules: dict[str, int]


class Plan(_Out):
    format_version: int = FORMAT_VERSION
    scenario: str
    solver: SolverInfo
    summary: Summary
    assignments: list[Assignment]
    conflicts: list[Conflict]
    unmatched: list[UnmatchedStudent]
