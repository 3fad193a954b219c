"""The warm engine (matcher.solve.warm): a warm re-solve after any sequence of
changes (refusals, pins, seats and mentors, recognitions and adjustments,
travel limits, a new plan to stay close to, trials undone) equals a cold solve
of the changed scenario: the same value of every level (placements per
priority, students kept in place, cost) and the same objective value, and a
plan the checker accepts. Its duals are those of an optimum."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matcher.solve.lemon as lemon
from matcher.analysis.changes import Change, apply_change
from matcher.candidates import build_candidates
from matcher.check import check_plan
from matcher.io import load_scenario
from matcher.pipeline import SolveSettings, run_solve
from matcher.plan import build_plan
from matcher.replan import (
    Replan,
    previous_workplaces,
    replan_after_refusals,
    with_exclusions,
    with_pins,
)
from matcher.rules import Pairs
from matcher.solve import Solution, solve
from matcher.solve.capacity import residual_capacity
from matcher.solve.problem import build_problem
from matcher.solve.warm import WarmEngine
from models.config import OBJECTIVES, Objective
from models.plan import Plan
from models.scenario import IntArray, Scenario
from tests.solve.test_lemon import level_values
from tests.strategies import tiny_scenarios

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def assert_same_optimum(scenario: Scenario, plan: Plan, warm: Replan, cold: Replan) -> None:
    keep = previous_workplaces(scenario, plan)
    changed = cold.run.scenario
    assert check_plan(changed, warm.run.plan.as_contract()) == []
    # placements per priority, students kept where they were, cost; which of
    # equally good students gains a seat may differ, so the lists of changes may
    assert (level_values(changed, warm.run.solution, keep)
            == level_values(changed, cold.run.solution, keep))


def refusal_sequence(scenario: Scenario, objective: Objective, data: st.DataObject,
                     steps: int) -> None:
    lemon, flow = SolveSettings(backend="lemon", objective=objective), SolveSettings(
        objective=objective)
    plan = run_solve(scenario, lemon).plan
    engine = None
    for _ in range(steps):
        placed = [(a.student_id, a.workplace_id) for a in plan.assignments if not a.pinned]
        if not placed:
            return
        refusals = data.draw(st.lists(st.sampled_from(placed), min_size=1, max_size=2,
                                      unique=True))
        warm = replan_after_refusals(scenario, plan, refusals, lemon, engine)
        cold = replan_after_refusals(scenario, plan, refusals, flow)
        assert_same_optimum(scenario, plan, warm, cold)
        scenario, plan, engine = warm.run.scenario, warm.run.plan, warm.warm


@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=tiny_scenarios(max_students=10, max_workplaces=5, pinned=False),
       data=st.data())
def test_warm_refusals_equal_a_cold_solve(scenario: Scenario, objective: Objective,
                                          data: st.DataObject) -> None:
    refusal_sequence(scenario, objective, data, steps=4)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_warm_refusals_on_flanders_equal_a_cold_solve(data: st.DataObject) -> None:
    """At full size the engine keeps its basis across the refusals."""
    refusal_sequence(load_scenario(SCENARIOS / "flanders-2023"), "priority-first", data, steps=3)


def test_the_engine_is_handed_on_and_reused() -> None:
    scenario = load_scenario(SCENARIOS / "demo")
    lemon = SolveSettings(backend="lemon")
    plan = run_solve(scenario, lemon).plan
    first_pair = [(a.student_id, a.workplace_id) for a in plan.assignments if not a.pinned]
    first = replan_after_refusals(scenario, plan, first_pair[:1], lemon)
    assert first.warm is not None and first.warm.scenario is first.run.scenario
    engine = first.warm.rebuilds
    next_pair = [(a.student_id, a.workplace_id) for a in first.run.plan.assignments
                 if not a.pinned][:1]
    second = replan_after_refusals(first.run.scenario, first.run.plan, next_pair, lemon,
                                   first.warm)
    assert second.warm is first.warm and second.warm.rebuilds == engine
    assert "candidates" not in second.run.stage_seconds  # nothing evaluated again


def placed_levels(scenario: Scenario, solution: Solution, keep: IntArray | None) -> list[int]:
    """Each level's total for a solution, read from its workplace per student (the
    engine's candidates may list the pairs in another order than a cold solve's)."""
    problem = build_problem(scenario, build_candidates(scenario), residual_capacity(scenario),
                            solution.objective, keep)
    chosen = solution.workplace[problem.arc_student] == problem.arc_workplace
    return problem.level_values(chosen)


def assert_equals_cold(engine: WarmEngine) -> Solution:
    scenario, keep = engine.scenario, engine.keep
    warm = engine.solve()
    cold = solve(scenario, build_candidates(scenario), objective=engine.objective, keep=keep)
    assert placed_levels(scenario, warm, keep) == placed_levels(scenario, cold, keep)
    assert warm.objective_value == cold.objective_value
    assert engine.assignment().tolist() == warm.workplace.tolist()
    if not engine.split and not engine.solved_cold and not engine.other_optimum():
        # the only optimum: every exact solver places everyone the same
        assert warm.workplace.tolist() == cold.workplace.tolist()
    assert check_plan(scenario, build_plan(scenario, engine.candidates, warm).as_contract()) == []
    return warm


def change(engine: WarmEngine, data: st.DataObject) -> None:
    """One random change of the engine's scenario, made through the engine."""
    sc = engine.scenario
    ns, nw = len(sc.students), len(sc.workplaces)
    s = data.draw(st.integers(0, ns - 1), label="student")
    w = data.draw(st.integers(0, nw - 1), label="workplace")
    sid, wid = str(sc.students.ids[s]), str(sc.workplaces.ids[w])
    kind = data.draw(st.sampled_from(("refuse", "pin", "seat", "fewer seats", "mentor",
                                      "recognition", "adjustment", "travel", "keep")),
                     label="change")
    if kind == "refuse":
        placed = engine.solve().workplace
        if placed[s] >= 0 and s not in set(sc.pinned.student.tolist()):
            w = int(placed[s])
        engine.exclude(with_exclusions(sc, [(sid, str(sc.workplaces.ids[w]))]),
                       np.asarray([s]), np.asarray([w]))
    elif kind == "pin":
        engine.set_scenario(with_pins(sc, [(sid, wid, None)]))
    elif kind == "fewer seats":
        seats = sc.workplaces.seats.copy()
        seats[w] = max(int(seats[w]) - 1, 0)
        engine.set_scenario(dataclasses.replace(
            sc, workplaces=dataclasses.replace(sc.workplaces, seats=seats)))
    elif kind in ("seat", "mentor"):
        room = Change("seat" if kind == "seat" else "mentor", workplace=w)
        engine.set_scenario(apply_change(sc, room))
    elif kind == "recognition":
        programme = data.draw(st.integers(0, len(sc.programmes.codes) - 1))
        engine.reevaluate(apply_change(sc, Change("recognition", workplace=w, programme=programme)),
                          workplaces=np.asarray([w]))
    elif kind == "adjustment":
        code = data.draw(st.sampled_from(list(sc.adjustments.index())))
        engine.reevaluate(apply_change(sc, Change("adjustment", workplace=w, codes=(code,))),
                          workplaces=np.asarray([w]))
    elif kind == "travel":
        minutes = data.draw(st.sampled_from((-30, -15, 15, 30, 60)))
        minutes = max(minutes, 1 - int(sc.students.max_travel_min[s]))
        engine.reevaluate(apply_change(sc, Change("travel", student=s, minutes=minutes)),
                          students=np.asarray([s]))
    else:
        engine.stay_close_to(data.draw(st.sampled_from((None, engine.solve().workplace))))


@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=tiny_scenarios(max_students=8, max_workplaces=5), data=st.data())
def test_warm_changes_equal_a_cold_solve(scenario: Scenario, objective: Objective,
                                         data: st.DataObject) -> None:
    """Any sequence of changes, some of them tried and undone, with or without
    spare pairs built in closed, a plan to stay close to, the network split in
    independent parts."""
    spare = None
    if data.draw(st.booleans(), label="spare"):
        n, m = len(scenario.students), len(scenario.workplaces)
        spare = Pairs(scenario, np.repeat(np.arange(n), m), np.tile(np.arange(m), n))
    keep = data.draw(st.sampled_from((None, np.roll(np.arange(len(scenario.students)) %
                                                    len(scenario.workplaces), 1))))
    engine = WarmEngine.start(scenario, build_candidates(scenario), objective, keep, spare,
                              split=data.draw(st.booleans(), label="split"))
    assert_equals_cold(engine)
    for _ in range(data.draw(st.integers(1, 6), label="steps")):
        if data.draw(st.booleans(), label="trial"):
            before = engine.scenario
            with engine.trial():
                change(engine, data)
                assert_equals_cold(engine)
            assert engine.scenario is before
        else:
            change(engine, data)
        assert_equals_cold(engine)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=tiny_scenarios(max_students=8, max_workplaces=5), data=st.data())
def test_spare_pairs_keep_changes_warm(scenario: Scenario, data: st.DataObject) -> None:
    """With every pair built in closed, no change needs a new network."""
    n, m = len(scenario.students), len(scenario.workplaces)
    spare = Pairs(scenario, np.repeat(np.arange(n), m), np.tile(np.arange(m), n))
    engine = WarmEngine.start(scenario, build_candidates(scenario), "priority-first", None,
                              spare)
    for _ in range(3):
        change(engine, data)
        assert_equals_cold(engine)
    assert engine.rebuilds == 1


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(scenario=tiny_scenarios(max_students=8, max_workplaces=5), data=st.data())
def test_levels_in_stages_are_solved_cold_and_equal(
    scenario: Scenario, data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(lemon, "lemon_safe_cost", lambda nodes: 1)
        keep = np.zeros(len(scenario.students), dtype=np.int64)
        engine = WarmEngine.start(scenario, build_candidates(scenario), "priority-first", keep)
        assert engine.solved_cold
        for _ in range(3):
            change(engine, data)
            assert_equals_cold(engine)


@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=tiny_scenarios(max_students=8, max_workplaces=5), data=st.data())
def test_duals_prove_the_plan_optimal(scenario: Scenario, objective: Objective,
                                      data: st.DataObject) -> None:
    """Complementary slackness: no open pair left empty has a negative reduced cost,
    no chosen pair a positive one; a workplace with room to spare has none negative
    on its room arc; the potentials price every pair's merged cost."""
    engine = WarmEngine.start(scenario, build_candidates(scenario), objective,
                              np.zeros(len(scenario.students), dtype=np.int64),
                              split=data.draw(st.booleans(), label="split"))
    change(engine, data)
    solution = engine.solve()
    duals = engine.duals()
    free = np.ones(len(engine.scenario.students), dtype=bool)
    free[engine.scenario.pinned.student] = False
    usable = engine.pair_open & free[engine.pair_student]
    chosen = solution.workplace[engine.pair_student] == engine.pair_workplace
    assert (duals.pair[usable & ~chosen] >= 0).all()
    assert (duals.pair[usable & chosen] <= 0).all()
    taken = np.bincount(solution.workplace[free & (solution.workplace >= 0)],
                        minlength=len(engine.scenario.workplaces))
    assert (duals.room[taken < engine.capacity.workplace_room] >= 0).all()
    assert (duals.unplaced[free & (solution.workplace >= 0)] >= 0).all()
