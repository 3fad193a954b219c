"""What-if re-solves reach the same optimum when the objective's levels are solved in
stages (as they are where merged costs could leave the solver's range)."""

from __future__ import annotations

import numpy as np
import pytest

import matcher.solve.flow as flow
from matcher.analysis.changes import Resolver
from matcher.analysis.fixes import candidate_changes
from matcher.pipeline import SolveSettings, run_solve
from models.scenario import IntArray, Scenario


def placed_per_priority(scenario: Scenario, workplace: IntArray) -> list[int]:
    priority = scenario.students.priority[: len(workplace)]
    return [int(((workplace >= 0) & (priority == p)).sum()) for p in np.unique(priority)]


def moved_away(before: IntArray, after: IntArray) -> int:
    """Students placed before who are not at the same workplace after (the keep level)."""
    return int(((before >= 0) & (after != before)).sum())


@pytest.mark.parametrize("whole", [False, True])
def test_changes_give_the_same_counts_in_stages(small: Scenario, whole: bool,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    run = run_solve(small, SolveSettings())
    unmatched = np.flatnonzero(run.solution.workplace < 0)[:4]
    changes = [change for s in unmatched for change in candidate_changes(run, int(s))[:3]]
    assert changes
    merged = Resolver(small, run.candidates, run.solution, "priority-first", whole=whole)
    expected = [placed_per_priority(small, merged.outcome(c).workplace) for c in changes]
    moved = [moved_away(run.solution.workplace, merged.outcome(c).workplace) for c in changes]
    monkeypatch.setattr(flow, "safe_cost", lambda nodes: 1)  # every level a stage
    staged = Resolver(small, run.candidates, run.solution, "priority-first", whole=whole)
    assert [placed_per_priority(small, staged.outcome(c).workplace) for c in changes] == expected
    assert [moved_away(run.solution.workplace, staged.outcome(c).workplace)
            for c in changes] == moved
