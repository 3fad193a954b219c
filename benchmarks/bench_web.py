"""Web page benchmark: how long the consultant's and coach's pages take for a large plan.

    python benchmarks/bench_web.py                  # 20,000 students, 30,000 workplaces
    python benchmarks/bench_web.py --students 5000  # a quicker run

A real ``matcher serve`` (see bench_api.py) is logged into with a consultant's
key, as a browser would (session cookie); a generated scenario is uploaded and
solved, one placement is refused (a re-plan), then each page is asked for
--requests times. The first request for a plan, or for a comparison of two
plans, builds its arrays ("cold"); the rest are warm. Prints a table and writes
benchmarks/results_web.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from bench_api import HERE, Server, ensure_scenario, percentile

RESULTS = HERE / "results_web.json"


def log_in(server: Server) -> httpx.Client:
    client = httpx.Client(base_url=server.base, timeout=600)
    response = client.post("/ui/login", data={"api_key": server.headers["X-API-Key"]})
    if response.status_code != 303 and not client.cookies:
        raise SystemExit(f"login failed: {response.status_code}")
    return client


def timed(client: httpx.Client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    response = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed, len(response.content)


def refuse_one(server: Server, plan_id: int) -> tuple[int, float]:
    """Refuse the first placement that is not an existing one and wait for its re-plan
    job: (new plan id, seconds)."""
    plan = server.client.get(f"/plans/{plan_id}").json()["plan"]
    pair = next(a for a in plan["assignments"] if not a.get("pinned"))
    started = time.perf_counter()
    response = server.client.post(f"/plans/{plan_id}/refusals", json={
        "student_id": pair["student_id"], "workplace_id": pair["workplace_id"]})
    response.raise_for_status()
    job = server.wait([int(response.json()["id"])])[0]
    return int(job["plan_id"]), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    folder = ensure_scenario(args.students, 1.5, 1)
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        server = Server(Path(tmp))
        try:
            scenario_id, upload_s = server.upload(folder)
            job = server.wait([server.submit(scenario_id)])[0]
            plan_id = job["plan_id"]
            replan_id, replan_s = refuse_one(server, plan_id)
            client = log_in(server)
            compare = f"/ui/scenarios/{scenario_id}/compare?base={plan_id}&plan={replan_id}"
            cold_compare_ms, _ = timed(client, compare)
            pages = {
                "plan page": f"/ui/plans/{plan_id}",
                "table: unmatched by cost": f"/ui/plans/{plan_id}/table?status=unmatched"
                                            "&sort=cost&order=desc",
                "table: search": f"/ui/plans/{plan_id}/table?q=S00012",
                "map points": f"/ui/plans/{plan_id}/map.json",
                "coach view (one coach)": f"/ui/coach?plan={plan_id}",
                "plan as Excel": f"/ui/plans/{plan_id}/plan.xlsx",
                "re-plan page (banner)": f"/ui/plans/{replan_id}?status=changed",
                "compare two versions": compare,
                "compare: filtered table": f"/ui/scenarios/{scenario_id}/compare/table?"
                                           f"base={plan_id}&plan={replan_id}&change=moved",
            }
            cold_ms, _ = timed(client, pages["plan page"])
            rows: list[dict[str, Any]] = []
            for name, path in pages.items():
                times, size = [], 0
                for _ in range(args.requests):
                    elapsed, size = timed(client, path)
                    times.append(elapsed)
                rows.append({"page": name, "p50_ms": round(statistics.median(times), 1),
                             "p95_ms": round(percentile(times, 0.95), 1),
                             "kilobytes": round(size / 1024, 1)})
        finally:
            server.stop()
    detail = {"students": args.students, "workplaces": int(args.students * 1.5),
              "upload_s": round(upload_s, 2), "cold_plan_page_ms": round(cold_ms, 1),
              "refusal_replan_s": round(replan_s, 2),
              "cold_compare_ms": round(cold_compare_ms, 1),
              "requests": args.requests, "pages": rows,
              "machine": {"cpus": __import__("os").cpu_count(),
                          "python": platform.python_version()}}
    print(f"{args.students:,} students; first (cold) plan page {cold_ms:.0f} ms; refusal "
          f"with re-plan {replan_s:.1f} s; first (cold) comparison {cold_compare_ms:.0f} ms")
    print(f"{'page':<28}{'p50 ms':>10}{'p95 ms':>10}{'KB':>10}")
    for row in rows:
        print(f"{row['page']:<28}{row['p50_ms']:>10}{row['p95_ms']:>10}{row['kilobytes']:>10}")
    RESULTS.write_text(json.dumps(detail, indent=2) + "\n", encoding="utf-8")
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
