"""The job table is the truth: a server that dies mid-solve loses no job.

Two ways: a job left 'running' in the database (as a crash leaves it) is
re-queued by the next start; and a real ``matcher serve`` killed with SIGKILL
(the server process alone) while one job runs and others wait: its solver
processes, forkserver and resource tracker end too (none is left behind), and
the next start finishes every job, the interrupted one on its second attempt.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psutil
from sqlalchemy import select, text

from api.auth import create_user
from api.db import is_sqlite, make_engine, migrate, session_factory, write_session_factory
from api.tables import Job, StoredPlan
from tests.api.conftest import demo_files, start_api, wait_for_job

SERVER_START_TIMEOUT_S = 60.0
JOB_TIMEOUT_S = 120.0  # generous: CI may share its two cores with other work


def test_running_job_left_by_a_crash_is_requeued_and_completes(tmp_path: Path) -> None:
    crashed = start_api(tmp_path)
    api = next(crashed)  # first server: upload, then "crash" mid-job
    scenario_id = api.client.post("/scenarios", files=demo_files(),
                                  headers=api.consultant).json()["id"]
    api.services.runner.stop()  # no dispatcher: the job stays where we put it
    with api.services.sessions() as db:
        job = Job(scenario_id=scenario_id, state="running", stage="stage.solving",
                  progress=0.35, settings=json.dumps({"backend": "flow", "objective": None,
                                                      "time_limit_s": 60.0, "seed": 0}),
                  lineage='{"pins":[],"refusals":[]}', input_hash="0" * 64, attempts=1)
        db.add(job)
        db.commit()
        job_id = job.id
    crashed.close()
    restarted = start_api(tmp_path)
    again = next(restarted)
    try:
        finished = wait_for_job(again.client, job_id, again.consultant)
        assert finished["state"] == "done" and finished["attempts"] == 2
        with again.services.sessions() as db:
            plans = db.query(StoredPlan).filter(StoredPlan.job_id == job_id).count()
        assert plans == 1
    finally:
        restarted.close()


def test_job_that_crashed_the_server_too_often_fails(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'api.db'}")
    migrate(engine)
    engine.dispose()
    crashed = start_api(tmp_path, job_max_attempts=2)
    api = next(crashed)
    scenario_id = api.client.post("/scenarios", files=demo_files(),
                                  headers=api.consultant).json()["id"]
    api.services.runner.stop()
    with api.services.sessions() as db:
        job = Job(scenario_id=scenario_id, state="running", stage="stage.solving",
                  settings=json.dumps({"backend": "flow", "objective": None,
                                       "time_limit_s": 60.0, "seed": 0}),
                  lineage='{"pins":[],"refusals":[]}', input_hash="1" * 64, attempts=2)
        db.add(job)
        db.commit()
        job_id = job.id
    crashed.close()
    restarted = start_api(tmp_path, job_max_attempts=2)
    again = next(restarted)
    try:
        job_out = again.client.get(f"/jobs/{job_id}", headers=again.consultant).json()
        assert job_out["state"] == "failed" and "interrupted" in job_out["error"]
    finally:
        restarted.close()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(folder: Path, port: int, database_url: str | None = None,
           **settings: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": database_url or f"sqlite:///{folder / 'api.db'}",
           "MATCHER_JOB_POLL_SECONDS": "0.1", **settings}
    return subprocess.Popen(
        [sys.executable, "-m", "matcher", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        assert server.poll() is None, "matcher serve exited"
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("matcher serve did not start")


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _left_after(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while any(_alive(p) for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [p for p in processes if _alive(p)]


@contextlib.contextmanager
def jobs_frozen(database_url: str) -> Iterator[Callable[[int], str]]:
    """No job changes while inside (SQLite: its write lock; PostgreSQL: the jobs table
    locked against writes); yields a function that reads a job's state."""
    engine = make_engine(database_url)
    try:
        with write_session_factory(engine)() as db:
            if is_sqlite(database_url):
                db.execute(select(1))  # begins the transaction: BEGIN IMMEDIATE
            else:
                db.execute(text("LOCK TABLE jobs IN EXCLUSIVE MODE"))
            yield lambda job_id: str(db.scalar(select(Job.state).where(Job.id == job_id)))
            db.rollback()
    finally:
        engine.dispose()


def test_sigkill_of_the_server_with_jobs_queued_leaves_no_process_and_loses_no_job(
        tmp_path: Path, servers: list[subprocess.Popen[bytes]]) -> None:
    check_sigkill_of_the_server_with_jobs_queued(tmp_path, servers,
                                                 f"sqlite:///{tmp_path / 'api.db'}")


def check_sigkill_of_the_server_with_jobs_queued(
        folder: Path, servers: list[subprocess.Popen[bytes]], database_url: str) -> None:
    """kill -9 of the server process alone: its solvers, forkserver and resource tracker
    end too; the next start finishes every job, each with one plan."""
    engine = make_engine(database_url)
    migrate(engine)
    with session_factory(engine)() as db:
        headers = {"X-API-Key": create_user(db, "consultant", "Consultant")}
    engine.dispose()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    first = _serve(folder, port, database_url, MATCHER_JOB_WORKERS="1")
    servers.append(first)
    _wait_until_up(base, first)
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        files = [(field, (name, data)) for field, (name, data) in demo_files()]
        scenario_id = client.post("/scenarios", files=files).json()["id"]
        jobs = [client.post(f"/scenarios/{scenario_id}/solve", json={"seed": seed}).json()["id"]
                for seed in range(6)]
    while True:  # until a job runs and others wait: then kill -9 the server
        with jobs_frozen(database_url) as state_of:  # no job changes while the server dies
            states = [state_of(job) for job in jobs]
            if "running" in states and "queued" in states:
                processes = psutil.Process(first.pid).children(recursive=True)
                assert len(processes) >= 2, processes  # forkserver, solver, resource tracker
                os.kill(first.pid, signal.SIGKILL)  # the server alone, not its process group
                first.wait(timeout=10)
                break
        assert "queued" in states, f"every job ran before the server could be killed: {states}"
        time.sleep(0.005)
    assert _left_after(processes, 15) == []

    second = _serve(folder, port, database_url, MATCHER_JOB_WORKERS="1")
    servers.append(second)
    _wait_until_up(base, second)
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        finished = []
        for job_id in jobs:
            deadline = time.monotonic() + JOB_TIMEOUT_S
            job = client.get(f"/jobs/{job_id}").json()
            while job["state"] in ("queued", "running") and time.monotonic() < deadline:
                time.sleep(0.05)
                job = client.get(f"/jobs/{job_id}").json()
            finished.append(job)
        assert [j["state"] for j in finished] == ["done"] * len(jobs), finished
        # the one running when the server died was claimed again; none was lost
        assert [j["attempts"] for j in finished] == [2 if state == "running" else 1
                                                     for state in states], (states, finished)
        plans = client.get("/plans", params={"scenario_id": scenario_id}).json()
        assert sorted(p["id"] for p in plans) == sorted(j["plan_id"] for j in finished)
        health = client.get("/health")
        assert health.status_code == 200 and health.json()["jobs_stuck"] == 0
    processes = psutil.Process(second.pid).children(recursive=True)
    os.kill(second.pid, signal.SIGKILL)
    second.wait(timeout=10)
    assert _left_after(processes, 15) == []
