"""The scenarios shipped in scenarios/: they load, solve, pass the independent
checker, and the demo shows every case its README promises."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from matcher.check import check_plan
from matcher.generate import GeneratorSettings, write_scenario
from matcher.io import load_scenario
from matcher.pipeline import SolveSettings, run_solve

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
RATIOS = ("0.8", "1.0", "1.5", "2.0")


def _solve(folder: Path) -> dict[str, Any]:
    scenario = load_scenario(folder)
    run = run_solve(scenario, SolveSettings())
    plan = run.plan.as_contract()
    assert check_plan(scenario, plan) == []
    return plan


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return _solve(SCENARIOS / "demo")


def test_demo_summary(demo: dict[str, Any]) -> None:
    assert demo["summary"]["students"] == 40
    assert demo["summary"]["placed"] == 33
    assert Counter(u["reason"] for u in demo["unmatched"]) == {
        "no_feasible_workplace": 4, "capacity": 3}


def test_demo_placements_and_rejections(demo: dict[str, Any]) -> None:
    placed = {a["student_id"]: a for a in demo["assignments"]}
    expected = {
        "S01": "W01",  # recognised until the reference date itself
        "S03": "W04",  # duaal: contract only
        "S04": "W05",  # aanloop, contract-ready: contract-only workplace
        "S05": "W07",  # aanloop, not ready: guided only
        "S06": "W09",  # grade 2 not accepted at W08
        "S07": "W11",  # rolstoel offered
        "S09": "W14",  # measured 25 min beats the 41 min estimate
        "S11": "W16",  # language_support waives min_dutch_level
        "S14": "W17",  # 18 on the reference date
        "S17": "W20",  # W19 excluded
        "S25": "W26",  # priority 2 beats the cheaper priority 3 (S26)
    }
    assert {s: placed[s]["workplace_id"] for s in expected} == expected
    assert placed["S18"]["pinned"] and placed["S18"]["mentor_id"] == "M22"
    assert placed["S19"]["pinned"] and placed["S19"]["mentor_id"]
    assert placed["S20"]["pinned"]
    assert demo["conflicts"] == [
        {"student_id": "S20", "workplace_id": "W23", "rules": ["recognised_for_programme"]}]
    unmatched = {u["student_id"]: u for u in demo["unmatched"]}
    assert {s: u["reason"] for s, u in unmatched.items()} == {
        "S02": "no_feasible_workplace", "S12": "no_feasible_workplace",
        "S15": "no_feasible_workplace", "S16": "no_feasible_workplace",
        "S22": "capacity", "S24": "capacity", "S26": "capacity"}
    assert unmatched["S12"]["rules"]["dutch_level"] == 1
    assert unmatched["S15"]["rules"]["min_age"] == 3


@pytest.mark.parametrize("ratio", RATIOS)
def test_generated_scenarios_are_up_to_date(ratio: str, tmp_path: Path) -> None:
    """The shipped files are exactly what the generator writes today."""
    written = write_scenario(GeneratorSettings(students=500, ratio=float(ratio), seed=1),
                             tmp_path)
    shipped = SCENARIOS / "generated" / f"ratio-{ratio}"
    assert sorted(p.name for p in shipped.iterdir()) == sorted(p.name for p in written.iterdir())
    for path in written.iterdir():
        assert path.read_bytes() == (shipped / path.name).read_bytes(), path.name


@pytest.mark.parametrize("ratio", RATIOS)
def test_generated_scenarios_solve_and_check(ratio: str) -> None:
    plan = _solve(SCENARIOS / "generated" / f"ratio-{ratio}")
    assert plan["summary"]["students"] == 500
    assert plan["conflicts"] == []


def test_more_workplaces_place_more_students() -> None:
    placed = [_solve(SCENARIOS / "generated" / f"ratio-{r}")["summary"]["placed"] for r in RATIOS]
    assert placed == sorted(placed) and placed[0] < placed[-1]
