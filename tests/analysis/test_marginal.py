"""Marginal values: the counterfactual re-solves (component only) give, per
priority level, exactly what an exhaustive brute force gives on tiny scenarios;
and the residual-graph screen never drops a workplace whose room has value."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings

from matcher.analysis.changes import Change, Resolver, apply_change
from matcher.analysis.marginal import (
    by_sector_and_province,
    reach_counts,
    recruitment_frame,
    recruitment_list,
)
from matcher.pipeline import SolveSettings, run_solve
from models.config import Objective
from models.scenario import Scenario
from tests.solve.brute_force import best_score
from tests.strategies import tiny_scenarios


def _counts(scenario: Scenario, workplace: np.ndarray, objective: Objective) -> tuple[int, ...]:
    placed = workplace >= 0
    if objective == "placements-first":
        return (int(placed.sum()),)
    levels = sorted({int(p) for p in scenario.students.priority})
    by_level = Counter(int(p) for p in scenario.students.priority[placed])
    return tuple(by_level[level] for level in levels)


@pytest.mark.parametrize("objective", ["priority-first", "placements-first"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=tiny_scenarios(max_students=4, max_workplaces=3))
def test_counterfactual_values_match_brute_force(scenario: Scenario,
                                                 objective: Objective) -> None:
    base = best_score(scenario, objective)
    if base is None:
        reject()
    run = run_solve(scenario, SolveSettings(objective=objective))
    resolver = Resolver(scenario, run.candidates, run.solution, objective)
    reach = reach_counts(run)
    for w in range(len(scenario.workplaces)):
        for kind in ("workplace", "seat", "mentor"):
            change = Change(kind, workplace=w)
            truth = best_score(apply_change(scenario, change), objective)
            assert truth is not None
            outcome = resolver.outcome(change)
            assert _counts(scenario, outcome.workplace, objective) == truth[:-1], change
            if w not in reach:  # the screen says: no value; brute force agrees
                assert truth[:-1] == base[:-1], change


def test_recruitment_list_on_a_generated_scenario(small: Scenario) -> None:
    run = run_solve(small, SolveSettings())
    recruits = recruitment_list(run, limit=8)
    assert recruits, "a 1.2-ratio scenario has something worth recruiting"
    assert [r.placed for r in recruits] == sorted((r.placed for r in recruits), reverse=True)
    assert all(r.placed >= 1 for r in recruits)
    frame = recruitment_frame(recruits)
    assert list(frame["students_placed"]) == [r.placed for r in recruits]
    grouped = by_sector_and_province(recruits)
    assert len(grouped) == len(frame.groupby(["sector", "province"]))
    # privacy: adjustment codes never appear in the recruitment list
    codes = small.adjustments.codes
    assert not any(code in text for text in frame["change"] for code in codes)
