"""Settings mistakes stop the service with a clear message and exit 2, never showing a
value (it may be a secret); `matcher serve` warns when it listens beyond this computer
without Secure cookies."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from api.settings import ConfigurationError, load_settings
from matcher.cli import app

SHORT_SECRET = "hunter2-is-not-long-enough"


def test_a_short_session_secret_names_the_variable_but_not_the_value(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_SESSION_SECRET", SHORT_SECRET)
    monkeypatch.setenv("MATCHER_JOB_WORKERS", "many")
    with pytest.raises(ConfigurationError) as refused:
        load_settings()
    message = str(refused.value)
    assert "MATCHER_SESSION_SECRET" in message and "32 characters" in message
    assert "MATCHER_JOB_WORKERS" in message
    assert SHORT_SECRET not in message
    assert refused.value.__suppress_context__  # no chained pydantic error with the input


def test_serve_with_a_short_secret_exits_2_without_traceback_or_secret(
        monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(args))
    result = CliRunner().invoke(app, ["serve"], env={"MATCHER_SESSION_SECRET": SHORT_SECRET})
    assert result.exit_code == 2
    assert "MATCHER_SESSION_SECRET" in result.output
    assert SHORT_SECRET not in result.output
    assert "Traceback" not in result.output
    assert not started


@pytest.mark.parametrize(("host", "secure", "warned"), [
    ("0.0.0.0", "false", True),
    ("192.168.1.10", "false", True),
    ("matcher.example.org", "false", True),
    ("0.0.0.0", "true", False),
    ("127.0.0.1", "false", False),
    ("::1", "false", False),
    ("localhost", "false", False),
])
def test_serve_warns_when_listening_beyond_loopback_without_secure_cookies(
        monkeypatch: pytest.MonkeyPatch, host: str, secure: str, warned: bool) -> None:
    started: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(kwargs))
    result = CliRunner().invoke(app, ["serve", "--host", host],
                                env={"MATCHER_SECURE_COOKIES": secure,
                                     "MATCHER_SESSION_SECRET": None})
    assert result.exit_code == 0, result.output
    assert ("MATCHER_SECURE_COOKIES" in result.output) is warned
    assert started and started[0]["host"] == host
