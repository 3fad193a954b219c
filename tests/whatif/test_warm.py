"""What-if versions solved from the base scenario's warm engine (matcher.whatif.warm):
for random change sets of every kind on small generated scenarios, the warm solve
reaches the cold solve's optimum (every level's value, the same plan kept) with a
plan the checker accepts, leaves the base engine as it was, and hands on an engine
whose next refusal is solved warm to the same optimum; what the engine cannot take
is left to the cold solve."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from matcher.candidates import Candidates, build_candidates
from matcher.check import check_plan
from matcher.io.document import load_inline, text_records
from matcher.io.errors import ScenarioError
from matcher.pipeline import SolveSettings, run_solve
from matcher.replan import previous_workplaces, replan_after_refusals, with_exclusions
from matcher.solve import Solution
from matcher.solve.capacity import residual_capacity
from matcher.solve.problem import build_problem
from matcher.solve.warm import WarmEngine
from matcher.whatif.apply import changed_scenario
from matcher.whatif.changes import ChangeSet, parse_change_set
from matcher.whatif.warm import touched, warm_version_run
from models.config import OBJECTIVES, Objective
from models.plan import Plan
from models.scenario import IntArray, Scenario
from tests.strategies import (
    BIRTH_DATES,
    CEFR,
    COMPETENCES,
    PROGRAMMES,
    SECTORS,
    every_column_documents,
)

ADJUSTMENTS = ("rolstoel", "tolk", "language_support")
# A student's cells a change may set, with values to draw (the cold ones included).
STUDENT_VALUES: dict[str, tuple[Any, ...]] = {
    "dutch_level": CEFR, "birth_date": BIRTH_DATES, "programme": PROGRAMMES,
    "grade": (2, 3), "phase": ("aanloop", "duaal"), "contract_ready": (True, False),
    "sector_wishes": ("", *SECTORS, "retail;bouw"), "competence_gaps": ("", *COMPETENCES),
    "adjustments": ("", "rolstoel", "tolk", "rolstoel;tolk"), "max_travel_min": (0, 30, 90),
    "school_id": ("SC9",), "priority": (1, 4), "intensive_support": (True, False),
    "lat": (50.95, 51.2), "lon": (4.45, 4.9), "postcode": ("", "2800", "3000"),
}


def level_values(scenario: Scenario, solution: Solution, keep: IntArray | None) -> list[int]:
    """Each level's total for the students' workplaces in ``solution``, on the problem a
    cold solve of ``scenario`` builds (so a pair the rules refuse cannot count)."""
    problem = build_problem(scenario, build_candidates(scenario), residual_capacity(scenario),
                            solution.objective, keep)
    free = problem.free[problem.arc_student]
    chosen = free & (solution.workplace[problem.arc_student] == problem.arc_workplace)
    assert int(chosen.sum()) == int((problem.free & (solution.workplace >= 0)).sum())
    return problem.level_values(chosen)


def allowed(candidates: Candidates) -> dict[tuple[int, int], tuple[int, ...]]:
    """Each allowed pair's travel minutes and cost parts (what plans and explanations
    read of them)."""
    costs = candidates.costs
    return {(int(s), int(w)): (int(m), int(a), int(b), int(c)) for s, w, m, a, b, c in zip(
        candidates.student, candidates.workplace, candidates.pairs.minutes, costs.wish,
        costs.competence, costs.travel, strict=True)}


def _change(data: st.DataObject, kind: str, tables: dict[str, Any]) -> dict[str, Any]:
    """A change of ``kind`` that the loader mostly accepts: W0's first mentor M0 keeps
    its room (a scenario needs some), pinned mentors stay, a recognition removed is
    one of several."""
    pinned = {r.get("mentor_id") for r in tables.get("placements", [])}
    ids = {"student": [r["student_id"] for r in tables["students"]],
           "workplace": [r["workplace_id"] for r in tables["workplaces"]],
           "mentor": [r["mentor_id"] for r in tables["mentors"]
                      if r["mentor_id"] != "M0" and r["mentor_id"] not in pinned] or ["M0"]}
    recognised = {r["workplace_id"]: r["recognised_programmes"].split(";")
                  for r in tables["workplaces"]}

    def pick(what: str) -> str:
        picked: str = data.draw(st.sampled_from(ids[what]))
        return picked

    def set_or_add(low: int, high: int) -> dict[str, int]:
        return data.draw(st.one_of(st.builds(lambda v: {"set": v}, st.integers(0, high)),
                                   st.builds(lambda v: {"add": v}, st.integers(low, high))))

    change: dict[str, Any] = {"kind": kind}
    if kind == "seats":
        change.update(workplace=pick("workplace"), **set_or_add(-1, 3))
        if change["workplace"] == "W0":
            change.pop("set", None)
            change["add"] = abs(change.pop("add", 0))
    elif kind == "add_mentor":
        change.update(workplace=pick("workplace"),
                      **data.draw(st.sampled_from(({}, {"capacity": 0}, {"capacity": 2}))))
    elif kind in ("mentor_capacity", "remove_mentor"):
        change["mentor"] = pick("mentor")
        if kind == "mentor_capacity":
            change["capacity"] = data.draw(st.integers(2, 3))
    elif kind == "remove_recognition":
        several = [w for w, listed in recognised.items() if len(listed) > 1]
        workplace = data.draw(st.sampled_from(several or ids["workplace"]))
        change.update(workplace=workplace,
                      programme=data.draw(st.sampled_from(recognised[workplace])))
    elif kind == "add_recognition":
        change.update(workplace=pick("workplace"),
                      programme=data.draw(st.sampled_from(PROGRAMMES)))
    elif kind == "offer_adjustments":
        change.update(workplace=pick("workplace"),
                      codes=data.draw(st.lists(st.sampled_from(ADJUSTMENTS), min_size=1,
                                               max_size=2, unique=True)))
    elif kind == "offer_placement_type":
        change.update(workplace=pick("workplace"),
                      type=data.draw(st.sampled_from(("contract", "guided"))))
    elif kind == "accept_grade2":
        change["workplace"] = pick("workplace")
    elif kind == "travel_limit":
        change.update(student=pick("student"), **set_or_add(0, 90))
    else:
        columns = data.draw(st.lists(st.sampled_from(sorted(STUDENT_VALUES)), min_size=1,
                                     max_size=2, unique=True))
        change.update(student=pick("student"), values={
            column: data.draw(st.sampled_from(STUDENT_VALUES[column])) for column in columns})
    return change


KINDS = ("seats", "add_mentor", "mentor_capacity", "remove_mentor", "add_recognition",
         "remove_recognition", "offer_adjustments", "offer_placement_type", "accept_grade2",
         "travel_limit", "student_data")


def _text(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its tables as text cells, as a stored scenario holds them."""
    return {**document, "tables": {name: text_records(rows)
                                   for name, rows in document["tables"].items()}}


def _version(data: st.DataObject, document: dict[str, Any]) -> tuple[ChangeSet, Scenario]:
    kinds = data.draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=2))
    change_set = parse_change_set({"changes": [_change(data, kind, document["tables"])
                                               for kind in kinds]})
    try:
        return change_set, changed_scenario(document, change_set).scenario
    except ScenarioError:  # e.g. seats below the placements fixed, no mentor left
        assume(False)
        raise


@pytest.mark.parametrize("objective", OBJECTIVES)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=every_column_documents(max_students=6, max_workplaces=4), data=st.data())
def test_a_version_solved_warm_reaches_the_cold_optimum(
        objective: Objective, document: dict[str, Any], data: st.DataObject) -> None:
    document = _text(document)
    change_set, version = _version(data, document)
    base = load_inline(document)
    settings = SolveSettings(objective=objective)
    base_run = run_solve(base, settings)
    engine = WarmEngine.start(base, base_run.candidates, objective,
                              build=data.draw(st.booleans(), label="built"))
    # a refusal in force for the engine only (lifted in the version) or the version only
    refused_in = data.draw(st.sampled_from(("neither", "engine", "version")))
    pair = data.draw(st.sampled_from([(str(s), str(w)) for s in base.students.ids
                                      for w in base.workplaces.ids]), label="pair")
    followed = base
    if refused_in == "engine":
        followed = with_exclusions(base, [pair])
        assert engine.follow(followed)
    elif refused_in == "version":
        version = with_exclusions(version, [pair])
    if data.draw(st.booleans(), label="solved before"):
        engine.solve()
    keep = previous_workplaces(version, base_run.plan)
    made = warm_version_run(engine, version, change_set, keep)
    if touched(change_set) is None:
        assert made is None
        return
    assert made is not None
    warm, copied = made
    cold = run_solve(version, settings, keep=keep)
    assert check_plan(version, warm.plan.as_contract()) == []
    assert level_values(version, warm.solution, keep) == level_values(
        version, cold.solution, keep)
    assert warm.solution.objective_value == cold.solution.objective_value
    assert allowed(warm.candidates) == allowed(cold.candidates)
    # the base engine is as it was: its optimum is still its scenario's
    assert engine.scenario is followed
    assert level_values(followed, engine.solve(), None) == level_values(
        followed, run_solve(followed, settings).solution, None)
    # the version's engine re-plans a refusal on its plan warm, to the cold optimum
    placed = [(a.student_id, a.workplace_id) for a in warm.plan.assignments if not a.pinned]
    if not placed:
        return
    refused = [data.draw(st.sampled_from(placed), label="refused")]
    lemon = SolveSettings(backend="lemon", objective=objective)
    again = replan_after_refusals(version, warm.plan, refused, lemon, copied)
    assert again.warm is copied
    cold_again = replan_after_refusals(version, warm.plan, refused, settings)
    replan_keep = previous_workplaces(version, warm.plan)
    assert check_plan(again.run.scenario, again.run.plan.as_contract()) == []
    assert level_values(again.run.scenario, again.run.solution, replan_keep) == level_values(
        cold_again.run.scenario, cold_again.run.solution, replan_keep)


def test_what_the_engine_cannot_take_is_left_to_a_cold_solve(
        demo: tuple[dict[str, Any], Scenario]) -> None:
    """A student's intensive support (the network's shape), and a version whose rows
    are not the base's: ``warm_version_run`` gives None (the caller solves cold)."""
    document, base = demo
    engine = WarmEngine.start(base, build_candidates(base), "priority-first", build=False)
    change_set = parse_change_set({"changes": [
        {"kind": "seats", "workplace": "W01", "add": 1},
        {"kind": "student_data", "student": "S01", "values": {"intensive_support": True}}]})
    version = changed_scenario(document, change_set).scenario
    assert warm_version_run(engine, version, change_set, None) is None
    seats = parse_change_set({"changes": [{"kind": "seats", "workplace": "W01", "add": 1}]})
    version = changed_scenario(document, seats).scenario
    assert warm_version_run(engine, version, seats, None) is not None
    order = np.arange(len(version.students))[::-1].copy()
    reordered = dataclasses.replace(version, students=dataclasses.replace(
        version.students, ids=version.students.ids[order]))
    assert warm_version_run(engine, reordered, seats, None) is None


@pytest.mark.parametrize(("student", "priority"), [("S26", 1), ("S25", 4)])
def test_a_priority_changed_in_a_version_weighs_every_placement_again(
        demo: tuple[dict[str, Any], Scenario], demo_plan: Plan, student: str,
        priority: int) -> None:
    """In the demo S25 and S26 want M27's last slot: a priority changed decides who
    gets it, in a solved engine of the base as in a cold solve."""
    document, base = demo
    change_set = parse_change_set({"changes": [
        {"kind": "student_data", "student": student, "values": {"priority": priority}}]})
    version = changed_scenario(document, change_set).scenario
    keep = previous_workplaces(version, demo_plan)
    engine = WarmEngine.start(base, build_candidates(base), base.config.policy.objective)
    engine.solve()
    made = warm_version_run(engine, version, change_set, keep)
    assert made is not None
    cold = run_solve(version, SolveSettings(), keep=keep)
    assert level_values(version, made[0].solution, keep) == level_values(
        version, cold.solution, keep)
    assert made[0].plan.summary == cold.plan.summary
    assert made[0].plan.summary != demo_plan.summary  # the change matters
    # undone in the base's engine: its priorities weigh again
    assert level_values(base, engine.solve(), None) == level_values(
        base, run_solve(base, SolveSettings()).solution, None)


def test_a_student_moved_in_a_version_has_the_travel_minutes_of_a_cold_search(
        demo: tuple[dict[str, Any], Scenario], demo_plan: Plan) -> None:
    """S01 lives further away in the version: the engine's pairs of S01 carry the new
    travel minutes and costs (plans and explanations read them), and the base's engine
    has its own back."""
    document, base = demo
    change_set = parse_change_set({"changes": [
        {"kind": "student_data", "student": "S01", "values": {"lat": 51.02}}]})
    version = changed_scenario(document, change_set).scenario
    keep = previous_workplaces(version, demo_plan)
    candidates = build_candidates(base)
    engine = WarmEngine.start(base, candidates, base.config.policy.objective)
    engine.solve()
    made = warm_version_run(engine, version, change_set, keep)
    assert made is not None
    moved = allowed(made[0].candidates)
    assert moved == allowed(build_candidates(version))
    assert moved != allowed(candidates)  # the move changes S01's minutes
    assert allowed(engine.candidates) == allowed(candidates)
