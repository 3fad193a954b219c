"""The plan a solve produces (plan.json, contract v1)."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ConfigDict

from models.config import FORMAT_VERSION, Objective
from models.message import Message

# flow and lemon: exact min-cost flows (OR-Tools, LEMON); cpsat: CP-SAT
Backend = Literal["flow", "lemon", "cpsat"]
BACKENDS: tuple[Backend, ...] = get_args(Backend)
# optimal: proven; feasible: cpsat stopped at its time limit
Status = Literal["optimal", "feasible"]
# Why a student is unmatched: no workplace passes every rule, or those that do are full.
Reason = Literal["no_feasible_workplace", "capacity"]
# What a pinned placement overfills.
Limit = Literal["seats", "mentor", "intensive_support"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


@contextmanager
def rows_without_cycles() -> Iterator[None]:
    """Pause the cycle collector while a plan's rows are built or dumped: they hold no
    cycles, yet with a row per student its passes over them take half the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_Row = TypeVar("_Row", bound=_Out)
_new = object.__new__
_set = object.__setattr__


def trusted_rows(cls: type[_Row], columns: dict[str, Sequence[Any]]) -> list[_Row]:
    """One ``cls`` per row of ``columns`` (every field of ``cls`` a column, the values
    already checked), as ``cls.model_construct`` builds each, without its work per field
    and row: a plan has a row per student, and the checks of ``model_construct`` alone
    take seconds at 140,000. Equal to ``model_construct`` (tests/models/test_plan.py)."""
    names = tuple(cls.model_fields)  # in the order model_construct sets them
    if set(columns) != set(names):
        raise TypeError(f"{cls.__name__} rows need the columns {names}, not {tuple(columns)}")
    fields_set = set(names)
    rows: list[_Row] = []
    append = rows.append
    with rows_without_cycles():
        for values in zip(*(columns[name] for name in names), strict=True):
            row = _new(cls)
            _set(row, "__dict__", dict(zip(names, values, strict=True)))
            _set(row, "__pydantic_fields_set__", fields_set.copy())
            _set(row, "__pydantic_extra__", None)
            _set(row, "__pydantic_private__", None)
            append(row)
    return rows


class SolverInfo(_Out):
    backend: Backend
    status: Status
    seconds: float
    objective: Objective
    # Only when the status is feasible: the plan's value of the combined integer
    # objective (matcher.solve.problem) and the proven lower bound on it.
    objective_value: int | None = None
    bound: int | None = None


class Summary(_Out):
    students: int
    placed: int
    placed_by_priority: dict[str, int]  # placed students per priority level of the scenario
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


class CapacityConflict(_Out):
    """A pinned placement kept although its workplace or mentor is already full."""

    student_id: str
    workplace_id: str
    limits: list[Limit]


class UnmatchedStudent(_Out):
    student_id: str
    reason: Reason
    detail: str  # in English, as contract v1 always had it
    rules: dict[str, int]
    # The same explanation as a message code and its parameters, for rendering in any
    # language (absent in plans written before the catalogue existed).
    detail_code: str | None = None
    detail_params: dict[str, Any] | None = None

    def message(self) -> Message:
        """The explanation as a message (old plans: the English sentence as it is)."""
        if self.detail_code is None:
            return Message("plain.text", text=self.detail)
        return Message.from_json(self.detail_code, self.detail_params)

    @classmethod
    def explained(cls, student_id: str, reason: Reason,
                  detail: Message, rules: dict[str, int]) -> UnmatchedStudent:
        return cls(student_id=student_id, reason=reason, detail=str(detail), rules=rules,
                   detail_code=detail.code, detail_params=detail.to_json()["params"])


class Plan(_Out):
    format_version: int = FORMAT_VERSION
    scenario: str
    solver: SolverInfo
    summary: Summary
    assignments: list[Assignment]
    conflicts: list[Conflict]
    unmatched: list[UnmatchedStudent]
    capacity_conflicts: list[CapacityConflict] = []

    def as_contract(self) -> dict[str, Any]:
        """plan.json as the contract shows it: ``mentor_id`` is always present
        (null only when the workplace has no mentor), ``pinned`` only on pinned
        rows, the bound only for a feasible status, extra lists only when used."""
        data = self.model_dump(mode="json")
        for assignment in data["assignments"]:
            if assignment["pinned"] is None:
                del assignment["pinned"]
        for key in ("objective_value", "bound"):
            if data["solver"][key] is None:
                del data["solver"][key]
        for entry in data["unmatched"]:
            for key in ("detail_code", "detail_params"):
                if entry[key] is None:
                    del entry[key]
        if not data["capacity_conflicts"]:
            del data["capacity_conflicts"]
        return data
