"""The recruitment plan: made on the files (the what-if change set) and solved as a
user would, it places exactly what it promises; it never places less than the greedy
list of the same size; on tiny scenarios it is the optimum of an exhaustive search
over every set of additions."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings

from matcher.analysis.changes import Change, Resolver
from matcher.analysis.recruit import (
    Addition,
    RecruitCurve,
    RecruitModel,
    apply_additions,
    change_set,
    curve_json,
    curve_rows,
    placed_of,
    recruitment_curve,
)
from matcher.candidates import build_candidates
from matcher.io.document import read_inline
from matcher.messages import render
from matcher.pipeline import SolveSettings, run_solve
from matcher.solve import solve
from matcher.solve.capacity import room_terms
from matcher.whatif.apply import changed_scenario
from models.config import Objective
from models.scenario import Scenario
from tests.solve.brute_force import best_score
from tests.strategies import tiny_scenarios

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"


def _levels(scenario: Scenario) -> list[int]:
    return sorted({int(p) for p in scenario.students.priority})


def _check_curve_on_files(folder: Path, budget: int) -> None:
    document, scenario = read_inline(folder)
    run = run_solve(scenario, SolveSettings())
    curve = recruitment_curve(run, budget)
    objective = run.solution.objective
    levels = _levels(scenario)
    assert [p.budget for p in curve.points] == list(range(1, budget + 1))
    for point in curve.points:
        plan = point.plan
        assert plan.optimal
        assert plan.used <= point.budget
        changes = change_set(scenario, plan.additions)
        if changes is None:
            after = run.solution.workplace
        else:
            changed = changed_scenario(document, changes).scenario
            after = solve(changed, build_candidates(changed)).workplace
        # exactly what was promised, per priority level, by the normal solve on the files
        assert placed_of(scenario, after) == plan.placed, point.budget
        assert plan.placed.key(levels, objective) >= point.greedy.placed.key(levels, objective)
    keys = [p.plan.placed.key(levels, objective) for p in curve.points]
    assert keys == sorted(keys), "a larger budget never places less"
    assert curve.points[-1].plan.placed.key(levels, objective) > curve.base.key(levels, objective)


def test_demo_plan_places_what_it_promises_on_the_files() -> None:
    _check_curve_on_files(DEMO, 4)


def test_generated_plan_places_what_it_promises_on_the_files(small_dir: Path) -> None:
    _check_curve_on_files(small_dir, 3)


def test_demo_joint_plan_beats_the_greedy_list_on_priority_1() -> None:
    """On the demo the best single additions place more students in total but fewer
    priority-1 students than the plan chosen jointly: the gain the curve shows."""
    run = run_solve(read_inline(DEMO)[1], SolveSettings())
    point = recruitment_curve(run, 2).points[-1]
    assert point.plan.placed.priority_1 > point.greedy.placed.priority_1


def test_rows_and_json_name_workplace_programme_and_adjustment() -> None:
    scenario = read_inline(DEMO)[1]
    run = run_solve(scenario, SolveSettings())
    curve = recruitment_curve(run, 3)
    data = json.loads(json.dumps(curve_json(curve, scenario)))
    additions = [a for p in data["points"] for a in p["plan"]["additions"]]
    assert additions and all(a["workplace_id"] and a["employer"] for a in additions)
    assert all(a["programme"] for a in additions if a["kind"] == "recognition")
    rows = curve_rows(curve, scenario)
    for lang in ("nl", "en"):
        text = " ".join(render(m, lang) for row in rows for m in row["additions"])  # type: ignore[attr-defined]
        for addition in additions:
            assert f"({addition['workplace_id']})" in text
            assert str(addition["employer"]) in text


def _brute_force_best(scenario: Scenario, objective: Objective, budget: int,
                      choices: list[Change]) -> tuple[int, ...] | None:
    """The best placement levels over every set of at most ``budget`` additions:
    seats and mentors at any workplace that pinned rows do not already overfill
    (repeats allowed), each other candidate at most once."""
    terms = room_terms(scenario)
    growable = (terms.seats >= 0) & (terms.mentors >= 0) & (terms.intensive >= 0)
    capacity = [Change(kind, workplace=w) for w in np.flatnonzero(growable).tolist()
                for kind in ("seat", "mentor")]
    best: tuple[int, ...] | None = None
    for size in range(budget + 1):
        for capacity_part in itertools.combinations_with_replacement(capacity, size):
            for rest in range(budget - size + 1):
                for other in itertools.combinations(choices, rest):
                    changed = apply_additions(scenario, [Addition(c) for c in
                                                         (*capacity_part, *other)])
                    score = best_score(changed, objective)
                    if score is not None and (best is None or score[:-1] > best):
                        best = score[:-1]
    return best


@pytest.mark.parametrize("objective", ["priority-first", "placements-first"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=tiny_scenarios(max_students=3, max_workplaces=2))
def test_plan_is_the_optimum_of_an_exhaustive_search(scenario: Scenario,
                                                     objective: Objective) -> None:
    if best_score(scenario, objective) is None:
        reject()
    run = run_solve(scenario, SolveSettings(objective=objective))
    model = RecruitModel(run)
    choices = model.candidates()
    for budget in (1, 2):
        plan = model.solve(budget)
        assert plan.optimal
        truth = _brute_force_best(scenario, objective, budget, choices)
        assert truth is not None
        levels = _levels(scenario)
        if objective == "placements-first":
            found: tuple[int, ...] = (plan.placed.total,)
        else:
            found = tuple(plan.placed.by_priority.get(level, 0) for level in levels)
        assert found == truth, budget
        # and the normal solve places that with the plan's additions made
        changed = apply_additions(scenario, plan.additions)
        after = solve(changed, build_candidates(changed), objective=objective).workplace
        promised = plan.placed.key(_levels(scenario), objective)
        assert placed_of(scenario, after[: len(scenario.students)]).key(
            _levels(scenario), objective) == promised


@pytest.mark.parametrize("folder", ["demo", "small"])
def test_warm_re_solves_give_the_cold_curve(folder: str, small_dir: Path) -> None:
    """The screening and the additions re-planned in the warm engine give the curve the
    cold re-solves give: the same greedy lists, what they place, and the same optimal
    plan values per budget."""
    _, scenario = read_inline(DEMO if folder == "demo" else small_dir)
    run = run_solve(scenario, SolveSettings())
    objective = run.solution.objective

    def curve(warm: bool) -> RecruitCurve:
        return recruitment_curve(run, 3, resolver=Resolver(
            scenario, run.candidates, run.solution, objective, warm=warm))

    warm, cold = curve(True), curve(False)
    assert [p.greedy for p in warm.points] == [p.greedy for p in cold.points]
    assert [(p.plan.placed, p.plan.used, p.plan.optimal) for p in warm.points] == [
        (p.plan.placed, p.plan.used, p.plan.optimal) for p in cold.points]
