"""Suggestions on a plan: free seats only, cheapest first, unplaced students first."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings

from matcher.candidates import Candidates, build_candidates
from matcher.explain import rejection_counts
from matcher.io import scenario_from_document
from matcher.pipeline import SolveSettings, run_solve
from matcher.suggest import PlanState
from models.scenario import Scenario
from tests.builders import mentor, scenario, student, workplace
from tests.strategies import every_column_documents


def _state(sc: Scenario) -> PlanState:
    run = run_solve(sc, SolveSettings())
    return PlanState.build(sc, run.solution.workplace, run.solution.mentor)


def _ids(sc: Scenario, suggestions: list, what: str) -> list[str]:  # type: ignore[type-arg]
    table = sc.students.ids if what == "student" else sc.workplaces.ids
    return [str(table[getattr(s, what)]) for s in suggestions]


def test_student_suggestions_skip_full_workplaces_and_sort_by_cost() -> None:
    sc = scenario(
        [student("S1", lat=51.0), student("S2", lat=51.0, priority=1)],
        [workplace("NEAR", seats=1, lat=51.0), workplace("MID", seats=1, lat=51.05),
         workplace("FAR", seats=1, lat=51.08), workplace("ZORG", recognised_programmes="ZORG")],
    )
    state = _state(sc)
    # S2 (priority 1) takes NEAR; S1 gets MID; for S1 only FAR still has room.
    assert _ids(sc, state.workplaces_for(0, 5), "workplace") == ["FAR"]
    suggestion = state.workplaces_for(0, 5)[0]
    assert suggestion.cost == sum(suggestion.breakdown.values())


def test_intensive_student_needs_a_mentor_with_intensive_room() -> None:
    sc = scenario(
        [student("S1", intensive_support=True), student("S2", intensive_support=True)],
        [workplace("W1", seats=3)], [mentor("M1", "W1", capacity=3)],
    )
    state = _state(sc)
    unplaced = int(np.flatnonzero(state.workplace_of < 0)[0])
    # W1 still has seats and mentor room; only M1's intensive-support room is used up.
    assert state.free_room[0] > 0 and state.free_intensive[0] == 0
    assert state.workplaces_for(unplaced, 5) == []


def test_workplace_suggestions_put_unplaced_students_first() -> None:
    sc = scenario(
        [student("S1", lat=51.0), student("S2", lat=51.04), student("S3", lat=51.02)],
        [workplace("W1", seats=2, lat=51.0), workplace("W2", seats=0)],
    )
    state = _state(sc)
    # W1 takes the two cheapest (S1, S3); W2 has no seat, S2 stays unplaced.
    assert _ids(sc, state.students_for(1, 10), "student") == ["S2", "S1", "S3"]
    assert _ids(sc, state.students_for(0, 10), "student") == ["S2"]


def test_rejection_counts_per_rule() -> None:
    sc = scenario([student("S1", grade=2)],
                  [workplace("W1", accepts_grade2=False),
                   workplace("W2", recognised_programmes="X")])
    counts = _state(sc).rejections(0)
    assert counts["grade"] == 1 and counts["recognised_for_programme"] == 1


@settings(max_examples=40, deadline=None)
@given(every_column_documents(max_students=6, max_workplaces=6))
def test_one_students_or_workplaces_pairs_are_those_of_all_candidates(
    doc: dict[str, Any]
) -> None:
    """Suggestions find one student's (one workplace's) allowed pairs on demand; they
    must be exactly the pairs build_candidates finds, cheapest first, with the same
    costs, whatever the columns hold (measured times and exclusions included)."""
    sc = scenario_from_document(doc)
    everything = build_candidates(sc)
    state = PlanState.build(sc, np.full(len(sc.students), -1), np.full(len(sc.students), -1))
    _assert_same_pairs(state, everything)
    indexed = PlanState.build(sc, state.workplace_of, state.workplace_of)
    indexed.index_all()  # the service's background pass: answers slice its index
    _assert_same_pairs(indexed, everything)


@settings(max_examples=40, deadline=None)
@given(every_column_documents(max_students=6, max_workplaces=6))
def test_one_students_rejection_counts_are_those_of_the_bulk_count(doc: dict[str, Any]
                                                                    ) -> None:
    """The first question about a student counts its rejections on the student's row
    of pairs; they must be the counts the service's table (KD-tree) gives, whatever the
    columns hold (measured times and exclusions included)."""
    sc = scenario_from_document(doc)
    state = PlanState.build(sc, np.full(len(sc.students), -1), np.full(len(sc.students), -1))
    everyone = rejection_counts(sc, np.arange(len(sc.students), dtype=np.int64))
    for who in range(len(sc.students)):
        assert state.rejections(who) == {rule: int(counts[who])
                                         for rule, counts in everyone.items()}


def _assert_same_pairs(state: PlanState, everything: Candidates) -> None:
    total = everything.costs.total
    for who in range(len(state.scenario.students)):
        mine = everything.student == who
        order = np.lexsort((everything.workplace[mine], total[mine]))
        options = state.of_student(who)
        assert options.workplace.tolist() == everything.workplace[mine][order].tolist()
        assert options.costs.total.tolist() == total[mine][order].tolist()
    for where in range(len(state.scenario.workplaces)):
        here = everything.workplace == where
        order = np.lexsort((everything.student[here], total[here]))
        options = state.of_workplace(where)
        assert options.student.tolist() == everything.student[here][order].tolist()
        assert options.costs.total.tolist() == total[here][order].tolist()
