"""POST /scenarios/{id}/versions: a what-if makes a new scenario version with its lineage,
solved by the job system and compared with the base plan; the parent stays untouched;
a bad change set is a located 422 and stores nothing."""

from __future__ import annotations

import json
from typing import Any

from tests.api.conftest import Api, solve, upload_demo, wait_for_job

# In the demo, W25 has seats but no mentor (S24 may go only there); M27 has one slot
# left, taken by S25 (S26 may go only to W26).
MENTORS = {"note": "een mentor voor W25",
           "changes": [{"kind": "add_mentor", "workplace": "W25"},
                       {"kind": "mentor_capacity", "mentor": "M27", "capacity": 3}]}


def _version(api: Api, scenario_id: int, body: dict[str, Any]) -> Any:
    return api.client.post(f"/scenarios/{scenario_id}/versions", json=body,
                           headers=api.consultant)


def _audit(api: Api, action: str) -> list[dict[str, Any]]:
    records = api.client.get("/audit", headers=api.consultant).json()
    return [r for r in records if r["action"] == action]


def test_a_version_is_solved_and_compared_with_the_base_plan(
        api: Api, demo_plan: tuple[int, int]) -> None:
    scenario_id, plan_id = demo_plan
    parent_before = api.client.get(f"/scenarios/{scenario_id}", headers=api.consultant).json()
    response = _version(api, scenario_id, MENTORS)
    assert response.status_code == 201, response.text
    made = response.json()
    version = made["scenario"]
    assert response.headers["location"] == f"/scenarios/{version['id']}"
    assert (version["parent_id"], version["base_plan_id"]) == (scenario_id, plan_id)
    assert version["changes"]["changes"] == MENTORS["changes"]
    assert version["mentors"] == parent_before["mentors"] + 1
    job = wait_for_job(api.client, made["job"]["id"], api.consultant)
    assert job["state"] == "done", job
    diff = api.client.get(f"/plans/{job['plan_id']}/diff", headers=api.consultant).json()
    assert diff["base_id"] == plan_id
    assert {(c["student_id"], c["change"]) for c in diff["changes"]} == {
        ("S24", "gained"), ("S26", "gained")}
    # the parent is untouched: same content, no new plan
    parent_after = api.client.get(f"/scenarios/{scenario_id}", headers=api.consultant).json()
    assert parent_after == parent_before
    # lineage and audit
    audit = [r for r in _audit(api, "scenario_version") if r["scenario_id"] == version["id"]]
    assert len(audit) == 1
    details = audit[0]["details"]
    assert details["parent_scenario_id"] == scenario_id and details["base_plan_id"] == plan_id
    assert details["changes"] == [{"kind": "add_mentor", "workplace": "W25"},
                                  {"kind": "mentor_capacity", "mentor": "M27"}]
    assert "een mentor" not in json.dumps(audit[0])  # the note is free text: not kept


def test_a_version_takes_over_pins_and_keeps_room_for_them(
        api: Api, demo_plan: tuple[int, int]) -> None:
    scenario_id = upload_demo(api)
    plan_id = int(solve(api, scenario_id)["plan_id"])
    plan = api.client.get(f"/plans/{plan_id}", headers=api.consultant).json()["plan"]
    placed = next(a for a in plan["assignments"] if not a.get("pinned"))
    pinned = api.client.post(f"/plans/{plan_id}/pins", headers=api.consultant, json=[
        {"student_id": placed["student_id"], "workplace_id": placed["workplace_id"]}])
    assert pinned.status_code == 201, pinned.text
    too_few = _version(api, scenario_id, {"changes": [
        {"kind": "seats", "workplace": placed["workplace_id"], "set": 0}]})
    assert too_few.status_code == 422
    assert too_few.json()["errors"][0]["code"] == "changes.below_pinned"
    made = _version(api, scenario_id, {"changes": [{"kind": "accept_grade2",
                                                    "workplace": "W08"}]})
    assert made.status_code == 201, made.text
    version = api.client.get(f"/scenarios/{made.json()['scenario']['id']}",
                             headers=api.consultant).json()
    assert [(p["student_id"], p["workplace_id"]) for p in version["pins"]] == [
        (placed["student_id"], placed["workplace_id"])]


def _counts(api: Api) -> tuple[int, int]:
    scenarios = api.client.get("/scenarios", headers=api.consultant).json()
    return len(scenarios), len(_audit(api, "scenario_version"))


def test_bad_change_sets_are_located_and_store_nothing(
        api: Api, demo_plan: tuple[int, int]) -> None:
    scenario_id, _ = demo_plan
    before = _counts(api)
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"changes": [{"kind": "seats", "workplace": "W99", "add": 1}]},
         "/changes/0/workplace", "io.unknown_id"),
        ({"changes": [{"kind": "accept_grade2", "workplace": "W01"},
                      {"kind": "seats", "workplce": "W01", "add": 1}]},
         "/changes/1/workplce", "changes.unknown_field_near"),
        ({"changes": [{"kind": "seats", "workplace": "W01", "set": -3}]},
         "/changes/0/set", "settings.at_least"),
        ({"changes": [{"kind": "seats", "workplace": "W01", "add": -5}]},
         "/changes/0/add", "changes.negative"),
        ({"changes": [{"kind": "student_data", "student": "S01",
                       "values": {"dutch_level": "B7"}}]},
         "/changes/0/values/dutch_level", "io.not_cefr"),
        ({"notes": "x", "changes": [{"kind": "accept_grade2", "workplace": "W01"}]},
         "/notes", "changes.unknown_field_near"),
        ({"changes": [{"kind": "accept_grade2", "workplace": "W01"}], "base_plan_id": "x"},
         "/base_plan_id", "settings.whole_number"),
    ]
    for body, where, code in cases:
        response = _version(api, scenario_id, body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        errors = response.json()["errors"]
        assert [(e["pointer"], e["code"]) for e in errors] == [(where, code)], body
    dutch = api.client.post(f"/scenarios/{scenario_id}/versions", headers={
        **api.consultant, "Accept-Language": "nl-BE"}, json=cases[1][0]).json()
    assert "wijziging 2, veld workplce" in dutch["errors"][0]["detail"]
    assert _counts(api) == before


def test_only_consultants_make_versions_of_solved_scenarios(
        api: Api, demo_plan: tuple[int, int]) -> None:
    scenario_id, _ = demo_plan
    coach = api.client.post(f"/scenarios/{scenario_id}/versions", json=MENTORS,
                            headers=api.coach_tb02)
    assert coach.status_code == 403
    unsolved = upload_demo(api)
    assert _version(api, unsolved, MENTORS).status_code == 409
    assert _version(api, 10**6, MENTORS).status_code == 404


def test_a_plain_solve_of_a_version_is_not_its_keep_plan(
        api: Api, demo_plan: tuple[int, int]) -> None:
    """The version's own solve stays close to the base plan; asking to solve the version
    afterwards is a plain solve of its content, never a reuse of that kept plan."""
    scenario_id, _ = demo_plan
    made = _version(api, scenario_id, MENTORS).json()
    kept = wait_for_job(api.client, made["job"]["id"], api.consultant)
    assert kept["state"] == "done", kept
    plain = solve(api, made["scenario"]["id"])
    assert plain["reused_from"] is None and plain["plan_id"] != kept["plan_id"]
    again = solve(api, made["scenario"]["id"])
    assert again["reused_from"] == plain["id"] and again["plan_id"] == plain["plan_id"]
