"""A what-if version is solved keeping the base plan's students in place where an optimum
allows, so its difference from the base plan is what the change causes."""

from __future__ import annotations

from typing import Any

from matcher.pipeline import SolveSettings
from matcher.whatif.apply import changed_scenario
from matcher.whatif.changes import parse_change_set
from matcher.whatif.compare import solve_version
from models.plan import Plan
from models.scenario import Scenario


def _what_if(demo: tuple[dict[str, Any], Scenario], base: Plan, *changes: dict[str, Any]
             ) -> dict[str, str]:
    version = changed_scenario(demo[0], parse_change_set({"changes": list(changes)}))
    result = solve_version(version.scenario, base, SolveSettings())
    assert result.run.plan.summary.placed == sum(
        1 for c in result.diff.students if c.after is not None and c.after.placed)
    return {c.student_id: c.change for c in result.diff.changes}


def test_only_the_students_the_change_concerns_change(demo: tuple[dict[str, Any], Scenario],
                                                      demo_plan: Plan) -> None:
    assert _what_if(demo, demo_plan, {"kind": "add_mentor", "workplace": "W25"}) == {
        "S24": "gained"}
    # a change that opens nothing new changes nobody
    assert _what_if(demo, demo_plan, {"kind": "accept_grade2", "workplace": "W01"}) == {}


def test_the_comparison_counts_per_priority(demo: tuple[dict[str, Any], Scenario],
                                            demo_plan: Plan) -> None:
    version = changed_scenario(demo[0], parse_change_set({"changes": [
        {"kind": "seats", "workplace": "W24", "add": 1},
        {"kind": "add_mentor", "workplace": "W24"}]}))
    result = solve_version(version.scenario, demo_plan, SolveSettings())
    by_priority = result.diff.by_priority()
    assert by_priority["1"].changes["gained"] == 1  # S22, priority 1
