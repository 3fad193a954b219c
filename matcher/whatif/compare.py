"""Solve a what-if version and compare it with the base plan.

The version is solved with the same objective, keeping everyone of the base
plan where they were whenever an optimal plan allows it (``keep``), as a
consultant re-plans: the difference then shows what the change causes, not
the ties an unrelated solve would break otherwise. The comparison is
``matcher.diff.plan_diff``, as on every screen that shows a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matcher.diff import PlanDiff, plan_diff, student_priorities
from matcher.pipeline import SolveRun, SolveSettings, run_solve
from matcher.replan import previous_workplaces
from models.plan import Plan
from models.scenario import Scenario


@dataclass(frozen=True)
class WhatIf:
    run: SolveRun  # the version's solve
    diff: PlanDiff  # from the base plan to the version's plan, with priorities


def solve_version(version: Scenario, base_plan: Plan, settings: SolveSettings,
                  on_stage: Callable[[str], None] = lambda stage: None) -> WhatIf:
    """Solve ``version`` keeping the students of ``base_plan`` in place where an optimal
    plan allows, and compare. Ids link the two: a version never reorders its tables."""
    run = run_solve(version, settings, on_stage=on_stage,
                    keep=previous_workplaces(version, base_plan))
    return WhatIf(run, plan_diff(base_plan, run.plan, student_priorities(version)))
