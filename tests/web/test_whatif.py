"""The what-if form of the scenario page: one change makes a version, solved and opened
in the comparison with the base plan; a mistake comes back next to the form."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.api.conftest import Api, start_api, wait_for_job
from tests.web.test_pages import WebUser, log_in, scenario_count, solve_demo


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    yield from start_api(tmp_path_factory.mktemp("whatif-web"))


@pytest.fixture(scope="module")
def consultant(web: Api) -> WebUser:
    return log_in(web, web.consultant)


def test_a_what_if_opens_the_comparison_with_the_base_plan(web: Api,
                                                            consultant: WebUser) -> None:
    solved = solve_demo(web)
    page = consultant.client.get(f"/ui/scenarios/{solved.scenario_id}")
    assert f'action="/ui/scenarios/{solved.scenario_id}/versions"' in page.text
    # W25 has seats but no mentor: S24 may go only there
    response = consultant.client.post(
        f"/ui/scenarios/{solved.scenario_id}/versions", headers=consultant.headers(),
        data={"kind": "add_mentor", "workplace": "W25", "number": "2", "note": "test"})
    assert response.status_code == 303, response.text
    job_id = int(response.headers["location"].rsplit("/", 1)[-1])
    job = wait_for_job(web.client, job_id, web.consultant)
    assert job["state"] == "done", job
    opened = consultant.client.get(f"/ui/jobs/{job_id}")
    assert opened.status_code == 303
    assert opened.headers["location"] == (f"/ui/scenarios/{job['scenario_id']}/compare"
                                          f"?base={solved.plan_id}&plan={job['plan_id']}")
    compare = consultant.client.get(opened.headers["location"])
    assert compare.status_code == 200, compare.text
    assert re.search(r'<tr id="diff-S24" data-change="gained"', compare.text)
    # the version's own page says what it was made from, and its default comparison
    version = consultant.client.get(f"/ui/scenarios/{job['scenario_id']}").text
    assert "Een extra mentor" in version and "W25" in version
    default = consultant.client.get(f"/ui/scenarios/{job['scenario_id']}/compare").text
    assert re.search(r'<tr id="diff-S24" data-change="gained"', default)
    listed = consultant.client.get("/ui/scenarios").text
    assert f"wat-als van scenario {solved.scenario_id}" in listed


def test_a_mistake_in_the_form_is_shown_and_stores_nothing(web: Api,
                                                           consultant: WebUser) -> None:
    solved = solve_demo(web)
    before = scenario_count(web)
    response = consultant.client.post(
        f"/ui/scenarios/{solved.scenario_id}/versions", headers=consultant.headers(),
        data={"kind": "seats", "workplace": "W99", "number": "1"})
    assert response.status_code == 422
    assert 'id="whatif-errors"' in response.text and "W99" in response.text
    assert 'value="W99"' in response.text  # the form keeps what was typed
    assert scenario_count(web) == before


def test_a_change_sent_whole_tries_it_as_a_button_would(web: Api, consultant: WebUser) -> None:
    """A proposed fix's button sends its change as one JSON entry of a change file."""
    solved = solve_demo(web)
    change = '{"kind": "mentor_capacity", "mentor": "M27", "capacity": 3}'
    response = consultant.client.post(
        f"/ui/scenarios/{solved.scenario_id}/versions", headers=consultant.headers(),
        data={"change": change})
    assert response.status_code == 303, response.text
    job = wait_for_job(web.client, int(response.headers["location"].rsplit("/", 1)[-1]),
                       web.consultant)
    diff = web.client.get(f"/plans/{job['plan_id']}/diff", headers=web.consultant).json()
    assert [(c["student_id"], c["change"]) for c in diff["changes"]] == [("S26", "gained")]
    before = scenario_count(web)
    broken = consultant.client.post(
        f"/ui/scenarios/{solved.scenario_id}/versions", headers=consultant.headers(),
        data={"change": "{not json"})
    assert broken.status_code == 422 and 'id="whatif-errors"' in broken.text
    assert scenario_count(web) == before
