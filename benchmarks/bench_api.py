"""Service API benchmark: suggestion latency and solve-job throughput over HTTP.

    python benchmarks/bench_api.py                 # full run (a few minutes)
    python benchmarks/bench_api.py --requests 50   # a quicker run

A real ``matcher serve`` is started on 127.0.0.1 (a free port, a temporary
SQLite database) and driven with httpx over loopback, so the figures include
HTTP, authentication and JSON, as a client sees them.

* Latency: a generated scenario with 30,000 workplaces (20,000 students,
  ratio 1.5, seed 1) is uploaded and solved; then suggestions are asked for
  random students (seeded) and random workplaces. The first request for a plan
  builds its context and that student's allowed pairs (reported as "cold"),
  and starts indexing all pairs and counting rule rejections for every student
  in the background; after --settle seconds the rest are measured warm.
* Throughput: solve jobs on a generated 5,000-student scenario (ratio 1.5,
  seed 1), submitted together with distinct seeds so none reuses another's
  plan; jobs per minute with the service's 2 solver processes.

Prints a table and writes benchmarks/results_api.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
RESULTS = HERE / "results_api.json"
ROOT = HERE.parent


def ensure_scenario(students: int, ratio: float, seed: int) -> Path:
    from matcher.generate import GeneratorSettings, write_scenario

    target = DATA / f"s{students}-r{ratio}-seed{seed}"
    if not (target / "scenario.yaml").exists():
        write_scenario(GeneratorSettings(students=students, ratio=ratio, seed=seed), target)
    return target


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Server:
    """A ``matcher serve`` in its own process group, ended with the benchmark."""

    def __init__(self, folder: Path, poll_seconds: float | None = 0.05) -> None:
        """``poll_seconds``: how often the job dispatcher looks for work besides being
        woken (``MATCHER_JOB_POLL_SECONDS``); None for the service's default."""
        from api.auth import create_user
        from api.db import make_engine, migrate, session_factory

        url = f"sqlite:///{folder / 'bench.db'}"
        engine = make_engine(url)
        migrate(engine)
        with session_factory(engine)() as db:
            self.headers = {"X-API-Key": create_user(db, "consultant", "Benchmark")}
        engine.dispose()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "matcher", "serve", "--host", "127.0.0.1", "--port",
             str(self.port)],
            cwd=folder, env={**os.environ, "DATABASE_URL": url,
                             **({} if poll_seconds is None else
                                {"MATCHER_JOB_POLL_SECONDS": str(poll_seconds)})},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            self.stop()
            raise SystemExit("matcher serve did not start")
        self.client = httpx.Client(base_url=self.base, headers=self.headers, timeout=600)

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)

    def upload(self, folder: Path) -> tuple[int, float]:
        files = [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())
                 if p.suffix in (".csv", ".yaml")]
        started = time.perf_counter()
        response = self.client.post("/scenarios", files=files)
        response.raise_for_status()
        return int(response.json()["id"]), time.perf_counter() - started

    def submit(self, scenario_id: int, **settings: Any) -> int:
        response = self.client.post(f"/scenarios/{scenario_id}/solve", json=settings)
        response.raise_for_status()
        return int(response.json()["id"])

    def wait(self, job_ids: list[int]) -> list[dict[str, Any]]:
        done: dict[int, dict[str, Any]] = {}
        while len(done) < len(job_ids):
            for job_id in job_ids:
                if job_id not in done:
                    job = self.client.get(f"/jobs/{job_id}").json()
                    if job["state"] in ("done", "failed", "cancelled"):
                        done[job_id] = job
            time.sleep(0.02)
        failed = [j for j in done.values() if j["state"] != "done"]
        if failed:
            raise SystemExit(f"jobs did not finish: {failed}")
        return [done[j] for j in job_ids]


def timed_get(client: httpx.Client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed * 1000


def latency(server: Server, folder: Path, requests: int, settle_s: float) -> dict[str, Any]:
    scenario_id, upload_s = server.upload(folder)
    started = time.perf_counter()
    job = server.wait([server.submit(scenario_id)])[0]
    solve_s = time.perf_counter() - started
    plan_id = job["plan_id"]
    plan = server.client.get(f"/plans/{plan_id}").json()["plan"]
    students = sorted([a["student_id"] for a in plan["assignments"]]
                      + [u["student_id"] for u in plan["unmatched"]])
    detail = server.client.get(f"/scenarios/{scenario_id}").json()
    workplaces = sorted({a["workplace_id"] for a in plan["assignments"]})
    picker = random.Random(1)
    cold_ms = timed_get(server.client, f"/plans/{plan_id}/students/{students[0]}/suggestions")
    time.sleep(settle_s)  # the per-student rejection table is built in the background
    student_ms = [timed_get(server.client, f"/plans/{plan_id}/students/"
                            f"{picker.choice(students)}/suggestions?k=5")
                  for _ in range(requests)]
    workplace_ms = [timed_get(server.client, f"/plans/{plan_id}/workplaces/"
                              f"{picker.choice(workplaces)}/suggestions?k=10")
                    for _ in range(requests)]
    return {
        "students": detail["students"], "workplaces": detail["workplaces"],
        "upload_s": round(upload_s, 2), "solve_job_s": round(solve_s, 2),
        "cold_first_suggestion_ms": round(cold_ms, 1), "settle_s": settle_s,
        "requests": requests,
        "student_p50_ms": round(statistics.median(student_ms), 2),
        "student_p95_ms": round(percentile(student_ms, 0.95), 2),
        "workplace_p50_ms": round(statistics.median(workplace_ms), 2),
        "workplace_p95_ms": round(percentile(workplace_ms, 0.95), 2),
    }


def throughput(server: Server, folder: Path, jobs: int) -> dict[str, Any]:
    scenario_id, upload_s = server.upload(folder)
    server.wait([server.submit(scenario_id, seed=10_000)])  # warm the solver processes
    started = time.perf_counter()
    job_ids = [server.submit(scenario_id, seed=seed) for seed in range(jobs)]
    finished = server.wait(job_ids)
    elapsed = time.perf_counter() - started
    assert len({j["plan_id"] for j in finished}) == jobs  # every job solved, none reused
    return {"students": server.client.get(f"/scenarios/{scenario_id}").json()["students"],
            "upload_s": round(upload_s, 2), "jobs": jobs, "seconds": round(elapsed, 2),
            "jobs_per_minute": round(jobs / elapsed * 60, 1),
            "seconds_per_job": round(elapsed / jobs, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="Suggestions per kind.")
    parser.add_argument("--jobs", type=int, default=10, help="Solve jobs for throughput.")
    parser.add_argument("--settle", type=float, default=15.0,
                        help="Seconds to wait after the first (cold) suggestion.")
    args = parser.parse_args()
    large = ensure_scenario(20_000, 1.5, 1)  # 30,000 workplaces
    small = ensure_scenario(5_000, 1.5, 1)
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        server = Server(Path(tmp))
        try:
            lat = latency(server, large, args.requests, args.settle)
            thr = throughput(server, small, args.jobs)
        finally:
            server.client.close()
            server.stop()
    results = {"machine": {"python": platform.python_version(), "cores": os.cpu_count()},
               "latency": lat, "throughput": thr}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"Suggestions over HTTP, {lat['students']:,} students × {lat['workplaces']:,} "
          f"workplaces, {lat['requests']} requests each (warm cache)")
    print("| question | p50 ms | p95 ms |\n|---|---:|---:|")
    print(f"| workplaces for a student (k=5) | {lat['student_p50_ms']} | "
          f"{lat['student_p95_ms']} |")
    print(f"| students for a workplace (k=10) | {lat['workplace_p50_ms']} | "
          f"{lat['workplace_p95_ms']} |")
    print(f"upload {lat['upload_s']} s, solve job {lat['solve_job_s']} s, first (cold) "
          f"suggestion {lat['cold_first_suggestion_ms']} ms")
    print(f"Solve jobs, {thr['students']:,} students: {thr['jobs']} jobs in {thr['seconds']} s "
          f"= {thr['jobs_per_minute']} jobs/min ({thr['seconds_per_job']} s per job)")
    print(f"Written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
