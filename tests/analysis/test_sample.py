"""The sweep's axes change what they say they change: workplaces per student,
the share of workplaces offering each adjustment, and the travel limit."""

from __future__ import annotations

import numpy as np

from matcher.analysis.sample import (
    adapt_workplaces,
    adapted_share,
    sample_scenario,
    with_travel_limit,
)
from matcher.analysis.sweep import RunSpec, point_scenario, run_one
from matcher.pipeline import SolveSettings, run_solve
from models.scenario import Scenario


def test_workplaces_per_student_counts_workplaces_not_seats(small: Scenario) -> None:
    n = len(small.students)
    for ratio in (0.5, 1.0, 2.5):
        sampled = sample_scenario(small, ratio, seed=1, capacity="workplaces")
        assert abs(len(sampled.workplaces) - ratio * n) <= 2
    by_seats = sample_scenario(small, 1.0, seed=1, capacity="seats")
    assert abs(int(by_seats.workplaces.seats.sum()) - n) <= 2
    # workplaces have more than one seat on average, so the two measures differ
    assert len(by_seats.workplaces) < len(sample_scenario(small, 1.0, 1, "workplaces").workplaces)


def test_adapted_share_one_gives_every_workplace_every_adjustment(small: Scenario) -> None:
    assert small.adjustments.codes, "the fixture should use adjustments"
    before = adapted_share(small)
    assert min(before.values()) < 1
    everything = adapt_workplaces(small, 1.0, seed=0)
    assert set(adapted_share(everything).values()) == {1.0}
    # a share below what a code already has leaves that code alone; none is taken away
    some = adapt_workplaces(small, 0.3, seed=0)
    for code, share in adapted_share(some).items():
        assert share >= max(before[code], 0.3) - 1e-9
        assert share <= max(before[code], 0.3 + 1 / len(small.workplaces))
    kept = (small.workplaces.adjustments & ~some.workplaces.adjustments) == 0
    assert kept.all()
    # the same seed adds to the same workplaces first: 0.3 is inside 0.6
    more = adapt_workplaces(small, 0.6, seed=0)
    assert ((some.workplaces.adjustments & ~more.workplaces.adjustments) == 0).all()


def test_more_adapted_workplaces_place_more_priority_one_students(small: Scenario) -> None:
    base = run_solve(small, SolveSettings())
    adapted = run_solve(adapt_workplaces(small, 1.0, 0), SolveSettings())
    first = small.students.priority == 1
    assert ((adapted.solution.workplace >= 0) & first).sum() > (
        (base.solution.workplace >= 0) & first).sum()


def test_travel_limit_axis_sets_every_students_limit(small: Scenario) -> None:
    limited = with_travel_limit(small, 5)
    assert (limited.students.max_travel_min == 5).all()
    close = run_solve(limited, SolveSettings())
    far = run_solve(with_travel_limit(small, 90), SolveSettings())
    assert close.plan.summary.placed < far.plan.summary.placed


def test_a_point_crosses_the_axes_and_rows_say_where(small: Scenario) -> None:
    spec = RunSpec(ratio=0.8, seed=2, objectives=("priority-first",), capacity="workplaces",
                   adapted_share=1.0, travel_limit=30)
    changed = point_scenario(small, spec)
    assert abs(len(changed.workplaces) - 0.8 * len(small.students)) <= 2
    assert set(adapted_share(changed).values()) == {1.0}
    assert (changed.students.max_travel_min == 30).all()
    rows = run_one(small, spec).rows
    assert {(r["ratio"], r["adapted_share"], r["travel_limit"]) for r in rows} == {(0.8, 1.0, 30)}
    everyone = {r["group"]: r for r in rows if r["dimension"] == "tier" and r["among"] == "all"}
    feasible = {r["group"]: r for r in rows
                if r["dimension"] == "tier" and r["among"] == "feasible"}
    for group, row in feasible.items():
        assert row["students"] <= everyone[group]["students"]
        assert row["placed"] == everyone[group]["placed"]  # a placed student had a workplace
    for row in rows:
        if row["dimension"] == "phase" and row["placed"]:
            assert 0 <= row["travel_min"] <= 30 and row["wish_rank"] >= 0
        if row["dimension"] == "phase" and row["placed"] == 0:
            assert np.isnan(row["travel_min"])
