"""One durable job system: a solver process killed mid-job costs nothing but a retry.

To kill a solver *during* a job, the test holds the job's row as soon as the
dispatcher claims it: the solver then waits at its first progress write, and is
killed there.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api import jobs as api_jobs
from api.jobs import claim_next_job
from api.tables import Job, StoredPlan
from tests.api.conftest import Api, refuse, start_api, upload_demo, wait_for_job


class ClaimHeld:
    """Stands in for ``api.jobs.claim_next_job``: the next job the dispatcher claims is
    held (its row; on SQLite, the database's write lock) before it goes to a solver, so
    the solver waits at its first progress write and is surely killed mid-job."""

    def __init__(self, api: Api) -> None:
        self._api = api
        self._held: Session | None = None
        self.claimed = threading.Event()
        self.job_id = 0

    def __call__(self, sessions: sessionmaker[Session]) -> tuple[int, int] | None:
        claimed = claim_next_job(sessions)
        if claimed is not None and not self.claimed.is_set():
            self._held = self._api.services.write_sessions()
            self._held.scalar(select(Job.state).where(Job.id == claimed[0]).with_for_update())
            self.job_id = claimed[0]
            self.claimed.set()
        return claimed

    def release(self) -> None:
        if self._held is not None:
            self._held.rollback()
            self._held.close()


def interrupted_job(api: Api, monkeypatch: pytest.MonkeyPatch,
                    submit: Callable[[], int]) -> dict[str, Any]:
    """kill -9 the solver processes while the job ``submit()`` queues runs; the job once
    finished."""
    held = ClaimHeld(api)
    with monkeypatch.context() as patch:
        patch.setattr(api_jobs, "claim_next_job", held)
        job_id = submit()
        assert held.claimed.wait(30), "the job was never claimed"
    try:
        assert held.job_id == job_id
        deadline = time.monotonic() + 30
        while job_id not in api.services.runner.status().running:  # handed to the pool
            assert time.monotonic() < deadline, "the job never reached a solver"
            time.sleep(0.01)
        # every solver process: the one running the job among them
        solvers = [psutil.Process(pid) for pid in api.services.runner.status().pids]
        assert solvers, "no solver process runs the job"
        for solver in solvers:
            os.kill(solver.pid, signal.SIGKILL)
        psutil.wait_procs(solvers, timeout=10)
    finally:
        held.release()
    return wait_for_job(api.client, job_id, api.consultant)


@pytest.fixture(scope="module")
def solved(api: Api) -> tuple[int, int, dict[str, str]]:
    return solve_demo(api)


def solve_demo(api: Api) -> tuple[int, int, dict[str, str]]:
    """(scenario id, plan id, workplace per placed student) of the demo."""
    scenario_id = upload_demo(api)
    job = api.client.post(f"/scenarios/{scenario_id}/solve", json={},
                          headers=api.consultant).json()
    plan_id = int(wait_for_job(api.client, job["id"], api.consultant)["plan_id"])
    plan = api.client.get(f"/plans/{plan_id}", headers=api.consultant).json()["plan"]
    placed = {a["student_id"]: a["workplace_id"] for a in plan["assignments"]
              if not a.get("pinned")}
    return scenario_id, plan_id, placed


def _healthy(api: Api) -> dict[str, Any]:
    health = api.client.get("/health")
    assert health.status_code == 200, health.text
    body: dict[str, Any] = health.json()
    assert body["status"] == "ok" and body["jobs_stuck"] == 0
    return body


def test_solver_killed_during_a_replan_the_replan_runs_again_and_later_ones_work(
        api: Api, solved: tuple[int, int, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    scenario_id, plan_id, placed = solved
    students = sorted(placed)

    def refusal() -> int:
        student = students[0]
        response = api.client.post(f"/plans/{plan_id}/refusals",
                                   json={"student_id": student,
                                         "workplace_id": placed[student]},
                                   headers=api.consultant)
        assert response.status_code == 202, response.text
        return int(response.json()["id"])

    restarts = api.services.runner.status().pool_restarts
    job = interrupted_job(api, monkeypatch, refusal)
    assert job["state"] == "done" and job["attempts"] == 2, job  # killed once, run again
    assert job["result"]["new_workplace_id"] != job["result"]["refused_workplace_id"]
    assert api.services.runner.status().pool_restarts > restarts  # a new pool
    # the next refusal and the next solve simply work
    later = refuse(api, job["plan_id"], students[-1], placed[students[-1]])
    assert later["parent_id"] == job["plan_id"]
    solve = api.client.post(f"/scenarios/{scenario_id}/solve", json={"seed": 99},
                            headers=api.consultant).json()
    assert wait_for_job(api.client, solve["id"], api.consultant)["state"] == "done"
    assert _healthy(api)["pool"]["restarts"] >= 1


def test_solver_killed_during_a_solve_the_solve_runs_again(
        api: Api, solved: tuple[int, int, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    scenario_id = solved[0]

    def solve() -> int:
        response = api.client.post(f"/scenarios/{scenario_id}/solve",
                                   json={"seed": 1000}, headers=api.consultant)
        assert response.status_code == 202, response.text
        return int(response.json()["id"])

    job = interrupted_job(api, monkeypatch, solve)
    assert job["state"] == "done" and job["attempts"] == 2, job
    with api.services.sessions() as db:  # exactly one plan: the killed attempt stored none
        assert db.query(StoredPlan).filter(StoredPlan.job_id == job["id"]).count() == 1
    _healthy(api)


def test_a_job_killed_too_often_fails_with_a_clear_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    running = start_api(tmp_path, job_max_attempts=1)
    api = next(running)
    try:
        scenario_id = upload_demo(api)

        def solve() -> int:
            return int(api.client.post(f"/scenarios/{scenario_id}/solve", json={},
                                       headers=api.consultant).json()["id"])

        job = interrupted_job(api, monkeypatch, solve)
        assert job["state"] == "failed" and job["attempts"] == 1
        assert "interrupted 1 times" in job["error"]
        assert (job["error_code"], job["error_params"]) == ("job.error_interrupted", {"n": 1})
        dutch = api.client.get(f"/jobs/{job['id']}", headers={**api.consultant,
                                                             "Accept-Language": "nl-BE"})
        assert "1 keer onderbroken" in dutch.json()["error"]
        assert (dutch.json()["stage"], dutch.json()["stage_code"]) == ("mislukt", "stage.failed")
        _healthy(api)  # failed is finished, not stuck
    finally:
        running.close()


def _job(api: Api, scenario_id: int, state: str, seed: int, **values: Any) -> int:
    settings = {"backend": "flow", "objective": None, "time_limit_s": 60.0, "seed": seed}
    with api.services.sessions() as db:
        job = Job(scenario_id=scenario_id, kind="solve", state=state, stage="",
                  settings=json.dumps(settings), lineage='{"pins":[],"refusals":[]}',
                  input_hash=f"{seed:064d}", **values)
        db.add(job)
        db.commit()
        return job.id


def test_health_answers_503_for_stuck_jobs_which_then_run(tmp_path: Path) -> None:
    running = start_api(tmp_path, job_stuck_seconds=1.0)
    api = next(running)
    try:
        scenario_id = upload_demo(api)
        api.services.runner.stop()  # as if the dispatcher had died
        # running without a solver (as a lost hand-over leaves it), and waiting in vain
        orphan = _job(api, scenario_id, "running", 5, attempts=1,
                      started_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5))
        waiting = _job(api, scenario_id, "queued", 6, attempts=0)
        health = api.client.get("/health")
        assert health.status_code == 503
        body = health.json()
        assert body["status"] == "stuck" and body["pool"]["dispatcher_alive"] is False
        assert body["stuck_job_ids"] == [orphan, waiting] and body["jobs_stuck"] == 2
        api.services.runner.start()
        first = wait_for_job(api.client, orphan, api.consultant)
        assert first["state"] == "done" and first["attempts"] == 2  # re-queued, run again
        assert wait_for_job(api.client, waiting, api.consultant)["state"] == "done"
        _healthy(api)
    finally:
        running.close()
