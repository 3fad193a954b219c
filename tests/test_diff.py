"""The difference of two plans: every kind of change, students in one plan only, counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.diff import (
    CHANGE_KINDS,
    UNKNOWN_PRIORITY,
    InconsistentPlan,
    plan_changes,
    plan_diff,
)
from models.plan import Assignment, Breakdown, Plan, SolverInfo, Summary, UnmatchedStudent

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo"

# A place: (workplace_id, mentor_id) when placed, or the unmatched reason.
PlaceSpec = tuple[str, str | None] | str


def make_plan(places: dict[str, PlaceSpec]) -> Plan:
    assignments = [Assignment(student_id=s, workplace_id=p[0], mentor_id=p[1], cost=0,
                              breakdown=Breakdown(wish=0, competence=0, travel=0))
                   for s, p in places.items() if isinstance(p, tuple)]
    unmatched = [UnmatchedStudent(student_id=s, reason=p, detail="", rules={})
                 for s, p in places.items() if isinstance(p, str)]
    return Plan(scenario="test",
                solver=SolverInfo(backend="flow", status="optimal", seconds=0.0,
                                  objective="priority-first"),
                summary=Summary(students=len(places), placed=len(assignments),
                                placed_by_priority={}, students_by_priority={}),
                assignments=assignments, conflicts=[], unmatched=unmatched)


def test_each_kind_of_change_per_student() -> None:
    before = make_plan({"S1": ("W1", "M1"), "S2": "capacity", "S3": ("W2", "M2"),
                        "S4": ("W3", "M3"), "S5": "no_feasible_workplace"})
    after = make_plan({"S1": ("W1", "M1"), "S2": ("W1", "M1"), "S3": "capacity",
                       "S4": ("W2", "M2"), "S5": "capacity"})
    difference = plan_diff(before, after)
    assert difference.change_of() == {"S1": "unchanged", "S2": "gained", "S3": "lost",
                                      "S4": "moved", "S5": "unchanged"}
    assert [c.student_id for c in difference.changes] == ["S2", "S3", "S4"]
    assert difference.placed() == (3, 3)


def test_another_mentor_at_the_same_workplace_is_a_move() -> None:
    difference = plan_diff(make_plan({"S1": ("W1", "M1"), "S2": ("W1", None)}),
                           make_plan({"S1": ("W1", "M2"), "S2": ("W1", "M2")}))
    assert difference.change_of() == {"S1": "moved", "S2": "moved"}
    entry = difference.as_json()["changes"][0]
    assert entry == {"student_id": "S1", "change": "moved", "before": "W1", "after": "W1",
                     "before_mentor_id": "M1", "after_mentor_id": "M2",
                     "before_reason": None, "after_reason": None}


def test_a_student_in_only_one_plan_is_listed_not_dropped() -> None:
    difference = plan_diff(make_plan({"S1": ("W1", "M1"), "OLD": "capacity"}),
                           make_plan({"S1": ("W1", "M1"), "NEW": ("W2", None)}))
    assert difference.change_of() == {"NEW": "added", "OLD": "removed", "S1": "unchanged"}
    listed = {c["student_id"]: c for c in difference.as_json()["changes"]}
    assert listed["NEW"]["before"] is None and listed["NEW"]["after"] == "W2"
    assert listed["OLD"]["before"] is None and listed["OLD"]["before_reason"] == "capacity"
    summary = difference.summary_json()
    assert summary["students"] == 3
    assert summary["changes"]["added"] == summary["changes"]["removed"] == 1


def test_a_plan_listing_a_student_twice_is_refused() -> None:
    twice = make_plan({"S1": ("W1", "M1")})
    twice = twice.model_copy(update={"unmatched": [UnmatchedStudent(
        student_id="S1", reason="capacity", detail="", rules={})]})
    with pytest.raises(InconsistentPlan) as caught:
        plan_diff(make_plan({"S1": "capacity"}), twice)
    assert caught.value.side == "after" and caught.value.student_id == "S1"


def test_counts_per_priority_and_per_reason() -> None:
    before = make_plan({"S1": ("W1", None), "S2": "capacity", "S3": "capacity",
                        "S4": ("W2", None)})
    after = make_plan({"S1": "no_feasible_workplace", "S2": ("W1", None), "S3": "capacity",
                       "S4": ("W2", None)})
    summary = plan_diff(before, after, {"S1": 1, "S2": 3, "S3": 3}).summary_json()
    by_priority = summary["by_priority"]
    assert list(by_priority) == ["1", "3", UNKNOWN_PRIORITY]  # S4 has no known priority
    assert by_priority["1"]["placed_before"] == 1 and by_priority["1"]["placed_after"] == 0
    assert by_priority["1"]["changes"]["lost"] == 1
    assert by_priority["3"]["students"] == 2 and by_priority["3"]["changes"]["gained"] == 1
    assert by_priority[UNKNOWN_PRIORITY]["changes"]["unchanged"] == 1
    assert summary["by_reason"] == {
        "capacity": {"before": 2, "after": 1, "gained": 1, "lost": 0},
        "no_feasible_workplace": {"before": 0, "after": 1, "gained": 0, "lost": 1}}


def test_without_priorities_there_is_no_priority_anywhere() -> None:
    difference = plan_diff(make_plan({"S1": ("W1", None)}), make_plan({"S1": "capacity"}))
    data = difference.as_json()
    assert "by_priority" not in data["summary"]
    assert all("priority" not in change for change in data["changes"])


places_strategy = st.one_of(
    st.tuples(st.sampled_from(["W1", "W2", "W3"]), st.sampled_from([None, "M1", "M2"])),
    st.sampled_from(["capacity", "no_feasible_workplace"]))
plans_strategy = st.dictionaries(st.sampled_from([f"S{i}" for i in range(8)]), places_strategy,
                                 max_size=8)


@given(plans_strategy, st.dictionaries(st.sampled_from([f"S{i}" for i in range(8)]),
                                       st.integers(0, 3)))
def test_a_plan_against_itself_has_no_changes(places: dict[str, PlaceSpec],
                                              priorities: dict[str, int]) -> None:
    plan = make_plan(places)
    difference = plan_diff(plan, plan, priorities)
    assert difference.changes == []
    assert difference.counts()["unchanged"] == len(places)


@given(plans_strategy, plans_strategy, st.dictionaries(
    st.sampled_from([f"S{i}" for i in range(8)]), st.integers(0, 3)))
def test_counts_add_up_to_the_students_and_reverse_swaps_gains_and_losses(
        old: dict[str, PlaceSpec], new: dict[str, PlaceSpec], priorities: dict[str, int]
) -> None:
    difference = plan_diff(make_plan(old), make_plan(new), priorities)
    students = len(old.keys() | new.keys())
    counts = difference.counts()
    assert sum(counts.values()) == students == len(difference.students)
    by_priority = difference.by_priority()
    assert sum(c.students for c in by_priority.values()) == students
    for kind in CHANGE_KINDS:
        assert sum(c.changes[kind] for c in by_priority.values()) == counts[kind]
    back = plan_diff(make_plan(new), make_plan(old)).counts()
    assert (back["gained"], back["lost"], back["moved"]) == (
        counts["lost"], counts["gained"], counts["moved"])
    assert (back["added"], back["removed"]) == (counts["removed"], counts["added"])
    placed_before, placed_after = difference.placed()
    if old.keys() == new.keys():
        assert placed_after - placed_before == counts["gained"] - counts["lost"]


@given(plans_strategy, plans_strategy, st.one_of(st.none(), st.dictionaries(
    st.sampled_from([f"S{i}" for i in range(8)]), st.integers(0, 3))))
def test_the_changes_alone_are_the_changes_of_the_whole_difference(
        old: dict[str, PlaceSpec], new: dict[str, PlaceSpec],
        priorities: dict[str, int] | None) -> None:
    # a re-plan and the plan page ask only for the changed students
    before, after = make_plan(old), make_plan(new)
    assert plan_changes(before, after, priorities) == plan_diff(before, after,
                                                                priorities).changes


def test_the_changes_alone_refuse_a_student_listed_twice_too() -> None:
    twice = make_plan({"S1": ("W1", "M1")}).model_copy(update={"unmatched": [
        UnmatchedStudent(student_id="S1", reason="capacity", detail="", rules={})]})
    with pytest.raises(InconsistentPlan):
        plan_changes(make_plan({"S1": "capacity"}), twice)
