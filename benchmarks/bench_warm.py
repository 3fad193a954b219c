"""Warm engine benchmark: refusal re-plans on a solved plan, in the engine and
through the service and its web page, against a cold re-solve.

    python benchmarks/bench_warm.py                          # scenarios/flanders-2023
    python benchmarks/bench_warm.py --scenario DIR --refusals 10 --no-service
    python benchmarks/bench_warm.py --no-service --no-analyses   # the engine only
    python benchmarks/bench_warm.py --versions-only   # what-if versions, warm vs cold

Engine: the plan is solved, a warm engine started on it (staying close to it, as
a re-plan does), then each refusal closes one placed pair and re-solves warm
(*re-solve*: the change and the exact optimum, mentors named) and builds the plan
with its explanations (*plan*). For comparison, a cold re-plan of the same
changed scenario (pairs found again, flow backend). Added pairs: a recognition
tried at a workplace whose pairs the network does not hold (a new network, cold)
and again (the arcs held, warm), and with the pairs built in closed from the
start (``spare``). Service: ``matcher serve`` (bench_api.Server), the plan solved
with the default backend, then refusals posted as the web page's form does, each
timed until its re-plan job is done, and until the new plan's page has loaded.
Analyses (CPU seconds of this process, warm against cold in the same run): the
analysis job's solve again of a stored plan (in the engine a re-plan left, or
``run_solve`` with the plan kept), the recruitment list's re-solves
(``Resolver`` warm or cold), and the recruitment plan for budgets 1…3 (its
greedy screening and sets of additions re-solved warm or cold; CP-SAT's share,
limited to the report's 5 s per stage, given apart). What-if versions (CPU seconds
and wall, median of ``--repeats``): a version made by one change set (a seat where
the base plan is full; a recognition a workplace lacks) solved as the service's
version job does, cold (``run_solve`` keeping the base plan) and warm (a copy of the
engine a plain solve of the base leaves, ``matcher.whatif.warm``), both up to the
plan with its explanations, the same level values checked; then a refusal on the
version's plan re-planned in the version's engine.
Prints a table and writes benchmarks/results_warm.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results_warm.json"


def engine_figures(folder: Path, refusals: int) -> dict[str, Any]:
    from matcher.analysis.changes import Change, apply_change
    from matcher.candidates import build_candidates
    from matcher.io import load_scenario
    from matcher.plan import build_plan
    from matcher.replan import with_exclusions
    from matcher.rules import Pairs
    from matcher.solve import solve
    from matcher.solve.warm import WarmEngine

    scenario = load_scenario(folder)
    candidates = build_candidates(scenario)
    objective = scenario.config.policy.objective
    solution = solve(scenario, candidates, backend="lemon")
    started = time.perf_counter()
    engine = WarmEngine.start(scenario, candidates, objective, solution.workplace)
    engine.solve()
    start_s = time.perf_counter() - started
    resolve_ms: list[float] = []
    plan_ms: list[float] = []
    cold_s = 0.0
    current = engine.solve()
    for i in range(refusals):
        free = np.ones(len(scenario.students), dtype=bool)
        free[scenario.pinned.student] = False
        student = int(np.flatnonzero((current.workplace >= 0) & free)[i])
        workplace = int(current.workplace[student])
        updated = with_exclusions(engine.scenario, [(str(scenario.students.ids[student]),
                                                     str(scenario.workplaces.ids[workplace]))])
        engine.stay_close_to(current.workplace)
        started = time.perf_counter()
        engine.exclude(updated, np.asarray([student]), np.asarray([workplace]))
        last = engine.solve()
        resolve_ms.append(1000 * (time.perf_counter() - started))
        started = time.perf_counter()
        build_plan(updated, engine.candidates, last)
        plan_ms.append(1000 * (time.perf_counter() - started))
        if i == 0:
            started = time.perf_counter()
            solve(updated, build_candidates(updated), keep=current.workplace)
            cold_s = time.perf_counter() - started
        current = last

    # a recognition: the first workplace of a programme's sector that lacks it
    n_programmes = len(scenario.programmes.codes)
    held = set(scenario.workplaces.recognised.tolist())
    workplace = next(w for w in range(len(scenario.workplaces))
                     if w * n_programmes not in held)
    change = Change("recognition", workplace=workplace, programme=0)
    changed = apply_change(scenario, change)

    def tried(engine: WarmEngine) -> float:
        started = time.perf_counter()
        with engine.trial():
            engine.reevaluate(changed, workplaces=np.asarray([workplace]))
            engine.solve()
        return 1000 * (time.perf_counter() - started)

    engine = WarmEngine.start(scenario, candidates, objective, solution.workplace)
    engine.solve()
    added_new_ms, added_again_ms = tried(engine), tried(engine)
    spare = Pairs.of_workplace(scenario, workplace)
    started = time.perf_counter()
    spared = WarmEngine.start(scenario, candidates, objective, solution.workplace, spare)
    spared.solve()
    spare_start_s = time.perf_counter() - started
    added_spare_ms = tried(spared)
    return {
        "scenario": str(folder), "students": len(scenario.students),
        "workplaces": len(scenario.workplaces), "pairs": len(candidates),
        "engine_arcs": engine.arcs, "engine_start_s": start_s,
        "refusal_resolve_ms": resolve_ms, "refusal_plan_ms": plan_ms,
        "refusal_resolve_median_ms": statistics.median(resolve_ms),
        "refusal_resolve_max_ms": max(resolve_ms),
        "refusal_with_plan_median_ms": statistics.median(
            r + p for r, p in zip(resolve_ms, plan_ms, strict=True)),
        "cold_replan_s": cold_s,
        "added_pairs_new_network_ms": added_new_ms, "added_pairs_held_ms": added_again_ms,
        "added_pairs_spare_ms": added_spare_ms, "spare_engine_start_s": spare_start_s,
    }


def version_figures(folder: Path, repeats: int) -> dict[str, Any]:
    from matcher.io.document import read_inline
    from matcher.pipeline import SolveSettings, run_solve
    from matcher.replan import previous_workplaces, replan_after_refusals
    from matcher.solve.capacity import residual_capacity
    from matcher.solve.problem import build_problem
    from matcher.solve.warm import WarmEngine
    from matcher.whatif.apply import changed_scenario
    from matcher.whatif.changes import parse_change_set
    from matcher.whatif.warm import warm_version_run

    document, scenario = read_inline(folder)
    settings = SolveSettings()
    objective = scenario.config.policy.objective
    base = run_solve(scenario, settings)
    full = base.plan.assignments[0].workplace_id
    n_programmes = len(scenario.programmes.codes)
    held = set(scenario.workplaces.recognised.tolist())
    lacking = next(w for w in range(len(scenario.workplaces)) if w * n_programmes not in held)
    change_sets = {
        "seats": [{"kind": "seats", "workplace": full, "add": 1}],
        "recognition": [{"kind": "add_recognition",
                         "workplace": str(scenario.workplaces.ids[lacking]),
                         "programme": str(scenario.programmes.codes[0])}]}

    def levels(run: Any, keep: Any) -> list[int]:
        problem = build_problem(run.scenario, run.candidates, residual_capacity(run.scenario),
                                objective, keep)
        chosen = problem.free[problem.arc_student] & (
            run.solution.workplace[problem.arc_student] == problem.arc_workplace)
        return problem.level_values(chosen)

    versions = {}
    for name, changes in change_sets.items():
        change_set = parse_change_set({"changes": changes})
        version = changed_scenario(document, change_set).scenario
        versions[name] = (change_set, version, previous_workplaces(version, base.plan))

    def warm_solve(engine: WarmEngine, name: str, seconds: dict[str, list[float]]) -> Any:
        change_set, version, keep = versions[name]
        wall, cpu = time.perf_counter(), time.process_time()
        made = warm_version_run(engine, version, change_set, keep)
        seconds["cpu"].append(time.process_time() - cpu)
        seconds["wall"].append(time.perf_counter() - wall)
        if made is None:
            raise SystemExit(f"the {name} change was not solved warm")
        return made

    figures: dict[str, Any] = {"version_load_average_start": os.getloadavg()[0]}
    for name in versions:
        other = next(n for n in versions if n != name)
        _, version, keep = versions[name]
        timed: dict[str, dict[str, list[float]]] = {
            way: {"cpu": [], "wall": []} for way in ("cold", "first", "next")}
        for _ in range(repeats):
            wall, cpu = time.perf_counter(), time.process_time()
            cold = run_solve(version, settings, keep=keep)
            timed["cold"]["cpu"].append(time.process_time() - cpu)
            timed["cold"]["wall"].append(time.perf_counter() - wall)
            # first: in the engine a plain solve of the base leaves (its pairs, no network)
            engine = WarmEngine.start(scenario, base.candidates, objective, build=False)
            warm, copied = warm_solve(engine, name, timed["first"])
            # next: the base's engine after another what-if (its network solved: warm)
            engine = WarmEngine.start(scenario, base.candidates, objective, build=False)
            warm_solve(engine, other, {"cpu": [], "wall": []})
            warm, copied = warm_solve(engine, name, timed["next"])
            if levels(warm, keep) != levels(cold, keep):
                raise SystemExit(f"the {name} version's warm optimum differs from the cold")
        pair = next(a for a in warm.plan.assignments if not a.pinned)
        wall, cpu = time.perf_counter(), time.process_time()
        replan_after_refusals(version, warm.plan, [(pair.student_id, pair.workplace_id)],
                              SolveSettings(backend="lemon"), copied)
        for way, seconds in timed.items():
            figures[f"version_{name}_{way}_cpu_s"] = statistics.median(seconds["cpu"])
            figures[f"version_{name}_{way}_wall_s"] = statistics.median(seconds["wall"])
        figures[f"version_{name}_first_refusal_cpu_s"] = time.process_time() - cpu
        figures[f"version_{name}_first_refusal_wall_s"] = time.perf_counter() - wall
    figures["version_load_average_end"] = os.getloadavg()[0]
    return figures


def analysis_figures(folder: Path) -> dict[str, Any]:
    import matcher.analysis.recruit as recruit
    from matcher.analysis.changes import Resolver
    from matcher.analysis.marginal import recruitment_list
    from matcher.analysis.report import REPORT_STAGE_TIME_S
    from matcher.io import load_scenario
    from matcher.pipeline import SolveSettings, run_solve
    from matcher.replan import warm_run

    scenario = load_scenario(folder)
    settings = SolveSettings()
    run = run_solve(scenario, settings)
    keep = run.solution.workplace
    figures: dict[str, Any] = {}
    started = time.process_time()
    run_solve(scenario, settings, keep=keep)
    figures["analysis_solve_again_cold_cpu_s"] = time.process_time() - started
    lemon = SolveSettings(backend="lemon")
    _, engine = warm_run(scenario, scenario, lemon, keep, None)  # as a re-plan leaves it
    started = time.process_time()
    warm_run(scenario, scenario, lemon, keep, engine)
    figures["analysis_solve_again_warm_cpu_s"] = time.process_time() - started

    def resolver(warm: bool) -> Resolver:
        return Resolver(scenario, run.candidates, run.solution, run.solution.objective,
                        warm=warm)

    for name, warm in (("cold", False), ("warm", True)):
        started = time.process_time()
        recruitment_list(run, resolver=resolver(warm))
        figures[f"marginal_{name}_cpu_s"] = time.process_time() - started
    cpsat = [0.0]
    stages = recruit._solve_stages

    def timed(*args: Any, **kwargs: Any) -> Any:
        begun = time.process_time()
        try:
            return stages(*args, **kwargs)
        finally:
            cpsat[0] += time.process_time() - begun

    recruit._solve_stages = timed  # type: ignore[assignment]
    try:
        for name, warm in (("cold", False), ("warm", True)):
            cpsat[0] = 0.0
            started = time.process_time()
            recruit.recruitment_curve(run, 3, stage_time_s=REPORT_STAGE_TIME_S,
                                      resolver=resolver(warm))
            figures[f"recruit_budget3_{name}_cpu_s"] = time.process_time() - started
            figures[f"recruit_budget3_{name}_cpsat_cpu_s"] = cpsat[0]
    finally:
        recruit._solve_stages = stages  # type: ignore[assignment]
    return figures


def service_figures(folder: Path, refusals: int) -> dict[str, Any]:
    import httpx
    from bench_api import Server

    with tempfile.TemporaryDirectory() as work:
        server = Server(Path(work))
        try:
            scenario_id, _ = server.upload(folder)
            job = server.wait([server.submit(scenario_id)])[0]
            plan_id = int(job["plan_id"])
            page = httpx.Client(base_url=server.base, timeout=600)
            page.post("/ui/login", data={"api_key": server.headers["X-API-Key"]})
            found = re.search(r'name="csrf_token" value="([^"]+)"',
                              page.get(f"/ui/plans/{plan_id}").text)
            if found is None:
                raise SystemExit("no CSRF token on the plan page")
            token = found.group(1)
            done_ms: list[float] = []
            page_ms: list[float] = []
            for _ in range(refusals):
                plan = server.client.get(f"/plans/{plan_id}").json()["plan"]
                pair = next(a for a in plan["assignments"] if not a.get("pinned"))
                started = time.perf_counter()
                posted = page.post(f"/ui/plans/{plan_id}/refusals", data={
                    "student_id": pair["student_id"], "workplace_id": pair["workplace_id"],
                    "csrf_token": token}, follow_redirects=False)
                job_id = int(posted.headers.get("location", posted.headers.get(
                    "hx-redirect", "")).rstrip("/").rsplit("/", 1)[-1])
                plan_id = int(server.wait([job_id])[0]["plan_id"])
                done_ms.append(1000 * (time.perf_counter() - started))
                page.get(f"/ui/plans/{plan_id}").raise_for_status()
                page_ms.append(1000 * (time.perf_counter() - started))
        finally:
            server.stop()
    return {"page_refusal_job_ms": done_ms, "page_refusal_with_page_ms": page_ms,
            "page_refusal_first_ms": done_ms[0],
            "page_refusal_warm_median_ms": statistics.median(done_ms[1:] or done_ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "flanders-2023")
    parser.add_argument("--refusals", type=int, default=10)
    parser.add_argument("--no-service", action="store_true")
    parser.add_argument("--no-analyses", action="store_true")
    parser.add_argument("--versions-only", action="store_true",
                        help="only the what-if versions' figures, updated in --out")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.versions_only:
        result = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
        figures = version_figures(args.scenario, args.repeats)
        result.update(figures)
        _print(figures)
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"\nwritten {args.out}")
        return
    result = engine_figures(args.scenario, args.refusals)
    result.update(version_figures(args.scenario, args.repeats))
    if not args.no_analyses:
        result.update(analysis_figures(args.scenario))
    if not args.no_service:
        result.update(service_figures(args.scenario, max(args.refusals // 2, 2)))
    result["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    _print(result)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten {args.out}")


def _print(result: dict[str, Any]) -> None:
    print(f"{'figure':<44} {'value':>10}")
    for key, value in result.items():
        if isinstance(value, float):
            print(f"{key:<44} {value:>10.3f}")
        elif isinstance(value, int):
            print(f"{key:<44} {value:>10}")


if __name__ == "__main__":
    main()
