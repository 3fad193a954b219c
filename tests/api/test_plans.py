"""Plans: comparing two plans of a scenario (the difference per student, and who may see
what); and changes of one scenario applied one at a time, in one order, so the newest
plan respects every refusal and pin in force, however the requests meet."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.api.conftest import Api, refuse, solve, upload_demo, wait_for_job


@pytest.fixture(scope="module")
def refused(api: Api) -> tuple[int, int, dict[str, Any]]:
    """(first plan, re-plan, refusal answer) after refusing S25 at W26 in the demo."""
    scenario_id = upload_demo(api)
    first = int(solve(api, scenario_id)["plan_id"])
    answer = refuse(api, first, "S25", "W26")
    return first, int(answer["plan_id"]), answer


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


# --- changes apply one at a time ---------------------------------------------------------


def _plan(api: Api, plan_id: int) -> dict[str, Any]:
    body: dict[str, Any] = api.client.get(f"/plans/{plan_id}", headers=api.consultant).json()
    return body


def _placed(api: Api, plan_id: int) -> dict[str, str]:
    return {a["student_id"]: a["workplace_id"] for a in _plan(api, plan_id)["plan"]["assignments"]
            if not a.get("pinned")}


def _newest(api: Api, scenario_id: int) -> dict[str, Any]:
    detail = api.client.get(f"/scenarios/{scenario_id}", headers=api.consultant).json()
    return _plan(api, max(detail["plans"], key=lambda p: p["version"])["id"])


def _respects_everything_in_force(api: Api, scenario_id: int) -> dict[str, Any]:
    detail = api.client.get(f"/scenarios/{scenario_id}", headers=api.consultant).json()
    newest = _newest(api, scenario_id)
    placed = {a["student_id"]: a["workplace_id"] for a in newest["plan"]["assignments"]}
    for refusal in detail["refusals"]:
        assert placed.get(refusal["student_id"]) != refusal["workplace_id"], refusal
    for pin in detail["pins"]:
        assert placed.get(pin["student_id"]) == pin["workplace_id"], pin
    return newest


def _elsewhere(api: Api, plan_id: int, placed: dict[str, str],
               students: list[str]) -> tuple[str, str]:
    """A student and an allowed workplace with room other than their own."""
    return next(
        (s, offer["workplace_id"]) for s in students
        for offer in api.client.get(f"/plans/{plan_id}/students/{s}/suggestions",
                                    headers=api.consultant).json()["suggestions"]
        if offer["workplace_id"] != placed[s])


def test_two_refusals_sent_together_on_one_plan_are_both_kept(api: Api) -> None:
    scenario_id = upload_demo(api)
    plan_id = int(solve(api, scenario_id)["plan_id"])
    placed = _placed(api, plan_id)
    pairs = [(student, placed[student]) for student in sorted(placed)[:2]]
    together = threading.Barrier(len(pairs))

    def send(pair: tuple[str, str]) -> Any:
        together.wait()
        return api.client.post(f"/plans/{plan_id}/refusals",
                               json={"student_id": pair[0], "workplace_id": pair[1]},
                               headers=api.consultant)

    with ThreadPoolExecutor(len(pairs)) as threads:
        responses = list(threads.map(send, pairs))
    assert [r.status_code for r in responses] == [202, 202], [r.text for r in responses]
    jobs = [wait_for_job(api.client, r.json()["id"], api.consultant) for r in responses]
    assert [j["state"] for j in jobs] == ["done", "done"], jobs
    newest = _respects_everything_in_force(api, scenario_id)
    refused = {(a["student_id"], a["workplace_id"]) for a in newest["plan"]["assignments"]}
    assert not refused & set(pairs)
    # one after the other: the second re-plan built on the first one's plan, no siblings
    first, second = sorted(jobs, key=lambda j: j["result"]["version"])
    assert second["result"]["parent_id"] == first["plan_id"]
    assert first["result"]["parent_id"] == plan_id
    assert newest["id"] == second["plan_id"]


def test_a_refusal_on_an_older_plan_is_applied_to_the_newest(api: Api) -> None:
    scenario_id = upload_demo(api)
    plan_id = int(solve(api, scenario_id)["plan_id"])
    placed = _placed(api, plan_id)
    first, second = sorted(placed)[:2]
    newer = refuse(api, plan_id, first, placed[first])
    rebased = refuse(api, plan_id, second, placed[second])  # on the first plan, now stale
    assert rebased["parent_id"] == newer["plan_id"]
    _respects_everything_in_force(api, scenario_id)


def test_a_pin_the_newest_plan_breaks_is_re_planned_and_a_kept_one_is_not(api: Api) -> None:
    scenario_id = upload_demo(api)
    plan_id = int(solve(api, scenario_id)["plan_id"])
    placed = _placed(api, plan_id)
    kept = sorted(placed)[0]
    same = api.client.post(f"/plans/{plan_id}/pins",
                           json=[{"student_id": kept, "workplace_id": placed[kept]}],
                           headers=api.consultant)
    assert same.status_code == 201 and same.json()["job_id"] is None  # already so
    student, target = _elsewhere(api, plan_id, placed, sorted(placed)[1:])
    moved = api.client.post(f"/plans/{plan_id}/pins",
                            json=[{"student_id": student, "workplace_id": target}],
                            headers=api.consultant)
    assert moved.status_code == 201, moved.text
    job = wait_for_job(api.client, moved.json()["job_id"], api.consultant)
    assert job["state"] == "done" and job["kind"] == "replan"
    newest = _respects_everything_in_force(api, scenario_id)
    assert newest["id"] == job["plan_id"] and newest["kind"] == "pins"
    assert newest["parent_id"] == plan_id


def test_refusals_and_pins_sent_together_are_all_kept(api: Api) -> None:
    scenario_id = upload_demo(api)
    plan_id = int(solve(api, scenario_id)["plan_id"])
    placed = _placed(api, plan_id)
    pinned, target = _elsewhere(api, plan_id, placed, sorted(placed))
    refusals = [(s, placed[s]) for s in sorted(placed) if s != pinned][:3]
    together = threading.Barrier(len(refusals) + 1)

    def send(change: tuple[str, str] | None) -> int | None:
        together.wait()
        if change is None:
            response = api.client.post(f"/plans/{plan_id}/pins", json=[
                {"student_id": pinned, "workplace_id": target}], headers=api.consultant)
            assert response.status_code == 201, response.text
            job_id: int | None = response.json()["job_id"]
            return job_id
        response = api.client.post(f"/plans/{plan_id}/refusals", json={
            "student_id": change[0], "workplace_id": change[1]}, headers=api.consultant)
        assert response.status_code == 202, response.text
        return int(response.json()["id"])

    with ThreadPoolExecutor(len(refusals) + 1) as threads:
        job_ids = list(threads.map(send, [*refusals, None]))
    for job_id in {j for j in job_ids if j is not None}:
        assert wait_for_job(api.client, job_id, api.consultant)["state"] == "done"
    newest = _respects_everything_in_force(api, scenario_id)
    versions = [p["version"] for p in api.client.get(
        "/plans", params={"scenario_id": scenario_id}, headers=api.consultant).json()]
    assert newest["version"] == max(versions)


def test_a_re_plan_is_not_cancelled(api: Api) -> None:
    """Cancelling it would leave a refusal in force that the newest plan breaks."""
    scenario_id = upload_demo(api)
    plan_id = int(solve(api, scenario_id)["plan_id"])
    student, workplace = sorted(_placed(api, plan_id).items())[0]
    job = api.client.post(f"/plans/{plan_id}/refusals",
                          json={"student_id": student, "workplace_id": workplace},
                          headers=api.consultant).json()
    refused = api.client.delete(f"/jobs/{job['id']}", headers=api.consultant)
    assert refused.status_code == 409
    assert refused.json()["type"].rsplit(":", 1)[1] in ("replan-not-cancellable",
                                                        "job-finished")
    assert wait_for_job(api.client, job["id"], api.consultant)["state"] == "done"
    _respects_everything_in_force(api, scenario_id)
