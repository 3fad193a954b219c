"""The service on PostgreSQL: runs when MATCHER_TEST_POSTGRES_URL names a PostgreSQL database
(CI starts one and sets MATCHER_REQUIRE_POSTGRES, so there these tests never skip).

Everything happens in a schema of its own, created and dropped by the test, so
the database's other contents are never touched.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.api import test_audit, test_jobs, test_plans, test_restart
from tests.api.conftest import Api, refuse, solve, start_api, upload_demo

URL = os.environ.get("MATCHER_TEST_POSTGRES_URL", "")
REQUIRED = os.environ.get("MATCHER_REQUIRE_POSTGRES") == "1"

pytestmark = pytest.mark.skipif(
    not URL.startswith("postgresql") and not REQUIRED,
    reason="set MATCHER_TEST_POSTGRES_URL=postgresql+psycopg://user:password@127.0.0.1/db "
    "to run the PostgreSQL tests (bash .ci/postgres.sh DIR starts one)",
)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections live in a schema of their own, dropped afterwards."""
    if not URL.startswith("postgresql"):
        pytest.fail("MATCHER_REQUIRE_POSTGRES is set but MATCHER_TEST_POSTGRES_URL names no "
                    "PostgreSQL database")
    schema = f"matcher_test_{uuid.uuid4().hex[:12]}"
    url = make_url(URL)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_api(tmp_path: Path, postgres_url: str) -> Iterator[Api]:
    yield from start_api(tmp_path, database_url=postgres_url)


def test_round_trip_on_postgresql(postgres_api: Api) -> None:
    api = postgres_api
    scenario_id = upload_demo(api)
    job = solve(api, scenario_id)
    plan_id = job["plan_id"]
    plan = api.client.get(f"/plans/{plan_id}", headers=api.consultant).json()
    assert plan["version"] == 1 and plan["created_at"].endswith("Z")
    placed = sorted(a["student_id"] for a in plan["plan"]["assignments"] if not a.get("pinned"))
    suggestions = api.client.get(f"/plans/{plan_id}/students/{placed[0]}/suggestions",
                                 headers=api.consultant)
    assert suggestions.status_code == 200
    assignment = next(a for a in plan["plan"]["assignments"] if a["student_id"] == placed[0])
    refusal = refuse(api, plan_id, placed[0], assignment["workplace_id"])
    assert refusal["version"] == 2
    trail = api.client.get(f"/plans/{refusal['plan_id']}/audit",
                           headers=api.consultant).json()
    assert [r["action"] for r in trail] == ["solve", "refusal"]


def test_the_audit_is_append_only_and_outlives_its_scenario_on_postgresql(
        postgres_api: Api) -> None:
    test_audit.test_the_trail_survives_its_scenario(postgres_api)
    test_audit.check_the_database_refuses_changes(postgres_api.services.engine)


def test_concurrent_refusals_and_pins_on_postgresql(postgres_api: Api) -> None:
    test_plans.test_two_refusals_sent_together_on_one_plan_are_both_kept(postgres_api)
    test_plans.test_refusals_and_pins_sent_together_are_all_kept(postgres_api)


def test_solver_killed_during_a_replan_and_a_solve_on_postgresql(
        postgres_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    solved = test_jobs.solve_demo(postgres_api)
    test_jobs.test_solver_killed_during_a_replan_the_replan_runs_again_and_later_ones_work(
        postgres_api, solved, monkeypatch)
    test_jobs.test_solver_killed_during_a_solve_the_solve_runs_again(postgres_api, solved,
                                                                     monkeypatch)


def test_sigkill_of_the_server_with_jobs_queued_on_postgresql(
        tmp_path: Path, postgres_url: str, servers: list[subprocess.Popen[bytes]]) -> None:
    test_restart.check_sigkill_of_the_server_with_jobs_queued(tmp_path, servers, postgres_url)
