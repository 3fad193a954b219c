"""Refusal benchmark: a refusal re-plan on a solved plan, through the API and through
the web page, from the click until the new plan is there.

    python benchmarks/bench_refusal.py                     # scenarios/flanders-2023
    python benchmarks/bench_refusal.py --refusals 20 --scenario DIR

A real ``matcher serve`` (bench_api.Server, the service's default job poll interval)
is given the scenario, which is solved; one refusal warms the solver processes (its
figures are reported apart: it builds the warm engine). Then each refusal refuses a
placed (not pinned) student of the newest plan, one after another:

* *api*: ``POST /plans/{id}/refusals``, then ``GET /jobs/{id}`` every
  ``--poll-ms`` until the job is done, then ``GET /plans/{new id}`` (readable);
* *page*: what the browser does after the consultant clicks "refused" on the plan
  page: htmx posts the form and follows ``HX-Redirect``: to the new plan (the form
  waits for a quick re-plan), or to the job page, whose progress fragment it polls
  at the interval the fragment asks for (``hx-trigger``) until it is sent on to the
  new plan; then it loads that page (the new plan shown).

Per refusal: the wall time, split into stages by the job's own timestamps (queued
until a solver claimed it, run, until the client noticed it done, the last page),
and the CPU seconds of the server process, of its solver processes and of this
client. Prints a table (median, p95) and writes
benchmarks/results_refusal.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from bench_api import HERE, ROOT, Server, percentile

RESULTS = HERE / "results_refusal.json"
TICKS = os.sysconf("SC_CLK_TCK")


def session_cpu_seconds(session: int) -> tuple[float, float]:
    """CPU seconds (user + system) of the process ``session`` and of the other live
    processes in its session (the server's: it starts in a session of its own, and its
    forkserver and solver processes stay in it)."""
    leader = others = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[3]) == session:  # the 6th field: session id
            ticks = int(fields[11]) + int(fields[12])  # utime, stime
            if int(entry.name) == session:
                leader += ticks
            else:
                others += ticks
    return leader / TICKS, others / TICKS


def _seconds(text: str | None) -> float:
    if text is None:
        raise SystemExit("the job has no timestamp")
    return dt.datetime.fromisoformat(text).timestamp()


@dataclass(frozen=True)
class Seen:
    """What the client saw of one refusal."""

    plan_id: int  # the new plan
    noticed: float  # time.time() when the client knew the re-plan was done
    shown: float  # perf_counter() when it asked for the new plan


class Refuser:
    """Refusals on the newest plan of one scenario, timed."""

    def __init__(self, server: Server, plan_id: int, poll_ms: float) -> None:
        self.server = server
        self.plan_id = plan_id
        self.poll_s = poll_ms / 1000
        self.page = httpx.Client(base_url=server.base, timeout=600)
        self.page.post("/ui/login", data={"api_key": server.headers["X-API-Key"]})
        found = re.search(r'name="csrf_token" value="([^"]+)"',
                          self.page.get(f"/ui/plans/{plan_id}").text)
        if found is None:
            raise SystemExit("no CSRF token on the plan page")
        self.token = found.group(1)
        self.refused: set[str] = set()

    def _pair(self) -> tuple[str, str]:
        """A placed, not pinned student of the newest plan not refused before."""
        plan = self.server.client.get(f"/plans/{self.plan_id}").json()["plan"]
        row = next(a for a in plan["assignments"]
                   if not a.get("pinned") and a["student_id"] not in self.refused)
        self.refused.add(row["student_id"])
        return row["student_id"], row["workplace_id"]

    def timed(self, how: str) -> dict[str, float]:
        student, workplace = self._pair()
        session = self.server.process.pid
        cpu_server, cpu_client = session_cpu_seconds(session), time.process_time()
        started_wall, started = time.time(), time.perf_counter()
        seen = self._api(student, workplace) if how == "api" else self._page(student, workplace)
        ended = time.perf_counter()
        cpu_after = session_cpu_seconds(session)
        cpu_client = time.process_time() - cpu_client
        job_id = self.server.client.get(f"/plans/{seen.plan_id}").json()["job_id"]
        job = self.server.client.get(f"/jobs/{job_id}").json()
        if job["state"] != "done":
            raise SystemExit(f"the re-plan did not finish: {job}")
        self.plan_id = int(job["plan_id"])
        created, claimed = _seconds(job["created_at"]), _seconds(job["started_at"])
        finished = _seconds(job["finished_at"])
        return {
            "total_ms": 1000 * (ended - started),
            "request_ms": 1000 * (created - started_wall),
            "queued_ms": 1000 * (claimed - created),
            "run_ms": 1000 * (finished - claimed),
            "noticed_ms": 1000 * (seen.noticed - finished),
            "shown_ms": 1000 * (ended - seen.shown),
            "cpu_server_s": cpu_after[0] - cpu_server[0],
            "cpu_solvers_s": cpu_after[1] - cpu_server[1], "cpu_client_s": cpu_client,
        }

    def _api(self, student: str, workplace: str) -> Seen:
        client = self.server.client
        posted = client.post(f"/plans/{self.plan_id}/refusals",
                             json={"student_id": student, "workplace_id": workplace})
        posted.raise_for_status()
        job_id = int(posted.json()["id"])
        while (job := client.get(f"/jobs/{job_id}").json())["state"] in ("queued", "running"):
            time.sleep(self.poll_s)
        noticed = time.time()
        shown = time.perf_counter()
        client.get(f"/plans/{job['plan_id']}").raise_for_status()
        return Seen(int(job["plan_id"]), noticed, shown)

    def _page(self, student: str, workplace: str) -> Seen:
        htmx = {"HX-Request": "true", "X-CSRF-Token": self.token}
        posted = self.page.post(f"/ui/plans/{self.plan_id}/refusals", headers=htmx, data={
            "student_id": student, "workplace_id": workplace})
        target = posted.headers.get("hx-redirect")
        if posted.status_code != 204 or not target:
            raise SystemExit(f"the refusal form was not accepted: {posted.status_code}")
        if target.startswith("/ui/jobs/"):  # the re-plan outlasted the form's wait
            job_page = self.page.get(target, follow_redirects=False)
            if job_page.status_code == 303:  # done meanwhile: sent on to the plan
                target = job_page.headers["location"]
            else:
                job_page.raise_for_status()
                target = self._follow_progress(job_page.text, htmx)
        noticed = time.time()
        shown = time.perf_counter()
        self.page.get(target).raise_for_status()
        return Seen(int(target.split("?")[0].rstrip("/").rsplit("/", 1)[-1]), noticed, shown)

    def _follow_progress(self, html: str, headers: dict[str, str]) -> str:
        """Poll the job page's progress fragment as htmx does, until it redirects."""
        while True:
            found = re.search(r'hx-get="([^"]+)" hx-trigger="every (\d+(?:\.\d+)?)(ms|s)"', html)
            if found is None:
                raise SystemExit("the job page does not poll its progress")
            path, every, unit = found.group(1), float(found.group(2)), found.group(3)
            time.sleep(every / 1000 if unit == "ms" else every)
            answer = self.page.get(path, headers=headers, follow_redirects=False)
            answer.raise_for_status()
            if "hx-redirect" in answer.headers:
                return answer.headers["hx-redirect"]
            html = answer.text


STAGES = ("total_ms", "request_ms", "queued_ms", "run_ms", "noticed_ms", "shown_ms",
          "cpu_server_s", "cpu_solvers_s", "cpu_client_s")


def summary(rows: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    return {stage: {"median": statistics.median(r[stage] for r in rows),
                    "p95": percentile([r[stage] for r in rows], 0.95)} for stage in STAGES}


def run(folder: Path, refusals: int, poll_ms: float,
        log: Callable[[str], None]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-refusal-") as tmp:
        server = Server(Path(tmp), poll_seconds=None)
        try:
            scenario_id, _ = server.upload(folder)
            plan_id = int(server.wait([server.submit(scenario_id)])[0]["plan_id"])
            refuser = Refuser(server, plan_id, poll_ms)
            # the solver processes build their warm engines (a re-plan lands in either)
            first = [refuser.timed("api") for _ in range(4)]
            shown = ", ".join(f"{r['total_ms']:.0f} ms" for r in first)
            log(f"first refusals (engines built): {shown}")
            figures: dict[str, Any] = {"first": first}
            for how in ("api", "page"):
                rows = [refuser.timed(how) for _ in range(refusals)]
                figures[how] = {"refusals": rows, "summary": summary(rows)}
        finally:
            server.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "flanders-2023")
    parser.add_argument("--refusals", type=int, default=15, help="Timed per way (api, page).")
    parser.add_argument("--poll-ms", type=float, default=10.0,
                        help="How often the api client asks for the job.")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_before = os.getloadavg()
    figures = run(args.scenario, args.refusals, args.poll_ms, print)
    result = {"scenario": str(args.scenario), "refusals": args.refusals,
              "poll_ms": args.poll_ms, **figures,
              "load_average": {"before": load_before, "after": os.getloadavg()},
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    print(f"\n{args.refusals} refusals each on {args.scenario.name}, one after another; "
          f"load average {load_before[0]:.2f} → {os.getloadavg()[0]:.2f}")
    print(f"{'stage':<16}" + "".join(f"{f'{how} p50':>12}{f'{how} p95':>12}"
                                       for how in ("api", "page")))
    for stage in STAGES:
        cells = "".join(f"{figures[how]['summary'][stage]['median']:>12.3f}"
                        f"{figures[how]['summary'][stage]['p95']:>12.3f}"
                        for how in ("api", "page"))
        print(f"{stage:<16}{cells}")
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
