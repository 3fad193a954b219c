"""Fixes: one of each kind on a hand-built scenario; every fix made on the tables
(a change file, ``matcher.whatif``) and solved again with the normal solve places
its student and changes exactly the students it lists; travel fixes are the
smallest that work and within the cap; the warm search finds what re-planning
every change from scratch finds."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from matcher.analysis.changes import Change
from matcher.analysis.fixes import FixFinder, FixReport, cheapest_fixes, fix_rows
from matcher.cli import app
from matcher.diff import plan_diff
from matcher.io import load_scenario
from matcher.io.document import load_inline, read_inline, text_records
from matcher.pipeline import SolveRun, SolveSettings, run_solve
from matcher.replan import previous_workplaces
from matcher.whatif.apply import changed_scenario
from matcher.whatif.changes import ChangeSet, parse_change_set
from models.scenario import Scenario
from tests.analysis.whatif_check import check_fix, whatif
from tests.builders import document, mentor, student, workplace

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _kinds_document(**policy: Any) -> dict[str, Any]:
    """Unmatched students, each fixable by exactly one kind of change."""
    students = [
        student("A0", lat=51.0, lon=4.0, priority=1),  # takes W-seat's only seat
        student("A1", lat=51.0, lon=4.0),  # seat
        student("B0", lat=51.0, lon=4.3, priority=1),  # takes the only mentor slot
        student("B1", lat=51.0, lon=4.3),  # mentor
        student("C1", programme="ZORG", lat=51.0, lon=4.6),  # recognition (sector zorg)
        student("D1", adjustments="rolstoel;prikkelarm", lat=51.0, lon=4.9),  # two codes
        student("E1", lat=51.3, lon=5.2, max_travel_min=20),  # travel
        student("F1", phase="aanloop", lat=50.7, lon=4.0),  # placement type: guided
        student("G1", grade=2, lat=50.7, lon=4.3),  # accepts grade 2
        student("H1", lat=50.7, lon=4.6),  # no Dutch level given: complete it
        student("I1", programme="KOK", lat=50.7, lon=4.9),  # no horeca nearby: recruit
    ]
    workplaces = [
        workplace("W-seat", seats=1, lat=51.0, lon=4.0),
        workplace("W-mentor", seats=3, lat=51.0, lon=4.3),
        workplace("W-recognition", sector="zorg", recognised_programmes="LOG", lat=51.0,
                  lon=4.6, seats=2),
        workplace("W-adjustment", lat=51.0, lon=4.9, seats=2),
        workplace("W-travel", lat=51.4, lon=5.2, seats=2),
        workplace("W-type", offers_contract="true", offers_guided="false", lat=50.7, lon=4.0),
        workplace("W-grade", accepts_grade2="false", lat=50.7, lon=4.3),
        workplace("W-dutch", min_dutch_level="B1", lat=50.7, lon=4.6),
        # far away: they only tell each programme's sector
        workplace("W-zorg-far", sector="zorg", recognised_programmes="ZORG", lat=49.6,
                  lon=6.0, seats=0),
        workplace("W-horeca-far", sector="horeca", recognised_programmes="KOK", lat=49.6,
                  lon=6.1, seats=0),
    ]
    mentors = [mentor("M1", "W-seat", capacity=3), mentor("M2", "W-mentor", capacity=1),
               *(mentor(f"M-{w['workplace_id']}", w["workplace_id"], capacity=3)
                 for w in workplaces[2:])]
    # A0 and B0 have priority 1, so they win the seat and the mentor slot.
    return _as_read(document(students, workplaces, mentors, policy=policy or None))


def _as_read(doc: dict[str, Any]) -> dict[str, Any]:
    """A builder's document with its cells as text, as a scenario's tables are read."""
    return {**doc, "tables": {name: text_records(rows) for name, rows in doc["tables"].items()}}


def _solved(doc: dict[str, Any], **settings: Any) -> SolveRun:
    return run_solve(load_inline(doc), SolveSettings(**settings))


def _by_id(run: SolveRun, report: FixReport) -> dict[str, Change]:
    return {str(run.scenario.students.ids[f.student]): f.change for f in report.fixes}


def test_each_kind_of_fix_is_found_and_holds_on_the_tables() -> None:
    doc = _kinds_document()
    run = _solved(doc)
    unmatched = {str(run.scenario.students.ids[i])
                 for i in np.flatnonzero(run.solution.workplace < 0)}
    assert unmatched == {"A1", "B1", "C1", "D1", "E1", "F1", "G1", "H1", "I1"}
    report = cheapest_fixes(run)
    kinds = {s: c.kind for s, c in _by_id(run, report).items()}
    assert kinds == {"A1": "seat", "B1": "mentor", "C1": "recognition", "D1": "adjustment",
                     "E1": "travel", "F1": "placement_type", "G1": "grade2", "H1": "data",
                     "I1": "recruit"}
    assert report.unfixed == []
    found = _by_id(run, report)
    assert found["D1"].codes == ("prikkelarm", "rolstoel")  # both at one workplace
    assert found["F1"].codes == ("guided",)
    assert (found["H1"].field, found["H1"].value) == ("dutch_level", 3)  # B1
    assert found["I1"].codes == ("horeca",)
    for fix in report.fixes:
        if fix.confirmed:
            assert check_fix(doc, run, fix) == [], fix
    recruit = next(f for f in report.fixes if f.change.kind == "recruit")
    assert not recruit.confirmed and recruit.affected == ()


def test_a_recognition_is_only_offered_within_the_programmes_sector() -> None:
    doc = _kinds_document()
    other_sector = [dict(w, sector="retail") if w["workplace_id"] == "W-recognition" else w
                    for w in doc["tables"]["workplaces"]]
    doc["tables"]["workplaces"] = other_sector
    run = _solved(doc)
    c1 = _by_id(run, cheapest_fixes(run))["C1"]
    # the only nearby workplace is a shop: no recognition there, nor a zorg one nearby
    assert (c1.kind, c1.codes) == ("recruit", ("zorg",))


def test_the_demo_never_recognises_a_workplace_of_another_sector() -> None:
    doc, scenario = read_inline(SCENARIOS / "demo")
    run = run_solve(scenario, SolveSettings())
    sectors = scenario.sectors.codes
    from matcher.analysis.groups import programme_sectors

    own = programme_sectors(scenario)
    for fix in cheapest_fixes(run).fixes:
        change = fix.change
        if change.kind == "recognition":
            assert sectors[scenario.workplaces.sector[change.workplace]] == own[change.programme]
        if fix.confirmed:
            assert check_fix(doc, run, fix) == [], fix


def test_a_fix_lists_the_student_it_unplaces() -> None:
    # P1 (priority 1) needs an adjustment W-full lacks; W-full's one seat holds L3
    # (priority 3), who has nowhere else to go. The fix places P1 and unplaces L3.
    doc = _as_read(document([student("P1", adjustments="rolstoel", priority=1),
                             student("L3", priority=3)],
                            [workplace("W-full", seats=1)]))
    run = _solved(doc)
    report = cheapest_fixes(run)
    (fix,) = report.fixes
    ids = run.scenario.students.ids
    assert {str(ids[a.student]): a.change for a in fix.affected} == {"P1": "gained",
                                                                    "L3": "lost"}
    (row,) = fix_rows(run.scenario, report)
    assert row["places"] == 1 and row["also_unplaces"] == ["L3"]
    assert check_fix(doc, run, fix) == []


def test_a_travel_fix_is_the_smallest_that_works_and_never_beyond_the_cap() -> None:
    doc = _kinds_document()
    run = _solved(doc)
    travel = _by_id(run, cheapest_fixes(run))["E1"]
    assert 0 < travel.minutes <= 15
    less = dataclasses.replace(travel, minutes=travel.minutes - 1)
    assert "E1" not in whatif(doc, run, less)
    capped = _kinds_document(max_travel_fix_min=travel.minutes - 1)
    run = _solved(capped)
    # W-travel is now out of reach: no travel fix, and no workplace of E1's sector
    # within the limit plus the cap, so the advice is to recruit one
    assert _by_id(run, cheapest_fixes(run))["E1"].kind == "recruit"


@pytest.mark.parametrize("objective", ["priority-first", "placements-first"])
@pytest.mark.parametrize("which", ["generated", "every kind"])
def test_the_warm_search_finds_what_replanning_every_change_finds(
    small: Scenario, objective: str, which: str
) -> None:
    scenario = small if which == "generated" else load_inline(_kinds_document())
    run = run_solve(scenario, SolveSettings(objective=objective))  # type: ignore[arg-type]
    warm = FixFinder(run, per_kind=None).find()
    cold = FixFinder(run, per_kind=None, warm=False).find()
    assert warm.fixes, "the scenario must have fixes to compare"
    assert [(f.student, f.change, f.affected) for f in warm.fixes] == [
        (f.student, f.change, f.affected) for f in cold.fixes]
    assert warm.unfixed == cold.unfixed
    assert cold.replans > warm.replans  # the duals and warm solves did the work


def _spread(report: FixReport, count: int) -> list[Any]:
    """Up to ``count`` confirmed fixes: every kind, every fix that moves or unplaces
    someone else, then the rest in order."""
    confirmed = [f for f in report.fixes if f.confirmed]
    chosen = list({f.change.kind: f for f in reversed(confirmed)}.values())
    chosen += [f for f in confirmed if len(f.affected) > 1 and f not in chosen]
    chosen += [f for f in confirmed if f not in chosen]
    return chosen[:count]


@pytest.mark.parametrize("name", ["ratio-0.8", "ratio-1.0", "ratio-1.5", "ratio-2.0"])
def test_fixes_on_the_generated_scenarios_hold_on_the_tables(name: str) -> None:
    doc, scenario = read_inline(SCENARIOS / "generated" / name)
    run = run_solve(scenario, SolveSettings())
    report = cheapest_fixes(run)
    assert len(report.fixes) + len(report.unfixed) == int((run.solution.workplace < 0).sum())
    for fix in _spread(report, 10):
        assert check_fix(doc, run, fix) == [], fix


def test_fixes_on_the_calibrated_scenario_hold_on_the_tables() -> None:
    """A sample of scenarios/flanders-2023's unmatched students (all of them:
    benchmarks/bench_fixes.py)."""
    doc, scenario = read_inline(SCENARIOS / "flanders-2023")
    run = run_solve(scenario, SolveSettings())
    unmatched = np.flatnonzero(run.solution.workplace < 0)
    report = cheapest_fixes(run, unmatched[::25].tolist())
    for fix in _spread(report, 4):
        assert check_fix(doc, run, fix) == [], fix


def test_a_fix_is_a_change_file_entry() -> None:
    run = _solved(_kinds_document())
    from matcher.analysis.changes import as_scenario_change

    entries = [as_scenario_change(run.scenario, f.change) for f in cheapest_fixes(run).fixes]
    document_of = ChangeSet(changes=[e for e in entries if e is not None]).to_document()
    kinds = [c["kind"] for c in document_of["changes"]]
    assert sorted(kinds) == sorted(["seats", "add_mentor", "add_recognition",
                                    "offer_adjustments", "travel_limit",
                                    "offer_placement_type", "accept_grade2", "student_data"])


def test_private_rows_hide_adjustment_codes() -> None:
    run = _solved(_kinds_document())
    report = cheapest_fixes(run)
    private = " ".join(str(r["fix"]) for r in fix_rows(run.scenario, report, private=True))
    public = " ".join(str(r["fix"]) for r in fix_rows(run.scenario, report))
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


def test_explain_fixes_json_gives_every_fix_as_data() -> None:
    done = CliRunner().invoke(app, ["explain", str(SCENARIOS / "demo"), "--fixes", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    doc, scenario = read_inline(SCENARIOS / "demo")
    run = run_solve(scenario, SolveSettings())
    unmatched = {u.student_id for u in run.plan.unmatched}
    assert {f["student_id"] for f in data["fixes"]} | set(data["unfixed"]) == unmatched
    for fix in data["fixes"]:
        assert fix["text"] and fix["message"]["code"].startswith("fix.")
        if not fix["confirmed"]:
            assert fix["kind"] == "recruit" and fix["change"] is None and not fix["students"]
            continue
        # the change entry is a change file's entry; made on the tables it does what
        # the fix lists
        version = changed_scenario(doc, parse_change_set({"changes": [fix["change"]]}))
        again = run_solve(version.scenario, SolveSettings(),
                          keep=previous_workplaces(version.scenario, run.plan))
        changed = {c.student_id: c.change for c in plan_diff(run.plan, again.plan).changes}
        assert changed == {s["student_id"]: s["change"] for s in fix["students"]}
        assert changed[fix["student_id"]] == "gained"
    assert any(len(f["students"]) > 1 for f in data["fixes"])  # S22's fix unplaces S23
