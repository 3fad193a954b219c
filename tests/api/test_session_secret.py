"""The web login secret: made once, kept private in the data folder, the same after a
restart (nobody is logged out), and a kept secret too short to be safe is refused."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from api.session_secret import SECRET_FILE, session_secret
from api.settings import ConfigurationError
from api.web.session import COOKIE
from tests.api.conftest import settings_for, start_api
from tests.web.test_pages import log_in, new_client


def test_a_login_survives_a_restart_and_the_secret_file_is_private(tmp_path: Path) -> None:
    first = start_api(tmp_path, job_workers=1)
    api = next(first)
    user = log_in(api, api.consultant)
    cookie = user.client.cookies[COOKIE]
    first.close()

    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600
    second = start_api(tmp_path, job_workers=1)
    restarted = next(second)
    browser = new_client(restarted)
    browser.cookies.set(COOKIE, cookie)
    assert browser.get("/ui/scenarios").status_code == 200  # not sent to the login page
    second.close()


def test_a_set_secret_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    secret = "s" * 40
    assert session_secret(settings_for(tmp_path, session_secret=secret)) == secret
    assert not (tmp_path / SECRET_FILE).exists()


def test_a_kept_secret_readable_by_others_is_made_private(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_text("k" * 64 + "\n")
    (tmp_path / SECRET_FILE).chmod(0o644)
    assert session_secret(settings_for(tmp_path)) == "k" * 64
    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600


def test_a_kept_secret_too_short_is_refused_without_showing_it(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_text("hunter2\n")
    with pytest.raises(ConfigurationError) as refused:
        session_secret(settings_for(tmp_path))
    assert "hunter2" not in str(refused.value)
    assert SECRET_FILE in str(refused.value)


def test_the_data_folder_can_be_set(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    session_secret(settings_for(tmp_path, data_dir=kept))
    assert (kept / SECRET_FILE).is_file()
    assert not (tmp_path / SECRET_FILE).exists()
