"""The plan page's rows: reusing the previous version's rows gives the rows built anew."""

from __future__ import annotations

from pathlib import Path

from api.lineage import Lineage
from api.services import build_plan_context
from api.web.plan_view import Earlier, student_rows
from matcher.diff import plan_changes, student_priorities
from matcher.io import load_scenario
from matcher.pipeline import SolveSettings, run_solve
from matcher.plan import plan_json
from matcher.replan import replan_after_refusals

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"


def test_rows_reused_from_the_previous_version_equal_rows_built_anew() -> None:
    base = load_scenario(DEMO)
    settings = SolveSettings(backend="lemon")
    plan = run_solve(base, settings).plan
    context = build_plan_context(1, 1, "demo", base, plan_json(plan), Lineage())
    rows = student_rows(context, None, base)
    refusals: list[tuple[str, str]] = []
    warm = None
    for step in range(4):  # a chain: the earlier rows carry the earlier version's marks
        placed = [a for a in plan.assignments if not a.pinned]
        refusals.append((placed[3 * step].student_id, placed[3 * step].workplace_id))
        result = replan_after_refusals(base, plan, refusals, settings, warm)
        new = build_plan_context(step + 2, 1, "demo", base, plan_json(result.run.plan),
                                 Lineage(refusals=tuple(refusals)))
        changes = plan_changes(plan, new.plan, student_priorities(base))
        built = student_rows(new, changes, base)
        reused = student_rows(new, changes, base, Earlier(context, rows))
        assert reused == built
        assert {r.student_id for r in built if r.change} == {c.student_id for c in changes}
        assert any(a is b for a, b in zip(reused, rows, strict=True))  # rows were reused
        plan, warm, context, rows = result.run.plan, result.warm, new, reused


def test_rows_of_another_scenario_are_not_reused() -> None:
    base = load_scenario(DEMO)
    plan = run_solve(base, SolveSettings()).plan
    context = build_plan_context(1, 1, "demo", base, plan_json(plan), Lineage())
    rows = student_rows(context, None, base)
    # rows of a plan whose students differ (one row less): everything is built anew
    assert student_rows(context, None, base, Earlier(context, rows[1:])) == rows
