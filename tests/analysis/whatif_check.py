"""A fix checked the way a consultant would: its change file made on the scenario's
tables (``matcher.whatif``), the new version solved with the normal solve keeping
the base plan's students where an optimum allows, and compared with ``plan_diff``.
Nothing here calls the fix search; the benchmark uses it on every fix."""

from __future__ import annotations

from typing import Any

from matcher.analysis.changes import Change, as_scenario_change
from matcher.analysis.fixes import Fix
from matcher.diff import plan_diff
from matcher.pipeline import SolveRun, SolveSettings, run_solve
from matcher.replan import previous_workplaces
from matcher.whatif.apply import changed_scenario
from matcher.whatif.changes import ChangeSet


def whatif(document: dict[str, Any], base: SolveRun, change: Change) -> dict[str, str]:
    """Every student the what-if of ``change`` (made on the tables of ``document``, the
    base scenario) changes, by student_id: gained, lost or moved."""
    file_change = as_scenario_change(base.scenario, change)
    assert file_change is not None, change
    version = changed_scenario(document, ChangeSet(changes=[file_change])).scenario
    settings = SolveSettings(backend=base.solution.backend, objective=base.solution.objective)
    run = run_solve(version, settings, keep=previous_workplaces(version, base.plan))
    return {c.student_id: c.change for c in plan_diff(base.plan, run.plan).changes}


def check_fix(document: dict[str, Any], base: SolveRun, fix: Fix) -> list[str]:
    """What is wrong with ``fix`` when made on the tables (nothing: an empty list)."""
    ids = base.scenario.students.ids
    student = str(ids[fix.student])
    found = whatif(document, base, fix.change)
    promised = {str(ids[a.student]): a.change for a in fix.affected}
    problems = []
    if found.get(student) != "gained":
        problems.append(f"{student} is not placed by {fix.change}")
    if found != promised:
        problems.append(f"{fix.change} changes {found}, the fix lists {promised}")
    if fix.change.kind == "travel":
        cap = base.scenario.config.policy.max_travel_fix_min
        if not 0 < fix.change.minutes <= cap:
            problems.append(f"{fix.change.minutes} minutes is beyond the cap of {cap}")
        less = Change("travel", student=fix.change.student, minutes=fix.change.minutes - 1)
        if fix.change.minutes > 1 and whatif(document, base, less).get(student) == "gained":
            problems.append(f"{student} is placed with one travel minute less")
    return problems
