"""Fixtures for the service tests: one app per module on a temporary SQLite file.

A module shares its app (and so its pool of solver processes) to keep the
suite fast; tests that need a clean database make their own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient  # its warning is filtered in pyproject.toml

from api.auth import create_user
from api.main import create_app
from api.services import Services
from api.settings import Settings

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"
JOB_TIMEOUT_S = 60.0


def settings_for(folder: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": f"sqlite:///{folder / 'api.db'}",
                              "data_dir": folder,  # the session secret, also on PostgreSQL
                              "job_workers": 2, "job_poll_seconds": 0.1}
    values.update(overrides)
    return Settings(**values)


@dataclass
class Api:
    """A running app with a client and the keys of a consultant and two coaches."""

    app: FastAPI
    client: TestClient
    consultant: dict[str, str]
    coach_tb02: dict[str, str]
    coach_tb03: dict[str, str]

    @property
    def services(self) -> Services:
        services = self.app.state.services
        assert isinstance(services, Services)
        return services


def start_api(folder: Path, **overrides: Any) -> Generator[Api, None, None]:
    app = create_app(settings_for(folder, **overrides))
    services = app.state.services
    with services.sessions() as db:
        keys = [create_user(db, "consultant", "Consultant"),
                create_user(db, "coach", "Coach Two", "TB02"),
                create_user(db, "coach", "Coach Three", "TB03")]
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield Api(app, client, *({"X-API-Key": key} for key in keys))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    yield from start_api(tmp_path_factory.mktemp("api"))


def demo_files(folder: Path = DEMO) -> list[tuple[str, tuple[str, bytes]]]:
    return [("files", (path.name, path.read_bytes())) for path in sorted(folder.iterdir())
            if path.suffix in (".csv", ".yaml")]


def upload_demo(api: Api) -> int:
    response = api.client.post("/scenarios", files=demo_files(), headers=api.consultant)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def wait_for_job(client: TestClient, job_id: int, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/jobs/{job_id}", headers=headers).json()
        if job["state"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish in {JOB_TIMEOUT_S} s")


def solve(api: Api, scenario_id: int, **settings: Any) -> dict[str, Any]:
    response = api.client.post(f"/scenarios/{scenario_id}/solve", json=settings,
                               headers=api.consultant)
    assert response.status_code == 202, response.text
    job = wait_for_job(api.client, response.json()["id"], api.consultant)
    assert job["state"] == "done", job
    return job


def refuse(api: Api, plan_id: int, student_id: str, workplace_id: str,
           reason: str = "") -> dict[str, Any]:
    """Refuse a pair, wait for the re-plan job; its result (new plan, who moved)."""
    response = api.client.post(f"/plans/{plan_id}/refusals",
                               json={"student_id": student_id, "workplace_id": workplace_id,
                                     "reason": reason}, headers=api.consultant)
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    assert response.headers["location"] == f"/jobs/{job_id}"
    job = wait_for_job(api.client, job_id, api.consultant)
    assert job["state"] == "done" and job["kind"] == "replan", job
    result: dict[str, Any] = job["result"]
    assert result["plan_id"] == job["plan_id"]
    return result


@pytest.fixture(scope="module")
def demo_plan(api: Api) -> tuple[int, int]:
    """(scenario id, plan id) of the solved demo scenario."""
    scenario_id = upload_demo(api)
    return scenario_id, int(solve(api, scenario_id)["plan_id"])


@pytest.fixture
def servers() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Servers started by a test; their process groups are ended afterwards."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for server in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
