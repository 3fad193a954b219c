"""End-to-end solve benchmark: load, candidates, solve, explain, write; peak memory;
a bare OR-Tools min-cost flow on the same arcs, and the lemon backend (LEMON's
network simplex) with a warm refusal re-solve, for comparison.

    python benchmarks/bench_solve.py                      # 1k, 5k, 20k, 100k students
    python benchmarks/bench_solve.py --sizes 1000,5000    # a quicker run
    python benchmarks/bench_solve.py --scenarios scenarios/flanders-2023,DIR

Each size runs in its own process, so its peak memory (max RSS) is its own.
Scenarios are generated once (seed 1, workplaces = 1.5 × students) into
benchmarks/.data/ and reused. Prints a table and writes benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
STAGES = ("load", "candidates", "solve", "explain", "write")


def bare_flow_seconds(problem: object) -> float:
    """OR-Tools SimpleMinCostFlow on exactly the solver's arcs as one network,
    without the split into independent components (only the solve is timed)."""
    from matcher.solve.flow import _network, solve_network
    from matcher.solve.problem import AssignmentProblem

    assert isinstance(problem, AssignmentProblem)
    network = _network(problem, np.arange(len(problem.arc_student)))
    started = time.perf_counter()
    solve_network(network)
    return time.perf_counter() - started


def lemon_seconds(scenario: object, candidates: object, solution: object) -> dict[str, float]:
    """The lemon backend's solve alone (one network), and a refusal re-plan in the
    warm engine: one placed student's pair closed, then the re-solve."""
    from matcher.candidates import Candidates
    from matcher.replan import with_exclusions
    from matcher.solve import Solution
    from matcher.solve.capacity import residual_capacity
    from matcher.solve.lemon import solve_lemon
    from matcher.solve.problem import build_problem
    from matcher.solve.warm import WarmEngine
    from models.scenario import Scenario

    assert isinstance(scenario, Scenario) and isinstance(candidates, Candidates)
    assert isinstance(solution, Solution)
    problem = build_problem(scenario, candidates, residual_capacity(scenario), solution.objective)
    t = time.perf_counter()
    solve_lemon(problem)
    solve_only = time.perf_counter() - t
    warm = WarmEngine.start(scenario, candidates, solution.objective, solution.workplace)
    warm.solve()
    student = np.flatnonzero(solution.candidate >= 0)[:1]
    workplace = solution.workplace[student]
    updated = with_exclusions(scenario, [(str(scenario.students.ids[student[0]]),
                                          str(scenario.workplaces.ids[workplace[0]]))])
    t = time.perf_counter()
    warm.exclude(updated, student, workplace)
    warm.solve()
    return {"lemon_solve": solve_only, "warm_refusal": time.perf_counter() - t}


def run_one(scenario_dir: Path) -> dict[str, object]:
    """Time every stage of one solve (in this process) and measure peak memory."""
    from matcher.candidates import build_candidates
    from matcher.io import load_scenario
    from matcher.plan import build_plan, write_plan
    from matcher.solve import solve
    from matcher.solve.capacity import residual_capacity
    from matcher.solve.flow import solve_flow
    from matcher.solve.problem import build_problem

    seconds: dict[str, float] = {}
    t = time.perf_counter()
    scenario = load_scenario(scenario_dir)
    seconds["load"] = time.perf_counter() - t
    t = time.perf_counter()
    candidates = build_candidates(scenario)
    seconds["candidates"] = time.perf_counter() - t
    t = time.perf_counter()
    solution = solve(scenario, candidates, workers=os.cpu_count() or 1)  # as the CLI does
    seconds["solve"] = time.perf_counter() - t
    t = time.perf_counter()
    plan = build_plan(scenario, candidates, solution)
    seconds["explain"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        write_plan(plan, Path(out))
        seconds["write"] = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    problem = build_problem(scenario, candidates, residual_capacity(scenario), solution.objective)
    t = time.perf_counter()
    solve_flow(problem)
    flow_only = time.perf_counter() - t
    bare = bare_flow_seconds(problem)
    lemon = lemon_seconds(scenario, candidates, solution)
    return {
        "students": len(scenario.students),
        "workplaces": len(scenario.workplaces),
        "arcs": len(problem.arc_student),
        "placed": plan.summary.placed,
        "seconds": seconds,
        "end_to_end": sum(seconds.values()),
        "flow_solve": flow_only,
        "bare_flow": bare,
        "flow_vs_bare": flow_only / bare if bare > 0 else None,
        "lemon_solve": lemon["lemon_solve"],
        "flow_vs_lemon": flow_only / lemon["lemon_solve"] if lemon["lemon_solve"] > 0 else None,
        "warm_refusal": lemon["warm_refusal"],
        "peak_mb": peak_mb,
    }


def ensure_scenario(students: int, ratio: float, seed: int) -> Path:
    target = DATA / f"s{students}-r{ratio}-seed{seed}"
    if not (target / "scenario.yaml").exists():
        subprocess.run([sys.executable, "-m", "matcher.cli", "generate", "--students",
                        str(students), "--ratio", str(ratio), "--seed", str(seed),
                        "--out", str(target)], check=True, stdout=subprocess.DEVNULL)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000,100000")
    parser.add_argument("--scenarios", default="",
                        help="Scenario folders instead of generated sizes, comma-separated.")
    parser.add_argument("--ratio", type=float, default=1.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child)))
        return
    rows = []
    folders = ([Path(f) for f in args.scenarios.split(",")] if args.scenarios else
               [ensure_scenario(int(s), args.ratio, args.seed) for s in args.sizes.split(",")])
    for scenario_dir in folders:
        done = subprocess.run([sys.executable, __file__, "--child", str(scenario_dir)],
                              check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print_table(rows[-1:], header=len(rows) == 1)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "ratio": None if args.scenarios else args.ratio,
        "seed": None if args.scenarios else args.seed,
        "runs": rows,
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten {args.out}")


def print_table(rows: list[dict[str, object]], header: bool) -> None:
    if header:
        print(f"{'students':>9} {'workpl.':>8} {'arcs':>10} "
              + " ".join(f"{s:>10}" for s in STAGES)
              + f" {'total s':>8} {'flow s':>7} {'bare s':>7} {'ratio':>6} {'lemon s':>7}"
              f" {'flow/lemon':>10} {'warm ms':>7} {'peak MB':>8}")
    for r in rows:
        sec = r["seconds"]
        assert isinstance(sec, dict)
        print(f"{r['students']:>9} {r['workplaces']:>8} {r['arcs']:>10} "
              + " ".join(f"{sec[s]:>10.2f}" for s in STAGES)
              + f" {r['end_to_end']:>8.2f} {r['flow_solve']:>7.2f} {r['bare_flow']:>7.2f}"
              f" {r['flow_vs_bare']:>6.2f} {r['lemon_solve']:>7.2f} {r['flow_vs_lemon']:>10.1f}"
              f" {1000 * float(r['warm_refusal']):>7.1f} {r['peak_mb']:>8.0f}")


if __name__ == "__main__":
    main()
