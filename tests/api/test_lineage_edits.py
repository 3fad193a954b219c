"""A pin can be released and a refusal withdrawn; the next solve follows."""

from __future__ import annotations

from tests.api.conftest import Api, refuse, solve, upload_demo


def _placement(api: Api, plan_id: int, student_id: str) -> str | None:
    plan = api.client.get(f"/plans/{plan_id}", headers=api.consultant).json()["plan"]
    return next((a["workplace_id"] for a in plan["assignments"]
                 if a["student_id"] == student_id), None)


def test_released_pin_and_withdrawn_refusal_leave_later_solves(api: Api) -> None:
    scenario_id = upload_demo(api)
    plan_id = int(solve(api, scenario_id)["plan_id"])
    student = "S04"
    workplace = _placement(api, plan_id, student)
    assert workplace is not None
    refused = refuse(api, plan_id, student, workplace)
    assert _placement(api, refused["plan_id"], student) != workplace
    api.client.post(f"/plans/{plan_id}/pins", json=[{"student_id": "S03",
                                                     "workplace_id": "W04"}],
                    headers=api.consultant)
    detail = api.client.get(f"/scenarios/{scenario_id}", headers=api.consultant).json()
    assert len(detail["pins"]) == 1 and len(detail["refusals"]) == 1

    unpin = {"student_id": "S03"}
    assert api.client.delete(f"/scenarios/{scenario_id}/pins", params=unpin,
                             headers=api.coach_tb02).status_code == 403
    assert api.client.delete(f"/scenarios/{scenario_id}/pins", params=unpin,
                             headers=api.consultant).status_code == 204
    assert api.client.delete(f"/scenarios/{scenario_id}/pins", params=unpin,
                             headers=api.consultant).status_code == 404
    withdraw = {"student_id": student, "workplace_id": workplace}
    assert api.client.delete(f"/scenarios/{scenario_id}/refusals", params=withdraw,
                             headers=api.consultant).status_code == 204
    missing = api.client.delete(f"/scenarios/{scenario_id}/refusals", params=withdraw,
                                headers=api.consultant)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    detail = api.client.get(f"/scenarios/{scenario_id}", headers=api.consultant).json()
    assert detail["pins"] == [] and detail["refusals"] == []
    # Nothing in force any more: the next solve is the first one again (reused).
    again = solve(api, scenario_id)
    assert again["plan_id"] == plan_id
    assert _placement(api, plan_id, student) == workplace
