"""Naming mentors after the solver chose workplaces (matcher.solve.mentors)."""

from __future__ import annotations

import pytest

from matcher.check import check_plan
from matcher.pipeline import SolveSettings, run_solve
from matcher.solve import BACKENDS
from models.plan import Backend
from tests.builders import mentor, scenario, student, workplace


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_pinned_row_beyond_every_intensive_limit_takes_a_free_mentor(backend: Backend) -> None:
    # S1 is pinned without a mentor and needs intensive support that no mentor may give
    # (a capacity conflict); S0 still fits. Each mentor has room for one student, so S1
    # must not share a mentor with S0.
    sc = scenario(
        [student("S0"), student("S1", intensive_support=True)],
        [workplace("W0", seats=2)],
        [mentor("M0", "W0", capacity=1), mentor("M1", "W0", capacity=1)],
        placements=[{"student_id": "S1", "workplace_id": "W0"}],
        policy={"max_intensive_per_mentor": 0},
    )
    run = run_solve(sc, SolveSettings(backend=backend))
    plan = run.plan.as_contract()
    mentors = {a["student_id"]: a["mentor_id"] for a in plan["assignments"]}
    assert set(mentors) == {"S0", "S1"}
    assert mentors["S0"] != mentors["S1"]
    assert check_plan(sc, plan) == []
