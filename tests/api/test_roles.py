"""Coaches see only their own students and never their support needs."""

from __future__ import annotations

from api.privacy import COACH_SENTENCES, OTHER, SHOWN_RULES
from matcher.messages import Message, render
from tests.api.conftest import Api

# In scenarios/demo: S22 (coach TB02) needs an adjustment and intensive support;
# S07 (coach TB03) needs an adjustment; S01 is followed by TB03.
SUPPORT_FIELDS = ("adjustments", "intensive_support", "priority")


def test_coach_cannot_read_another_coachs_student(api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    for path in (f"/plans/{plan_id}/students/S01", f"/plans/{plan_id}/students/S01/suggestions"):
        response = api.client.get(path, headers=api.coach_tb02)
        assert response.status_code == 403, path
        assert response.headers["content-type"].startswith("application/problem+json")
        assert api.client.get(path, headers=api.coach_tb03).status_code == 200


def test_coach_never_sees_support_needs(api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    own = api.client.get(f"/plans/{plan_id}/students/S22", headers=api.coach_tb02)
    assert own.status_code == 200
    body = own.json()
    assert all(body.get(field) is None for field in SUPPORT_FIELDS)
    assert "prikkelarm" not in own.text
    # S22 waits on the intensive-support limit; saying so would tell the coach
    assert body["unmatched"]["reason"] == "capacity"
    assert "intensive" not in body["unmatched"]["detail"]
    consultant = api.client.get(f"/plans/{plan_id}/students/S22", headers=api.consultant).json()
    assert consultant["adjustments"] == ["prikkelarm"] and consultant["intensive_support"]
    suggestions = api.client.get(f"/plans/{plan_id}/students/S07/suggestions",
                                 headers=api.coach_tb03).json()
    assert "adjustments" not in suggestions["rejected"]
    assert "adjustments" in api.client.get(f"/plans/{plan_id}/students/S07/suggestions",
                                           headers=api.consultant).json()["rejected"]


def test_coach_plan_lists_only_their_students(api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    full = api.client.get(f"/plans/{plan_id}", headers=api.consultant).json()["plan"]
    mine = api.client.get(f"/plans/{plan_id}", headers=api.coach_tb02)
    assert mine.status_code == 200
    plan = mine.json()["plan"]
    tb02 = {"S04", "S05", "S12", "S13", "S19", "S20", "S22", "S23", "S28", "S40"}
    seen = {a["student_id"] for a in plan["assignments"]} | {u["student_id"]
                                                             for u in plan["unmatched"]}
    assert seen == tb02
    assert plan["summary"] == {"students": 10, "placed": len(plan["assignments"])}
    assert len(full["assignments"]) + len(full["unmatched"]) == 40
    assert "conflicts" not in plan
    for entry in plan["unmatched"]:
        assert set(entry["rules"]) <= {*SHOWN_RULES, OTHER}
        # one of the coach's sentence forms, and the same sentence as its code renders
        assert entry["detail_code"] in COACH_SENTENCES.values(), entry
        shown = Message.from_json(entry["detail_code"], entry["detail_params"])
        assert entry["detail"] == render(shown, "en")
    as_csv = api.client.get(f"/plans/{plan_id}", headers={**api.coach_tb02,
                                                          "Accept": "text/csv"})
    assert len(as_csv.text.strip().splitlines()) == 1 + 10


def test_coach_workplace_suggestions_name_only_their_students(
        api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    plan = api.client.get(f"/plans/{plan_id}", headers=api.consultant).json()["plan"]
    tb02 = {"S04", "S05", "S12", "S13", "S19", "S20", "S22", "S23", "S28", "S40"}
    for workplace_id in sorted({a["workplace_id"] for a in plan["assignments"]})[:10]:
        answer = api.client.get(f"/plans/{plan_id}/workplaces/{workplace_id}/suggestions",
                                headers=api.coach_tb02).json()
        assert {s["student_id"] for s in answer["suggestions"]} <= tb02


def test_coach_may_not_solve_refuse_pin_or_audit(api: Api, demo_plan: tuple[int, int]) -> None:
    scenario_id, plan_id = demo_plan
    client, coach = api.client, api.coach_tb02
    assert client.post(f"/scenarios/{scenario_id}/solve", json={}, headers=coach).status_code \
        == 403
    assert client.post(f"/plans/{plan_id}/refusals",
                       json={"student_id": "S04", "workplace_id": "W01"},
                       headers=coach).status_code == 403
    assert client.post(f"/plans/{plan_id}/pins", json=[{"student_id": "S04",
                                                         "workplace_id": "W01"}],
                       headers=coach).status_code == 403
    assert client.get(f"/plans/{plan_id}/audit", headers=coach).status_code == 403


def test_support_needs_are_not_logged(api: Api, demo_plan: tuple[int, int], caplog: object
                                      ) -> None:
    import logging

    import pytest

    assert isinstance(caplog, pytest.LogCaptureFixture)
    _, plan_id = demo_plan
    with caplog.at_level(logging.DEBUG):
        api.client.get(f"/plans/{plan_id}/students/S22", headers=api.consultant)
        api.client.get(f"/plans/{plan_id}", headers=api.consultant)
    assert "prikkelarm" not in caplog.text and "rolstoel" not in caplog.text
