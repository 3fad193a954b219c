"""Small scenarios built in code, for tests that need exact control."""

from __future__ import annotations

from typing import Any

from matcher.io import scenario_from_document
from models.scenario import Scenario

REFERENCE_DATE = "2026-09-01"


def student(student_id: str = "S1", **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "student_id": student_id, "school_id": "SC1", "programme": "LOG", "phase": "duaal",
        "grade": 3, "lat": 51.0, "lon": 4.4,
    }
    record.update(fields)
    return record


def workplace(workplace_id: str = "W1", **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "workplace_id": workplace_id, "employer": f"Employer {workplace_id}",
        "sector": "logistiek", "recognised_programmes": "LOG", "seats": 1,
        "lat": 51.0, "lon": 4.4,
    }
    record.update(fields)
    return record


def mentor(mentor_id: str = "M1", workplace_id: str = "W1", **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"mentor_id": mentor_id, "workplace_id": workplace_id}
    record.update(fields)
    return record


def document(
    students: list[dict[str, Any]],
    workplaces: list[dict[str, Any]],
    mentors: list[dict[str, Any]] | None = None,
    *,
    placements: list[dict[str, Any]] | None = None,
    exclusions: list[dict[str, Any]] | None = None,
    travel_times: list[dict[str, Any]] | None = None,
    policy: dict[str, Any] | None = None,
    weights: dict[str, Any] | None = None,
    reference_date: str = REFERENCE_DATE,
) -> dict[str, Any]:
    """A scenario document with inline tables; by default one mentor (capacity 5) per
    workplace."""
    if mentors is None:
        mentors = [mentor(f"M-{w['workplace_id']}", w["workplace_id"], capacity=5)
                   for w in workplaces]
    tables: dict[str, Any] = {"students": students, "workplaces": workplaces,
                              "mentors": mentors}
    for name, rows in (("placements", placements), ("exclusions", exclusions),
                       ("travel_times", travel_times)):
        if rows is not None:
            tables[name] = rows
    result: dict[str, Any] = {"format_version": 1, "name": "test",
                              "reference_date": reference_date, "tables": tables}
    if policy is not None:
        result["policy"] = policy
    if weights is not None:
        result["weights"] = weights
    return result


def scenario(
    students: list[dict[str, Any]],
    workplaces: list[dict[str, Any]],
    mentors: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Scenario:
    """A loaded scenario from records (see ``document`` for the keyword arguments)."""
    return scenario_from_document(document(students, workplaces, mentors, **fields))


def one_pair(student_fields: dict[str, Any] | None = None,
             workplace_fields: dict[str, Any] | None = None,
             **scenario_fields: Any) -> Scenario:
    """One student and one workplace, for testing a single rule."""
    return scenario([student(**(student_fields or {}))],
                    [workplace(**(workplace_fields or {}))], **scenario_fields)
