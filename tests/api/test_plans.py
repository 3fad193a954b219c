"""Comparing two plans of a scenario: the difference per student, and who may see what."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, solve, upload_demo


@pytest.fixture(scope="module")
def refused(api: Api) -> tuple[int, int, dict[str, Any]]:
    """(first plan, re-plan, refusal answer) after refusing S25 at W26 in the demo."""
    scenario_id = upload_demo(api)
    first = int(solve(api, scenario_id)["plan_id"])
    answer = api.client.post(f"/plans/{first}/refusals",
                             json={"student_id": "S25", "workplace_id": "W26"},
                             headers=api.consultant)
    assert answer.status_code == 201, answer.text
    return first, int(answer.json()["plan_id"]), answer.json()


def test_refusal_answer_lists_who_lost_and_who_gained(
        refused: tuple[int, int, dict[str, Any]]) -> None:
    _, _, answer = refused
    kinds = {c["student_id"]: c["change"] for c in answer["changes"]}
    assert kinds == {"S25": "lost", "S26": "gained"}
    assert answer["moved"] == ["S26"] and answer["moved_count"] == 1


def test_diff_against_the_previous_version(api: Api,
                                           refused: tuple[int, int, dict[str, Any]]) -> None:
    first, second, _ = refused
    response = api.client.get(f"/plans/{second}/diff", headers=api.consultant)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["plan_id"], body["base_id"]) == (second, first)
    s26 = next(c for c in body["changes"] if c["student_id"] == "S26")
    assert (s26["change"], s26["before"], s26["after"], s26["priority"]) == (
        "gained", None, "W26", 3)
    summary = body["summary"]
    assert summary["changes"]["gained"] == summary["changes"]["lost"] == 1
    assert summary["by_priority"]["2"]["changes"]["lost"] == 1  # S25
    assert summary["by_priority"]["3"]["changes"]["gained"] == 1  # S26
    # the other way round: S26 loses what S25 gains
    back = api.client.get(f"/plans/{first}/diff", params={"base": second},
                          headers=api.consultant).json()
    assert {c["student_id"]: c["change"] for c in back["changes"]} == {
        "S25": "gained", "S26": "lost"}


def test_a_coach_sees_only_their_students_and_no_priority(
        api: Api, refused: tuple[int, int, dict[str, Any]]) -> None:
    _, second, _ = refused
    tb03 = api.client.get(f"/plans/{second}/diff", headers=api.coach_tb03)
    assert tb03.status_code == 200
    body = tb03.json()
    assert {c["student_id"] for c in body["changes"]} == {"S25", "S26"}  # both TB03's
    assert "by_priority" not in body["summary"] and "priority" not in tb03.text
    tb02 = api.client.get(f"/plans/{second}/diff", headers=api.coach_tb02).json()
    assert tb02["changes"] == []
    assert tb02["summary"]["students"] == 10  # their own students, nobody else counted


def test_plans_that_cannot_be_compared_are_a_located_422(
        api: Api, refused: tuple[int, int, dict[str, Any]]) -> None:
    first, second, _ = refused
    no_parent = api.client.get(f"/plans/{first}/diff", headers=api.consultant)
    assert no_parent.status_code == 422
    assert no_parent.headers["content-type"].startswith("application/problem+json")
    assert no_parent.json()["errors"][0]["pointer"] == "/query/base"
    other_scenario = int(solve(api, upload_demo(api))["plan_id"])
    mixed = api.client.get(f"/plans/{second}/diff", params={"base": other_scenario},
                           headers=api.consultant)
    assert mixed.status_code == 422 and "different scenarios" in mixed.json()["detail"]
    missing = api.client.get(f"/plans/{second}/diff", params={"base": 999_999},
                             headers=api.consultant)
    assert missing.status_code == 404
