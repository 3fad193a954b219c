"""Settings of a scenario, as written in ``scenario.yaml`` (contract v1)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

Objective = Literal["priority-first", "placements-first"]
OBJECTIVES: tuple[Objective, ...] = get_args(Objective)
FORMAT_VERSION = 1

REQUIRED_TABLES = ("students", "workplaces", "mentors")
OPTIONAL_TABLES = ("placements", "exclusions", "travel_times")
DEFAULT_TABLE_FILES = {name: f"{name}.csv" for name in REQUIRED_TABLES + OPTIONAL_TABLES}


class SettingError(ValueError):
    """A setting's mistake as a message code and parameters (rendered by the loader in
    the user's language; ``models`` itself holds no sentences)."""

    def __init__(self, code: str, **params: str | int) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class _Strict(BaseModel):
    # Unknown keys are kept and ignored, as for table columns.
    model_config = ConfigDict(extra="allow", frozen=True)


class MentorCapacity(_Strict):
    """Mentor capacity per sector code, used where mentors.csv has no capacity."""

    default: int = Field(default=2, ge=0)

    def for_sector(self, sector: str) -> int:
        value = (self.model_extra or {}).get(sector, self.default)
        return int(value)


class Policy(_Strict):
    objective: Objective = "priority-first"
    default_max_travel_min: int = Field(default=45, ge=0)
    travel_speed_kmh: float = Field(default=25.0, gt=0)
    detour_factor: float = Field(default=1.3, gt=0)
    mentor_capacity: MentorCapacity = Field(default_factory=MentorCapacity)
    max_intensive_per_mentor: int = Field(default=1, ge=0)
    # the largest increase of a student's travel limit a proposed fix may ask for
    max_travel_fix_min: int = Field(default=15, ge=0)

    @field_validator("mentor_capacity", mode="before")
    @classmethod
    def _capacity(cls, value: Any) -> Any:
        if value is None:
            return MentorCapacity()
        if isinstance(value, int) and not isinstance(value, bool):
            return {"default": value}
        if isinstance(value, dict):
            for sector, capacity in value.items():
                if (
                    not isinstance(capacity, int)
                    or isinstance(capacity, bool)
                    or capacity < 0
                ):
                    raise SettingError("settings.sector_capacity", sector=str(sector))
        return value


# Keeps one pair's cost (weight × wish rank, gaps or minutes) well inside the
# solver's 64-bit cost range; the objective's levels are solved in stages when
# their merged costs would not fit (matcher.solve.problem, matcher.solve.flow).
MAX_WEIGHT = 1_000_000


class Weights(_Strict):
    wish: int = Field(default=10, ge=0, le=MAX_WEIGHT, strict=True)
    competence: int = Field(default=6, ge=0, le=MAX_WEIGHT, strict=True)
    travel: int = Field(default=1, ge=0, le=MAX_WEIGHT, strict=True)


class ScenarioConfig(_Strict):
    format_version: Literal[1] = 1
    name: str = "scenario"
    reference_date: dt.date
    tables: dict[str, Any] = Field(default_factory=dict)
    policy: Policy = Field(default_factory=Policy)
    weights: Weights = Field(default_factory=Weights)
    # A column close to a known optional one (``adjustment``) is refused as a likely
    # misspelling unless this is set; other unknown columns are always only warned about.
    allow_unknown_columns: bool = False

    @field_validator("reference_date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError as exc:
                raise SettingError("io.not_date", value=value) from exc
        return value

    @field_validator("policy", "weights", "tables", mode="before")
    @classmethod
    def _none_is_default(cls, value: Any) -> Any:
        return {} if value is None else value
