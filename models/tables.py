"""Columns of each scenario table (contract v1): name, kind and whether required.

One declaration per table keeps the reader, the validator and the docs in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["id", "string", "list", "bool", "int", "float", "date", "cefr", "enum"]

CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
PHASES = ("aanloop", "duaal")
GRADES = ("2", "3")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    required: bool = False
    minimum: int | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TableSpec:
    name: str
    key: str | None
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


STUDENTS = TableSpec(
    "students",
    "student_id",
    (
        Column("student_id", "id", required=True),
        Column("school_id", "id", required=True),
        Column("coach_id", "string"),
        Column("programme", "string", required=True),
        Column("phase", "enum", required=True, choices=PHASES),
        Column("grade", "enum", required=True, choices=GRADES),
        Column("contract_ready", "bool"),
        Column("sector_wishes", "list"),
        Column("competence_gaps", "list"),
        Column("adjustments", "list"),
        Column("lat", "float"),
        Column("lon", "float"),
        Column("postcode", "string"),
        Column("max_travel_min", "int", minimum=0),
        Column("birth_date", "date"),
        Column("dutch_level", "cefr"),
        Column("intensive_support", "bool"),
        Column("priority", "int", minimum=1),
    ),
)

WORKPLACES = TableSpec(
    "workplaces",
    "workplace_id",
    (
        Column("workplace_id", "id", required=True),
        Column("employer", "string", required=True),
        Column("sector", "string", required=True),
        Column("recognised_programmes", "list", required=True),
        Column("recognised_until", "date"),
        Column("seats", "int", required=True, minimum=0),
        Column("offers_contract", "bool"),
        Column("offers_guided", "bool"),
        Column("accepts_grade2", "bool"),
        Column("adjustments_offered", "list"),
        Column("competences_offered", "list"),
        Column("lat", "float"),
        Column("lon", "float"),
        Column("postcode", "string"),
        Column("min_age", "int", minimum=0),
        Column("min_dutch_level", "cefr"),
    ),
)

MENTORS = TableSpec(
    "mentors",
    "mentor_id",
    (
        Column("mentor_id", "id", required=True),
        Column("workplace_id", "id", required=True),
        Column("capacity", "int", minimum=0),
        Column("current_load", "int", minimum=0),
    ),
)

PLACEMENTS = TableSpec(
    "placements",
    "student_id",
    (
        Column("student_id", "id", required=True),
        Column("workplace_id", "id", required=True),
        Column("mentor_id", "string"),
    ),
)

EXCLUSIONS = TableSpec(
    "exclusions",
    None,
    (
        Column("student_id", "id", required=True),
        Column("workplace_id", "id", required=True),
        Column("reason", "string"),
    ),
)

TRAVEL_TIMES = TableSpec(
    "travel_times",
    None,
    (
        Column("student_id", "id", required=True),
        Column("workplace_id", "id", required=True),
        Column("minutes", "int", required=True, minimum=0),
    ),
)

TABLE_SPECS = {
    spec.name: spec
    for spec in (STUDENTS, WORKPLACES, MENTORS, PLACEMENTS, EXCLUSIONS, TRAVEL_TIMES)
}
