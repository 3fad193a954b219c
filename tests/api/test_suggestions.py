"""Suggestions answered from the cache agree with the engine's own answers."""

from __future__ import annotations

import time

import numpy as np

from matcher.explain import rejection_counts
from tests.api.conftest import Api


def test_rejection_table_agrees_with_per_student_counts(api: Api,
                                                        demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    services = api.services
    context = services.plan_context(plan_id)
    students = len(context.scenario.students)
    first = services.rejections(context, 0)  # answered directly; the table is started
    deadline = time.monotonic() + 30
    while services.rejection_tables.peek(context.scenario_key) is None:
        assert time.monotonic() < deadline, "the rejection table was never built"
        time.sleep(0.02)
    assert services.rejections(context, 0) == first
    table = rejection_counts(context.scenario, np.arange(students, dtype=np.int64))
    for student in range(students):
        expected = context.state.rejections(student)
        assert services.rejections(context, student) == expected
        assert {rule: int(counts[student]) for rule, counts in table.items()} == expected


def test_suggestions_match_the_engine(api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    context = api.services.plan_context(plan_id)
    ids = context.scenario.workplaces.ids
    for student, student_id in enumerate(context.scenario.students.ids[:10]):
        answer = api.client.get(f"/plans/{plan_id}/students/{student_id}/suggestions?k=4",
                                headers=api.consultant).json()
        expected = [str(ids[s.workplace]) for s in context.state.workplaces_for(student, 4)]
        assert [s["workplace_id"] for s in answer["suggestions"]] == expected


def test_suggestions_after_the_caches_are_emptied_are_the_same(api: Api,
                                                               demo_plan: tuple[int, int]
                                                               ) -> None:
    """A restarted service (nothing parsed yet) reads the scenario's stored document
    again and answers as before."""
    _, plan_id = demo_plan
    path = f"/plans/{plan_id}/students/S05/suggestions?k=4"
    before = api.client.get(path, headers=api.consultant).json()
    services = api.services
    services.plans.discard(plan_id)
    services.scenarios.clear()
    assert api.client.get(path, headers=api.consultant).json() == before
    assert len(services.scenarios) == 1
