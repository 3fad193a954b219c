"""The access log names routes, not students: no ids from paths or query strings."""

from __future__ import annotations

import logging

import pytest

from api.access_log import ACCESS_LOGGER
from tests.api.conftest import Api


def test_the_access_log_shows_route_templates_and_no_ids(
        api: Api, demo_plan: tuple[int, int], caplog: pytest.LogCaptureFixture) -> None:
    scenario_id, plan_id = demo_plan
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        api.client.get(f"/plans/{plan_id}/students/S04", headers=api.consultant)
        api.client.delete(f"/scenarios/{scenario_id}/pins?student_id=S04",
                          headers=api.consultant)
        api.client.get("/no/such/page/S04?student_id=S04")
    lines = [r.getMessage() for r in caplog.records if r.name == ACCESS_LOGGER]
    assert any('"GET /plans/{plan_id}/students/{student_id} HTTP/1.1" 200' in line
               for line in lines), lines
    assert any('"DELETE /scenarios/{scenario_id}/pins HTTP/1.1" 404' in line
               for line in lines), lines
    assert any('"GET (no route) HTTP/1.1" 404' in line for line in lines), lines
    assert not any("S04" in line for line in lines)


def test_uvicorn_s_own_access_lines_are_dropped(api: Api,
                                                caplog: pytest.LogCaptureFixture) -> None:
    access = logging.getLogger(ACCESS_LOGGER)
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        # the line uvicorn itself would write for this request
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
                    "/scenarios/1/refusals?student_id=S04", "1.1", 404)
    assert not [r for r in caplog.records if r.name == ACCESS_LOGGER]
