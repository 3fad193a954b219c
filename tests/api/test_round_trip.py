"""The whole journey through the API: upload, solve, plan, suggestions both ways,
refusal with few moves, pins kept by the next solve, and the audit trail."""

from __future__ import annotations

import csv
import io

from matcher.check import check_plan
from tests.api.conftest import Api, refuse, solve, upload_demo


def test_round_trip(api: Api) -> None:
    client, consultant = api.client, api.consultant

    # upload
    scenario_id = upload_demo(api)
    scenario = client.get(f"/scenarios/{scenario_id}", headers=consultant).json()
    assert scenario["students"] == 40 and len(scenario["content_hash"]) == 64

    # solve → job → plan
    submitted = client.post(f"/scenarios/{scenario_id}/solve", json={"backend": "flow"},
                            headers=consultant)
    assert submitted.status_code == 202
    assert submitted.headers["location"] == f"/jobs/{submitted.json()['id']}"
    job = solve(api, scenario_id, backend="flow")
    assert job["progress"] == 1.0 and job["plan_id"] is not None
    plan_json = client.get(f"/jobs/{job['id']}/plan", headers=consultant)
    assert plan_json.headers["content-type"].startswith("application/json")
    plan = plan_json.json()
    assert plan["summary"]["students"] == 40
    assert len(plan["assignments"]) + len(plan["unmatched"]) == 40
    as_csv = client.get(f"/jobs/{job['id']}/plan", headers={**consultant, "Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 40 and {r["student_id"] for r in rows} == {f"S{i:02d}" for i in
                                                                    range(1, 41)}
    plan_id = job["plan_id"]
    stored = client.get(f"/plans/{plan_id}", headers=consultant).json()
    assert stored["version"] >= 1 and stored["parent_id"] is None
    context = api.services.plan_context(plan_id)
    assert check_plan(context.scenario, stored["plan"]) == []

    # suggestions for a student: free seats only, cheapest first, with rejections per rule
    placed = {a["student_id"]: a for a in plan["assignments"] if not a.get("pinned")}
    student_id = sorted(placed)[0]
    answer = client.get(f"/plans/{plan_id}/students/{student_id}/suggestions?k=3",
                        headers=consultant).json()
    costs = [s["cost"] for s in answer["suggestions"]]
    assert costs == sorted(costs) and len(costs) <= 3
    assert all(s["free_seats"] > 0 for s in answer["suggestions"])
    assert all(s["cost"] == sum(s["breakdown"].values()) for s in answer["suggestions"])
    assert set(answer["rejected"]) >= {"recognised_for_programme", "travel", "adjustments"}
    assert answer["current_workplace_id"] == placed[student_id]["workplace_id"]

    # suggestions for a workplace: unplaced students first
    workplace_id = placed[student_id]["workplace_id"]
    answer = client.get(f"/plans/{plan_id}/workplaces/{workplace_id}/suggestions?k=10",
                        headers=consultant).json()
    flags = [s["placed"] for s in answer["suggestions"]]
    assert flags == sorted(flags)  # False (unplaced) before True

    # refusal → new version, the pair excluded, few moves
    refused_workplace = placed[student_id]["workplace_id"]
    result = refuse(api, plan_id, student_id, refused_workplace, "employer said no")
    assert result["parent_id"] == plan_id and result["new_workplace_id"] != refused_workplace
    assert result["moved_count"] == len(result["moved"]) <= 2
    new_plan = client.get(f"/plans/{result['plan_id']}", headers=consultant).json()
    assert new_plan["parent_id"] == plan_id and new_plan["version"] == stored["version"] + 1
    assert new_plan["kind"] == "refusal"
    new_context = api.services.plan_context(result["plan_id"])
    assert check_plan(new_context.scenario, new_plan["plan"]) == []
    before = {a["student_id"]: (a["workplace_id"], a["mentor_id"]) for a in plan["assignments"]}
    after = {a["student_id"]: (a["workplace_id"], a["mentor_id"])
             for a in new_plan["plan"]["assignments"]}
    changed = {s for s in before.keys() | after.keys()
               if s != student_id and after.get(s) != before.get(s)}
    assert changed == set(result["moved"])  # moved, gained or lost: every place that changed

    # pins: fix another student at a workplace a suggestion offers; the next solve keeps it
    other = sorted(placed)[1]
    offers = client.get(f"/plans/{result['plan_id']}/students/{other}/suggestions",
                        headers=consultant).json()["suggestions"]
    target = offers[0]["workplace_id"] if offers else placed[other]["workplace_id"]
    pinned = client.post(f"/plans/{result['plan_id']}/pins",
                         json=[{"student_id": other, "workplace_id": target}],
                         headers=consultant)
    assert pinned.status_code == 201, pinned.text
    assert [p["student_id"] for p in pinned.json()["pins"]] == [other]
    resolved = solve(api, scenario_id)
    final = client.get(f"/plans/{resolved['plan_id']}", headers=consultant).json()["plan"]
    by_student = {a["student_id"]: a for a in final["assignments"]}
    assert by_student[other]["workplace_id"] == target and by_student[other]["pinned"] is True
    assert by_student.get(student_id, {}).get("workplace_id") != refused_workplace

    # audit: who, when, input hash and settings for solve, refusal and pin
    trail = client.get(f"/plans/{result['plan_id']}/audit", headers=consultant).json()
    actions = [r["action"] for r in trail]
    assert "solve" in actions and "refusal" in actions and "pin" in actions
    for record in trail:
        assert record["user_name"] == "Consultant" and len(record["input_hash"]) == 64
        assert record["settings"]["backend"] == "flow"
    refusal_record = next(r for r in trail if r["action"] == "refusal")
    # made on the first plan; its re-plan job made the new one
    assert refusal_record["plan_id"] == plan_id and refusal_record["job_id"] == new_plan["job_id"]


def test_identical_submission_reuses_the_stored_plan(api: Api) -> None:
    scenario_id = upload_demo(api)
    first = solve(api, scenario_id, objective="placements-first")
    again = api.client.post(f"/scenarios/{scenario_id}/solve",
                            json={"objective": "placements-first"}, headers=api.consultant)
    assert again.status_code == 202
    job = again.json()
    assert job["state"] == "done" and job["reused_from"] == first["id"]
    assert job["plan_id"] == first["plan_id"]
    # the same content uploaded again gets its own copy of the plan, without solving
    other = upload_demo(api)
    copied = api.client.post(f"/scenarios/{other}/solve", json={"objective": "placements-first"},
                             headers=api.consultant).json()
    assert copied["state"] == "done" and copied["reused_from"] == first["id"]
    plan = api.client.get(f"/plans/{copied['plan_id']}", headers=api.consultant).json()
    assert plan["scenario_id"] == other and plan["version"] == 1


def test_cancel_a_queued_job(api: Api) -> None:
    scenario_id = upload_demo(api)
    job = api.client.post(f"/scenarios/{scenario_id}/solve", json={"seed": 7},
                          headers=api.consultant).json()
    cancelled = api.client.delete(f"/jobs/{job['id']}", headers=api.consultant)
    if cancelled.status_code == 409:  # it finished first: cancelling is then refused
        assert cancelled.json()["status"] == 409
        return
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert api.client.get(f"/jobs/{job['id']}/plan", headers=api.consultant).status_code == 409
