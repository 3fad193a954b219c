"""The audit trail: every write records who did what and when; the database refuses to
change or delete a record; the trail outlives its scenario; only consultants read it, and
it holds no support need."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from api.audit import Operator, record
from api.auth import Principal, create_user
from api.db import make_engine
from api.tables import AuditRecord
from matcher.cli import app
from tests.api import test_privacy
from tests.api.conftest import Api, refuse, solve, start_api, upload_demo, wait_for_job
from tests.api.test_proposals import allowed_workplace, propose


@pytest.fixture(scope="module")
def own_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """An app of this module's own: one test stops its job runner."""
    yield from start_api(tmp_path_factory.mktemp("audit"))


def trail(api: Api, **query: Any) -> list[dict[str, Any]]:
    response = api.client.get("/audit", params=query, headers=api.consultant)
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()
    return records


def test_every_write_leaves_one_record_of_who_did_what(own_api: Api) -> None:
    api = own_api
    scenario_id = upload_demo(api)
    plan_id = int(solve(api, scenario_id)["plan_id"])
    # a coach proposes twice; the consultant accepts one (by pinning it), dismisses the other
    accepted = propose(api, plan_id, api.coach_tb02, "S04",
                       allowed_workplace(api, plan_id, "S04", api.coach_tb02)).json()
    dismissed = propose(api, plan_id, api.coach_tb03, "S01",
                        allowed_workplace(api, plan_id, "S01", api.coach_tb03)).json()
    pinned = api.client.post(f"/plans/{plan_id}/pins", headers=api.consultant, json=[
        {"student_id": "S04", "workplace_id": accepted["workplace_id"]}])
    assert pinned.status_code == 201, pinned.text
    if pinned.json()["job_id"] is not None:
        wait_for_job(api.client, pinned.json()["job_id"], api.consultant)
    assert api.client.delete(f"/plans/{plan_id}/proposals/{dismissed['id']}",
                             headers=api.consultant).status_code == 204
    plan = api.client.get(f"/plans/{plan_id}", headers=api.consultant).json()["plan"]
    moved = next(a for a in plan["assignments"] if a["student_id"] != "S04")
    newest = refuse(api, plan_id, moved["student_id"], moved["workplace_id"])["plan_id"]
    assert api.client.delete(f"/scenarios/{scenario_id}/refusals", headers=api.consultant,
                             params={"student_id": moved["student_id"],
                                     "workplace_id": moved["workplace_id"]}
                             ).status_code == 204
    assert api.client.delete(f"/scenarios/{scenario_id}/pins", headers=api.consultant,
                             params={"student_id": "S04"}).status_code == 204
    api.services.runner.stop()  # the next solve stays queued, to be cancelled
    queued = api.client.post(f"/scenarios/{scenario_id}/solve", json={"seed": 7},
                             headers=api.consultant).json()
    assert api.client.delete(f"/jobs/{queued['id']}",
                             headers=api.consultant).status_code == 200
    assert api.client.delete(f"/scenarios/{scenario_id}",
                             headers=api.consultant).status_code == 204

    records = trail(api, scenario_id=scenario_id)
    assert [(r["action"], r["user_name"]) for r in records] == [
        ("scenario_upload", "Consultant"), ("solve", "Consultant"),
        ("proposal", "Coach Two"), ("proposal", "Coach Three"),
        ("pin", "Consultant"), ("proposal_accept", "Consultant"),
        ("proposal_dismiss", "Consultant"), ("refusal", "Consultant"),
        ("unrefusal", "Consultant"), ("unpin", "Consultant"),
        ("solve", "Consultant"), ("job_cancel", "Consultant"),
        ("scenario_delete", "Consultant")]
    by_action = {r["action"]: r for r in records}
    assert by_action["proposal_accept"]["details"]["proposal_id"] == accepted["id"]
    assert by_action["proposal_dismiss"]["details"]["proposal_id"] == dismissed["id"]
    assert by_action["job_cancel"]["job_id"] == queued["id"]
    assert by_action["scenario_delete"]["details"]["cancelled_jobs"] == []
    assert newest > plan_id
    assert all(r["at"].endswith("Z") and r["user_id"] is not None for r in records)
    assert {r["role"] for r in records} == {"consultant", "coach"}


def test_users_added_are_recorded_with_the_operator(api: Api) -> None:
    added = [r for r in trail(api, action="user_add")]
    assert [(r["details"]["name"], r["details"]["role"], r["details"]["coach_id"])
            for r in added][:3] == [("Consultant", "consultant", None),
                                    ("Coach Two", "coach", "TB02"),
                                    ("Coach Three", "coach", "TB03")]
    assert {(r["role"], r["user_id"], r["scenario_id"]) for r in added} == {
        ("operator", None, None)}
    assert added[0]["user_name"] == Operator.current().name


def test_users_added_and_revoked_on_the_command_line_are_recorded(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    runner = CliRunner()
    for command in (["users", "add", "--role", "coach", "--name", "Tom Claes",
                     "--coach-id", "TB02"], ["users", "revoke", "1"], ["users", "revoke", "1"]):
        assert runner.invoke(app, command, env=env).exit_code == 0
    engine = make_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(select(AuditRecord.action, AuditRecord.user_name,
                                         AuditRecord.role, AuditRecord.details)).all()
    engine.dispose()
    operator = Operator.current().name
    assert [row[:3] for row in rows] == [("user_add", operator, "operator"),
                                         ("user_revoke", operator, "operator")]
    assert json.loads(rows[1].details) == {"user_id": 1, "name": "Tom Claes", "role": "coach"}


def test_the_trail_is_paged_by_id(api: Api) -> None:
    first = trail(api, limit=2)
    rest = trail(api, after=first[-1]["id"])
    assert len(first) == 2 and rest and rest[0]["id"] > first[1]["id"]


def test_the_trail_survives_its_scenario(api: Api) -> None:
    scenario_id = upload_demo(api)
    solve(api, scenario_id)
    assert api.client.delete(f"/scenarios/{scenario_id}",
                             headers=api.consultant).status_code == 204
    assert api.client.get(f"/scenarios/{scenario_id}",
                          headers=api.consultant).status_code == 404
    assert [r["action"] for r in trail(api, scenario_id=scenario_id)] == [
        "scenario_upload", "solve", "scenario_delete"]


def test_a_coach_may_not_read_the_trail(api: Api) -> None:
    assert api.client.get("/audit", headers=api.coach_tb02).status_code == 403
    assert api.client.get("/audit").status_code == 401


def check_the_database_refuses_changes(engine: Engine) -> None:
    """UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit records fail."""
    statements: list[Any] = [update(AuditRecord).values(user_name="someone else"),
                             delete(AuditRecord)]
    if engine.dialect.name == "postgresql":
        statements.append(text("TRUNCATE audit"))
    count = text("SELECT count(*), max(user_name) FROM audit")
    with engine.connect() as connection:
        before = connection.execute(count).one()
    assert before[0] > 0
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(statement)
    with engine.connect() as connection:
        assert connection.execute(count).one() == before


def test_the_database_refuses_to_change_or_delete_a_record(api: Api) -> None:
    upload_demo(api)
    check_the_database_refuses_changes(api.services.engine)


def test_a_migrated_database_keeps_the_triggers(tmp_path: Path) -> None:
    """Start-up after start-up (migrate runs each time) leaves the trail append-only."""
    for _started in start_api(tmp_path):
        pass
    for api in start_api(tmp_path):
        check_the_database_refuses_changes(api.services.engine)


def test_support_needs_may_not_be_recorded(api: Api) -> None:
    who = Principal(1, "Consultant", "consultant", None)
    with api.services.sessions() as db:
        for details in ({"adjustments": "rolstoel"}, {"pins": [{"priority": 1}]}):
            with pytest.raises(ValueError, match="may not hold"):
                record(db, who, "pin", details=details)
        create_user(db, "consultant", "Second Consultant", by=who)
    assert trail(api, action="user_add")[-1]["user_name"] == "Consultant"


def test_no_record_of_a_scenario_with_support_needs_shows_them(api: Api) -> None:
    scenario_id = test_privacy._upload(api)
    plan_id = int(solve(api, scenario_id)["plan_id"])
    proposal = api.client.post(f"/plans/{plan_id}/proposals", headers=api.coach_tb02,
                               json={"student_id": "PLAIN2", "workplace_id": "W5",
                                     "note": "needs intensive support, rolstoel"})
    assert proposal.status_code == 201, proposal.text
    assert api.client.post(f"/plans/{plan_id}/pins", headers=api.consultant, json=[
        {"student_id": "PLAIN2", "workplace_id": "W5"}]).status_code == 201
    refuse(api, plan_id, "INT", "W5", reason="intensive support: not here (rolstoel)")
    assert api.client.delete(f"/scenarios/{scenario_id}",
                             headers=api.consultant).status_code == 204
    response = api.client.get("/audit", params={"scenario_id": scenario_id},
                              headers=api.consultant)
    assert len(response.json()) >= 6
    test_privacy._scan("the audit trail", response.text)
