"""The independent checker rejects every way a plan can break the contract."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from matcher.check import check_plan
from matcher.io import scenario_from_document
from matcher.pipeline import SolveSettings, run_solve
from matcher.rules import RULE_NAMES, RULES
from models.scenario import Scenario
from tests.builders import mentor, one_pair, scenario, student, workplace
from tests.strategies import every_column_documents


@pytest.fixture(scope="module")
def solved() -> tuple[Scenario, dict[str, Any]]:
    sc = scenario(
        [student("S1", sector_wishes="retail;logistiek"), student("S2"),
         student("S3", intensive_support=True), student("S4", intensive_support=True),
         student("S5", programme="ZORG")],
        [workplace("W1", seats=2), workplace("W2", seats=1, sector="retail"),
         workplace("W3", seats=1, recognised_programmes="BOUW")],
        [mentor("M1", "W1", capacity=2), mentor("M2", "W2", capacity=1),
         mentor("M3", "W3", capacity=1)],
    )
    plan = run_solve(sc, SolveSettings()).plan.as_contract()
    return sc, plan


def test_the_solver_plan_is_valid(solved: tuple[Scenario, dict[str, Any]]) -> None:
    sc, plan = solved
    assert check_plan(sc, plan) == []
    assert plan["summary"]["placed"] == 3


def _drop_first_assignment(p: dict[str, Any]) -> None:
    p["assignments"].pop(0)


def _duplicate_student(p: dict[str, Any]) -> None:
    p["unmatched"].append({**p["unmatched"][0]})


def _wrong_cost(p: dict[str, Any]) -> None:
    p["assignments"][0]["cost"] += 1


def _wrong_breakdown(p: dict[str, Any]) -> None:
    p["assignments"][0]["breakdown"]["wish"] += 1


def _to_unrecognised_workplace(p: dict[str, Any]) -> None:
    a = p["assignments"][0]
    a["workplace_id"], a["mentor_id"] = "W3", "M3"


def _foreign_mentor(p: dict[str, Any]) -> None:
    a = next(a for a in p["assignments"] if a["workplace_id"] == "W1")
    a["mentor_id"] = "M2"


def _overfill_seats(p: dict[str, Any]) -> None:
    student_id = p["unmatched"][0]["student_id"]
    p["unmatched"].pop(0)
    p["assignments"].append({"student_id": student_id, "workplace_id": "W2",
                             "mentor_id": "M2", "cost": 0,
                             "breakdown": {"wish": 0, "competence": 0, "travel": 0}})


def _two_intensive_with_one_mentor(p: dict[str, Any]) -> None:
    for a in p["assignments"]:
        if a["student_id"] in ("S3", "S4"):
            a["workplace_id"], a["mentor_id"] = "W1", "M1"


def _wrong_reason(p: dict[str, Any]) -> None:
    u = p["unmatched"][0]
    u["reason"] = "capacity" if u["reason"] == "no_feasible_workplace" else "no_feasible_workplace"


def _wrong_rule_count(p: dict[str, Any]) -> None:
    p["unmatched"][0]["rules"]["travel"] += 1


def _wrong_summary(p: dict[str, Any]) -> None:
    p["summary"]["placed"] += 1


def _marked_pinned(p: dict[str, Any]) -> None:
    p["assignments"][0]["pinned"] = True


BREAKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "a student is missing": _drop_first_assignment,
    "a student appears twice": _duplicate_student,
    "a cost is wrong": _wrong_cost,
    "a breakdown is wrong": _wrong_breakdown,
    "a hard rule is broken": _to_unrecognised_workplace,
    "a mentor of another workplace": _foreign_mentor,
    "seats are exceeded": _overfill_seats,
    "the intensive-support limit is exceeded": _two_intensive_with_one_mentor,
    "the unmatched reason is wrong": _wrong_reason,
    "a rule count is wrong": _wrong_rule_count,
    "the summary is wrong": _wrong_summary,
    "a free placement is marked pinned": _marked_pinned,
}


@pytest.mark.parametrize("name", list(BREAKS))
def test_checker_rejects_a_broken_plan(
    solved: tuple[Scenario, dict[str, Any]], name: str
) -> None:
    sc, plan = solved
    broken = copy.deepcopy(plan)
    BREAKS[name](broken)
    assert check_plan(sc, broken), f"the checker accepted a plan where {name}"


# One pair per rule that breaks that rule alone: (student fields, workplace fields,
# scenario fields).
BREAKS_ONLY: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "recognised_for_programme": ({}, {"recognised_until": "2026-08-31"}, {}),
    "placement_type": ({}, {"offers_contract": False, "offers_guided": True}, {}),
    "grade": ({"grade": 2}, {"accepts_grade2": False}, {}),
    "adjustments": ({"adjustments": "rolstoel"}, {}, {}),
    # measured, since candidate search prunes far pairs by estimate before the rules
    "travel": ({"max_travel_min": 10}, {}, {"travel_times": [
        {"student_id": "S1", "workplace_id": "W1", "minutes": 60}]}),
    "dutch_level": ({"dutch_level": "A2"}, {"min_dutch_level": "B1"}, {}),
    "min_age": ({"birth_date": "2010-09-02"}, {"min_age": 16}, {}),
    "excluded": ({}, {}, {"exclusions": [{"student_id": "S1", "workplace_id": "W1"}]}),
}


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_the_checker_catches_a_plan_solved_without_a_rule(
    rule: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checker does not share the rules: with one rule removed from the product,
    the solver places the student, and the checker names the broken rule."""
    sc = one_pair(*BREAKS_ONLY[rule][:2], **BREAKS_ONLY[rule][2])
    monkeypatch.setitem(RULES, rule, lambda pairs: np.ones(len(pairs), dtype=bool))
    plan = run_solve(sc, SolveSettings()).plan.as_contract()
    assert plan["summary"]["placed"] == 1
    assert check_plan(sc, plan) == [f"S1 → W1: breaks {rule}"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(every_column_documents())
def test_solver_plans_pass_the_checker_on_scenarios_that_fill_every_column(
    doc: dict[str, Any]
) -> None:
    sc = scenario_from_document(doc)
    for objective in ("priority-first", "placements-first"):
        plan = run_solve(sc, SolveSettings(objective=objective)).plan.as_contract()
        assert check_plan(sc, plan) == []
