"""What-if re-solves reach the same optimum when the objective's levels are solved in
stages (as they are where merged costs could leave the solver's range), and when
they are trials in the warm engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import matcher.solve.flow as flow
from matcher.analysis.changes import Change, Resolver, apply_change
from matcher.analysis.fixes import candidate_changes
from matcher.analysis.marginal import candidate_recruits
from matcher.candidates import build_candidates
from matcher.io import load_scenario
from matcher.pipeline import SolveSettings, run_solve
from matcher.solve.capacity import residual_capacity
from matcher.solve.problem import build_problem
from models.config import OBJECTIVES, Objective
from models.scenario import IntArray, Scenario
from tests.strategies import tiny_scenarios

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def placed_per_priority(scenario: Scenario, workplace: IntArray) -> list[int]:
    priority = scenario.students.priority[: len(workplace)]
    return [int(((workplace >= 0) & (priority == p)).sum()) for p in np.unique(priority)]


def moved_away(before: IntArray, after: IntArray) -> int:
    """Students placed before who are not at the same workplace after (the keep level)."""
    return int(((before >= 0) & (after != before)).sum())


@pytest.mark.parametrize("whole", [False, True])
def test_changes_give_the_same_counts_in_stages(small: Scenario, whole: bool,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """(The cold component re-solve: the warm engine has its own stages test.)"""
    run = run_solve(small, SolveSettings())
    unmatched = np.flatnonzero(run.solution.workplace < 0)[:4]
    changes = [change for s in unmatched for change in candidate_changes(run, int(s))[:3]]
    assert changes
    merged = Resolver(small, run.candidates, run.solution, "priority-first", whole=whole,
                      warm=False)
    expected = [placed_per_priority(small, merged.outcome(c).workplace) for c in changes]
    moved = [moved_away(run.solution.workplace, merged.outcome(c).workplace) for c in changes]
    monkeypatch.setattr(flow, "safe_cost", lambda nodes: 1)  # every level a stage
    staged = Resolver(small, run.candidates, run.solution, "priority-first", whole=whole,
                      warm=False)
    assert [placed_per_priority(small, staged.outcome(c).workplace) for c in changes] == expected
    assert [moved_away(run.solution.workplace, staged.outcome(c).workplace)
            for c in changes] == moved


def level_values(scenario: Scenario, change: Change, base: IntArray, after: IntArray,
                 objective: Objective) -> list[int]:
    """Every level of the re-plan's objective (placements, students kept, cost) for a
    workplace per student, on the changed scenario's own pairs."""
    changed = apply_change(scenario, change)
    problem = build_problem(changed, build_candidates(changed), residual_capacity(changed),
                            objective, keep=base)
    n = len(scenario.students)
    chosen = np.pad(after, (0, problem.n_students - n), constant_values=-1)[
        problem.arc_student] == problem.arc_workplace
    return problem.level_values(chosen)


def every_change(scenario: Scenario) -> list[Change]:
    """Every seat, mentor, recognition, adjustment and longer travel of a tiny scenario."""
    changes: list[Change] = []
    for w in range(len(scenario.workplaces)):
        changes += [Change("seat", workplace=w), Change("mentor", workplace=w)]
        changes += [Change("recognition", workplace=w, programme=p)
                    for p in range(len(scenario.programmes.codes))]
        changes += [Change("adjustment", workplace=w, codes=(code,))
                    for code in scenario.adjustments.codes]
    changes += [Change("travel", student=s, minutes=30) for s in range(len(scenario.students))]
    return changes


@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=tiny_scenarios(max_students=6, max_workplaces=3))
def test_warm_trials_reach_the_cold_optimum(scenario: Scenario, objective: Objective) -> None:
    """Each change tried in the warm engine (prepared or not, one after another, each
    undone) gives every level the value a cold re-solve of the changed scenario gives."""
    run = run_solve(scenario, SolveSettings(objective=objective))
    base = run.solution.workplace
    changes = every_change(scenario)
    cold = Resolver(scenario, run.candidates, run.solution, objective, whole=True)
    prepared = Resolver(scenario, run.candidates, run.solution, objective)
    prepared.prepare(changes)
    unprepared = Resolver(scenario, run.candidates, run.solution, objective)
    for change in changes + changes[::-1]:
        expected = level_values(scenario, change, base, cold.outcome(change).workplace,
                                objective)
        for warm in (prepared, unprepared):
            assert level_values(scenario, change, base, warm.outcome(change).workplace,
                                objective) == expected, change
            warm._seen.clear()  # try it again, after the others


def test_warm_trials_on_flanders_reach_the_cold_optimum() -> None:
    """The recruitment list's changes on flanders-2023, warm against the cold
    component re-solve: the same placements per priority and students kept."""
    scenario = load_scenario(SCENARIOS / "flanders-2023")
    run = run_solve(scenario, SolveSettings())
    changes = [c for c in candidate_recruits(run, limit=6) if c.kind != "workplace"]
    warm = Resolver(scenario, run.candidates, run.solution, run.solution.objective)
    warm.prepare(changes)
    cold = Resolver(scenario, run.candidates, run.solution, run.solution.objective, warm=False)
    base = run.solution.workplace
    for change in changes:
        after, expected = warm.outcome(change).workplace, cold.outcome(change).workplace
        assert placed_per_priority(scenario, after) == placed_per_priority(scenario, expected)
        assert moved_away(base, after) == moved_away(base, expected), change
