"""Cheapest fixes: one of each kind on a hand-built scenario, and every fix on a
generated one really places its student when applied and solved again from
scratch (fresh candidates, not the shortcut the search uses)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from matcher.analysis.changes import apply_change
from matcher.analysis.fixes import FixReport, cheapest_fixes, fix_rows
from matcher.check import check_plan
from matcher.cli import app
from matcher.io import load_scenario
from matcher.pipeline import SolveRun, SolveSettings, run_solve
from models.scenario import Scenario
from tests.builders import mentor, scenario, student, workplace


def _kinds() -> Scenario:
    """Five unmatched students, each fixable by exactly one kind of change."""
    students = [
        student("A0", lat=51.0, lon=4.0, priority=1),  # takes W-seat's only seat
        student("A1", lat=51.0, lon=4.0),  # seat
        student("B0", lat=51.0, lon=4.3, priority=1),  # takes the only mentor slot
        student("B1", lat=51.0, lon=4.3),  # mentor
        student("C1", programme="ZORG", lat=51.0, lon=4.6),  # recognition
        student("D1", adjustments="rolstoel", lat=51.0, lon=4.9),  # adjustment
        student("E1", lat=51.3, lon=5.2, max_travel_min=20),  # travel
    ]
    workplaces = [
        workplace("W-seat", seats=1, lat=51.0, lon=4.0),
        workplace("W-mentor", seats=3, lat=51.0, lon=4.3),
        workplace("W-recognition", recognised_programmes="LOG", lat=51.0, lon=4.6,
                  seats=2),
        workplace("W-adjustment", lat=51.0, lon=4.9, seats=2),
        workplace("W-travel", lat=51.4, lon=5.2, seats=2),
    ]
    mentors = [mentor("M1", "W-seat", capacity=3), mentor("M2", "W-mentor", capacity=1),
               mentor("M3", "W-recognition", capacity=3), mentor("M4", "W-adjustment", capacity=3),
               mentor("M5", "W-travel", capacity=3)]
    # C1's only placement would break recognition (ZORG is not LOG); it takes the
    # W-recognition seat once recognised. A0 and B0 have priority 1, so they win the
    # seat and the mentor slot.
    return scenario(students, workplaces, mentors)


def _verify_independently(run: SolveRun, report: FixReport) -> None:
    """Apply each fix, solve from scratch, check the plan and the promise."""
    base = run.solution.workplace
    priority = run.scenario.students.priority
    for fix in report.fixes:
        changed = apply_change(run.scenario, fix.change)
        again = run_solve(changed, SolveSettings(objective=run.solution.objective), keep=base)
        plan = again.plan.model_dump(mode="json", exclude_none=True)
        assert check_plan(changed, plan) == [], fix
        after = again.solution.workplace[: len(base)]
        assert after[fix.student] >= 0, fix
        lost = np.flatnonzero((base >= 0) & (after < 0))
        assert not (priority[lost] < priority[fix.student]).any(), fix


def test_each_kind_of_fix_is_found_and_really_places_the_student() -> None:
    sc = _kinds()
    run = run_solve(sc, SolveSettings())
    unmatched = {str(sc.students.ids[i]) for i in np.flatnonzero(run.solution.workplace < 0)}
    assert unmatched == {"A1", "B1", "C1", "D1", "E1"}
    report = cheapest_fixes(run)
    kinds = {str(sc.students.ids[f.student]): f.change.kind for f in report.fixes}
    assert kinds == {"A1": "seat", "B1": "mentor", "C1": "recognition", "D1": "adjustment",
                     "E1": "travel"}
    assert report.unfixed == []
    travel = next(f for f in report.fixes if f.change.kind == "travel")
    assert 0 < travel.change.minutes < 30
    _verify_independently(run, report)


def test_a_travel_fix_never_asks_more_than_the_policy_allows() -> None:
    # E1's only workplace is about 12 minutes beyond its limit of 20.
    found = cheapest_fixes(run_solve(_kinds(), SolveSettings()))
    extra = next(f.change.minutes for f in found.fixes if f.change.kind == "travel")
    capped = _kinds()
    capped = dataclasses.replace(capped, config=capped.config.model_copy(update={
        "policy": capped.config.policy.model_copy(update={"max_travel_fix_min": extra - 1})}))
    report = cheapest_fixes(run_solve(capped, SolveSettings()))
    e1 = int(np.flatnonzero(capped.students.ids == "E1")[0])
    assert not any(f.change.kind == "travel" for f in report.fixes)
    assert e1 in report.unfixed


@pytest.mark.parametrize("objective", ["priority-first", "placements-first"])
def test_every_fix_on_a_generated_scenario_works_when_applied(
    small: Scenario, objective: str
) -> None:
    run = run_solve(small, SolveSettings(objective=objective))  # type: ignore[arg-type]
    report = cheapest_fixes(run)
    assert len(report.fixes) + len(report.unfixed) == int((run.solution.workplace < 0).sum())
    assert report.fixes
    _verify_independently(run, report)
    ranked = [len(f.newly_placed) for f in report.fixes]
    assert ranked == sorted(ranked, reverse=True)


def test_private_rows_hide_adjustment_codes() -> None:
    sc = _kinds()
    report = cheapest_fixes(run_solve(sc, SolveSettings()))
    private = " ".join(str(r["fix"]) for r in fix_rows(sc, report, private=True))
    public = " ".join(str(r["fix"]) for r in fix_rows(sc, report))
    assert "rolstoel" in public and "rolstoel" not in private


def test_explain_fixes_command(small_dir: Path) -> None:
    runner = CliRunner()
    everyone = runner.invoke(app, ["explain", str(small_dir), "--fixes"])
    assert everyone.exit_code == 0, everyone.output
    assert "Cheapest fix" in everyone.output
    assert runner.invoke(app, ["explain", str(small_dir)]).exit_code == 2
    sc = load_scenario(small_dir)
    run = run_solve(sc, SolveSettings())
    unmatched = str(sc.students.ids[np.flatnonzero(run.solution.workplace < 0)[0]])
    one = runner.invoke(app, ["explain", str(small_dir), "--fixes", "--student", unmatched])
    assert one.exit_code == 0, one.output
    assert "is not placed" in one.output and "Cheapest fix" in one.output
    placed = str(sc.students.ids[np.flatnonzero(run.solution.workplace >= 0)[0]])
    other = runner.invoke(app, ["explain", str(small_dir), "--fixes", "--student", placed])
    assert other.exit_code == 0 and "no fix needed" in other.output
