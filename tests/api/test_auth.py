"""Revoking a user: their key and their web sessions stop working at once, the user stays
listed (the audit trail names them); `matcher users list` and `revoke` on the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from api.auth import is_revoked, list_users, revoke_user
from matcher.cli import app
from tests.api.conftest import start_api
from tests.web.test_pages import log_in


def test_a_revoked_key_and_its_web_session_stop_working_at_once(tmp_path: Path) -> None:
    running = start_api(tmp_path, job_workers=1)
    api = next(running)
    browser = log_in(api, api.coach_tb02)
    assert browser.client.get("/ui/coach").status_code == 200
    assert api.client.get("/plans", headers=api.coach_tb02).status_code == 200
    with api.services.sessions() as db:
        coach = next(u for u in list_users(db) if u.coach_id == "TB02")
        revoke_user(db, coach.id)

    assert api.client.get("/plans", headers=api.coach_tb02).status_code == 401
    assert browser.client.get("/ui/coach").status_code == 303  # back to the login page
    assert api.client.get("/plans", headers=api.coach_tb03).status_code == 200  # others stay
    with api.services.sessions() as db:
        assert [is_revoked(u) for u in list_users(db)] == [False, True, False]
    running.close()


def test_revoking_an_unknown_user_changes_nothing(tmp_path: Path) -> None:
    running = start_api(tmp_path, job_workers=1)
    api = next(running)
    with api.services.sessions() as db:
        assert revoke_user(db, 999) is None
        assert not any(is_revoked(u) for u in list_users(db))
    running.close()


def test_users_list_and_revoke_on_the_command_line(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "--role", "coach", "--name", "Tom Claes",
                                "--coach-id", "TB02"], env=env)
    assert added.exit_code == 0, added.output
    key = added.output.strip().splitlines()[-1]

    listed = runner.invoke(app, ["users", "list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "Tom Claes" in listed.output and "TB02" in listed.output
    assert "active" in listed.output
    assert key not in listed.output

    revoked = runner.invoke(app, ["users", "revoke", "1"], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in runner.invoke(app, ["users", "list"], env=env).output
    unknown = runner.invoke(app, ["users", "revoke", "7"], env=env)
    assert unknown.exit_code == 2
    assert "No user with id 7" in unknown.output


def test_a_user_the_command_line_cannot_add_is_refused_in_the_operators_language(
        tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    runner = CliRunner()
    no_coach_id = runner.invoke(app, ["users", "add", "--role", "coach", "--name", "Tom"],
                                env=env)
    assert no_coach_id.exit_code == 2
    assert "a coach needs --coach-id" in no_coach_id.output
    dutch = runner.invoke(app, ["users", "add", "--role", "consultant", "--name", "An",
                                "--coach-id", "TB02", "--lang", "nl"], env=env)
    assert dutch.exit_code == 2
    assert "--coach-id is alleen voor trajectbegeleiders" in dutch.output
    assert "Traceback" not in no_coach_id.output + dutch.output
