"""Solving independent batches on worker processes gives the same plan as one process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import matcher.solve.flow as flow
from matcher.candidates import build_candidates
from matcher.io import load_scenario
from matcher.solve import solve
from matcher.solve.problem import build_problem

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "generated" / "ratio-1.5"


def test_worker_processes_give_the_same_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario(SCENARIO)
    candidates = build_candidates(scenario)
    monkeypatch.setattr(flow, "BATCH_ARCS", 200)  # many small batches
    monkeypatch.setattr(flow, "PARALLEL_ARCS", 0)  # and use the pool at any size
    serial = solve(scenario, candidates, workers=1)
    parallel = solve(scenario, candidates, workers=2)
    problem = build_problem(scenario, candidates, serial.capacity, serial.objective)
    assert len(flow.component_batches(problem)) > 1
    assert parallel.objective_value == serial.objective_value
    assert np.array_equal(parallel.workplace, serial.workplace)
    assert np.array_equal(parallel.mentor, serial.mentor)
