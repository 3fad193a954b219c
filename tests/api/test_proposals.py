"""Proposals: a coach proposes an allowed workplace for their own student; the consultant
sees every proposal of a plan, a coach only those for their own students."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, refuse, solve, upload_demo

# In scenarios/demo: S04 (winkelmedewerker) is followed by TB02, S01 (bakker) by TB03.
# W01 is a bakery, recognised only for 'bakker'.
PROBLEM_JSON = "application/problem+json"


def allowed_workplace(api: Api, plan_id: int, student_id: str,
                      headers: dict[str, str]) -> str:
    """A workplace the student is allowed at: the first suggestion, else where the plan
    placed them."""
    answer = api.client.get(f"/plans/{plan_id}/students/{student_id}/suggestions?k=5",
                            headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    workplace = (body["suggestions"][0]["workplace_id"] if body["suggestions"]
                 else body["current_workplace_id"])
    assert workplace, f"{student_id} has no allowed workplace with room"
    return str(workplace)


def propose(api: Api, plan_id: int, headers: dict[str, str], student_id: str,
            workplace_id: str, note: str = "") -> Any:
    return api.client.post(f"/plans/{plan_id}/proposals",
                           json={"student_id": student_id, "workplace_id": workplace_id,
                                 "note": note},
                           headers=headers)


def listed(api: Api, plan_id: int, headers: dict[str, str]) -> list[tuple[str, str]]:
    response = api.client.get(f"/plans/{plan_id}/proposals", headers=headers)
    assert response.status_code == 200, response.text
    return [(p["student_id"], p["workplace_id"]) for p in response.json()]


def test_coach_proposes_for_their_own_student(api: Api, demo_plan: tuple[int, int]) -> None:
    scenario_id, plan_id = demo_plan
    workplace = allowed_workplace(api, plan_id, "S04", api.coach_tb02)
    response = propose(api, plan_id, api.coach_tb02, "S04", workplace, note="  past goed  ")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["plan_id"] == plan_id and body["scenario_id"] == scenario_id
    assert (body["student_id"], body["workplace_id"]) == ("S04", workplace)
    assert body["created_by_name"] == "Coach Two"
    assert body["note"] == "past goed"
    assert response.headers["location"] == f"/plans/{plan_id}/proposals"
    assert ("S04", workplace) in listed(api, plan_id, api.consultant)


def test_coach_may_not_propose_for_another_coachs_student(api: Api,
                                                          demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    workplace = allowed_workplace(api, plan_id, "S01", api.coach_tb03)
    before = listed(api, plan_id, api.consultant)
    response = propose(api, plan_id, api.coach_tb02, "S01", workplace)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert listed(api, plan_id, api.consultant) == before


def test_a_workplace_the_rules_forbid_is_refused(api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    before = listed(api, plan_id, api.consultant)
    for workplace in ("W01", "W999"):
        response = propose(api, plan_id, api.coach_tb02, "S04", workplace)
        assert response.status_code == 422, workplace
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        problem = response.json()
        assert problem["status"] == 422 and workplace in problem["detail"]
    unknown_student = propose(api, plan_id, api.consultant, "S999", "W01")
    assert unknown_student.status_code == 404
    assert propose(api, 999_999, api.coach_tb02, "S04", "W01").status_code == 404
    assert listed(api, plan_id, api.consultant) == before


def test_proposing_the_same_pair_twice_gives_the_same_proposal(
        api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    workplace = allowed_workplace(api, plan_id, "S05", api.coach_tb02)
    first = propose(api, plan_id, api.coach_tb02, "S05", workplace)
    second = propose(api, plan_id, api.coach_tb02, "S05", workplace, note="nog eens")
    assert first.status_code == 201 and second.status_code == 200  # the first one, again
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["note"] == first.json()["note"]
    assert listed(api, plan_id, api.consultant).count(("S05", workplace)) == 1


def test_coach_lists_only_proposals_for_their_own_students(
        api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    tb02 = ("S04", allowed_workplace(api, plan_id, "S04", api.coach_tb02))
    tb03 = ("S01", allowed_workplace(api, plan_id, "S01", api.coach_tb03))
    # 200 when an earlier test of this module proposed the same pair
    assert propose(api, plan_id, api.coach_tb02, *tb02).status_code in (200, 201)
    assert propose(api, plan_id, api.coach_tb03, *tb03).status_code in (200, 201)
    everything = listed(api, plan_id, api.consultant)
    assert tb02 in everything and tb03 in everything
    seen_by_tb02 = listed(api, plan_id, api.coach_tb02)
    seen_by_tb03 = listed(api, plan_id, api.coach_tb03)
    assert tb02 in seen_by_tb02 and tb03 not in seen_by_tb02
    assert tb03 in seen_by_tb03 and tb02 not in seen_by_tb03
    assert all(student != "S01" for student, _ in seen_by_tb02)
    assert all(student == "S01" for student, _ in seen_by_tb03)
    assert sorted(seen_by_tb02 + seen_by_tb03) == sorted(everything)
    assert api.client.get(f"/plans/{plan_id}/proposals").status_code == 401


def test_consultant_dismisses_a_proposal(api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    workplace = allowed_workplace(api, plan_id, "S05", api.coach_tb02)
    created = propose(api, plan_id, api.coach_tb02, "S05", workplace, note="dichtbij")
    proposal_id = created.json()["id"]
    path = f"/plans/{plan_id}/proposals/{proposal_id}"
    assert api.client.delete(path, headers=api.coach_tb02).status_code == 403
    assert api.client.delete(f"/plans/{plan_id + 1000}/proposals/{proposal_id}",
                             headers=api.consultant).status_code == 404
    assert api.client.delete(path, headers=api.consultant).status_code == 204
    assert ("S05", workplace) not in listed(api, plan_id, api.consultant)
    assert api.client.delete(path, headers=api.consultant).status_code == 404
    again = propose(api, plan_id, api.coach_tb02, "S05", workplace)
    assert again.status_code == 201  # a dismissed proposal may be made again


def test_a_proposal_on_a_plan_that_is_no_longer_the_newest_is_409(api: Api) -> None:
    scenario_id = upload_demo(api)
    plan_id = int(solve(api, scenario_id)["plan_id"])
    workplace = allowed_workplace(api, plan_id, "S04", api.coach_tb02)
    plan = api.client.get(f"/plans/{plan_id}", headers=api.consultant).json()["plan"]
    other = next(a for a in plan["assignments"]
                 if a["student_id"] != "S04" and not a.get("pinned"))
    newer = refuse(api, plan_id, other["student_id"], other["workplace_id"])
    stale = propose(api, plan_id, api.coach_tb02, "S04", workplace)
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith(PROBLEM_JSON)
    body = stale.json()
    assert body["current_plan_id"] == newer["plan_id"]
    assert body["current_version"] == newer["version"]
    assert listed(api, plan_id, api.consultant) == []  # nothing stored
