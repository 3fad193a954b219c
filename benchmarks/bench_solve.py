"""End-to-end solve benchmark: imports, load, candidates, solve, explain, write; peak
memory of the main process and of all processes together; a bare OR-Tools min-cost
flow on the same arcs, and the lemon backend (LEMON's network simplex) with a warm
refusal re-solve, for comparison.

Columns: *flow s* and *lemon s* are each backend's solve alone (``solve_flow``,
``solve_lemon``, one process, the same problem); *L stage* is the solve stage run
again with ``--backend lemon`` as the CLI runs it (workers as the flow's), *×stage*
the flow's solve stage over it, *L total* the end to end time with it in place of
the flow's. On the big row the single-process flow and the warm engine are left
out (minutes); the lemon columns are not.

    python benchmarks/bench_solve.py                      # 1k, 5k, 20k, 100k; 6k × 30k
    python benchmarks/bench_solve.py --sizes 1000 --rows 6k   # a quicker run
    python benchmarks/bench_solve.py --sizes "" --rows "" --big   # 140k × 252k only
    python benchmarks/bench_solve.py --scenarios scenarios/flanders-2023,DIR
    python benchmarks/bench_solve.py --sizes "" --rows 6k --big --fresh   # + fresh CLI stages

Each scenario runs in its own fresh process: its imports are timed, and its peak
memory is its own. *peak MB* is that process's max RSS; *all MB* the largest sum
of the resident memory of that process and every process it started (the flow's
worker processes), sampled every 20 ms while the stages run. Scenarios are
generated once into benchmarks/.data/ and reused: the sizes with seed 1 and
workplaces = 1.5 × students, the named rows as ``ROWS`` says. The 140k × 252k
row (minutes, several GB) runs only with ``--big``, so CI never runs it. Prints
a table and writes benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"
STAGES = ("imports", "load", "candidates", "solve", "explain", "write")
# Named rows (issue 14): students, workplace ratio, generator seed.
ROWS = {"6k": (6000, 5.0, 7), "140k": (140_000, 1.8, 3)}
BIG_ROWS = ("140k",)
SAMPLE_SECONDS = 0.02


class PeakMemory:
    """The largest sum of resident memory over this process and all its descendants,
    sampled in a background thread while it runs (a forkserver's workers are not
    seen by ``ru_maxrss``, nor summed by ``RUSAGE_CHILDREN``)."""

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> int:
        import psutil

        total = self._me.memory_info().rss
        for child in self._me.children(recursive=True):
            with contextlib.suppress(psutil.Error):  # it ended between listing and reading
                total += child.memory_info().rss
        return int(total)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self._total())
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, self._total())


def bare_flow_seconds(problem: object) -> float:
    """OR-Tools SimpleMinCostFlow on exactly the solver's arcs as one network,
    without the split into independent components (only the solve is timed)."""
    import numpy as np

    from matcher.solve.flow import _network, solve_network
    from matcher.solve.problem import AssignmentProblem

    assert isinstance(problem, AssignmentProblem)
    network = _network(problem, np.arange(len(problem.arc_student)))
    started = time.perf_counter()
    solve_network(network)
    return time.perf_counter() - started


def lemon_seconds(scenario: object, candidates: object, solution: object,
                  warm: bool = True) -> dict[str, float]:
    """The lemon backend's solve alone (its networks, as ``solve_lemon`` builds
    them), and with ``warm`` a refusal re-plan in the warm engine: one placed
    student's pair closed, then the re-solve."""
    import numpy as np

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
    if not warm:
        return {"lemon_solve": solve_only}
    engine = WarmEngine.start(scenario, candidates, solution.objective, solution.workplace)
    engine.solve()
    student = np.flatnonzero(solution.candidate >= 0)[:1]
    workplace = solution.workplace[student]
    updated = with_exclusions(scenario, [(str(scenario.students.ids[student[0]]),
                                          str(scenario.workplaces.ids[workplace[0]]))])
    t = time.perf_counter()
    engine.exclude(updated, student, workplace)
    engine.solve()
    return {"lemon_solve": solve_only, "warm_refusal": time.perf_counter() - t}


def lemon_stage(scenario: object, candidates: object, seconds: dict[str, float]
                ) -> dict[str, float]:
    """The solve stage again with ``--backend lemon`` (as the CLI runs it), its CPU
    seconds, and the end to end time with it in place of the flow's solve stage
    (the other stages take the same time whichever exact backend solved)."""
    from matcher.candidates import Candidates
    from matcher.solve import solve
    from models.scenario import Scenario

    assert isinstance(scenario, Scenario) and isinstance(candidates, Candidates)
    cpu, t = time.process_time(), time.perf_counter()
    solve(scenario, candidates, backend="lemon", workers=os.cpu_count() or 1)
    stage, stage_cpu = time.perf_counter() - t, time.process_time() - cpu
    return {"lemon_stage": stage, "lemon_stage_cpu": stage_cpu,
            "lemon_end_to_end": sum(seconds.values()) - seconds["solve"] + stage}


def run_one(scenario_dir: Path, compare: bool) -> dict[str, object]:
    """Time every stage of one solve in this fresh process, as ``matcher solve`` runs
    them (its imports first), and measure peak memory; then, with ``compare``, the
    flow in one process and the lemon backend on the same problem."""
    seconds: dict[str, float] = {}
    with PeakMemory() as memory:
        t = time.perf_counter()
        from matcher.memory import no_huge_page_advice_for_numpy

        no_huge_page_advice_for_numpy()  # as the matcher command does, before NumPy loads
        import matcher.cli  # noqa: F401  (what `matcher solve` imports before it starts)
        from matcher.candidates import build_candidates
        from matcher.io import load_scenario
        from matcher.plan import build_plan, write_plan
        from matcher.solve import solve
        seconds["imports"] = time.perf_counter() - t
        t = time.perf_counter()
        scenario = load_scenario(scenario_dir)
        seconds["load"] = time.perf_counter() - t
        t = time.perf_counter()
        candidates = build_candidates(scenario)
        seconds["candidates"] = time.perf_counter() - t
        cpu, t = time.process_time(), time.perf_counter()
        solution = solve(scenario, candidates, workers=os.cpu_count() or 1)  # as the CLI does
        seconds["solve"] = time.perf_counter() - t
        solve_cpu = time.process_time() - cpu
        t = time.perf_counter()
        plan = build_plan(scenario, candidates, solution)
        seconds["explain"] = time.perf_counter() - t
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            write_plan(plan, Path(out), None, scenario)
            seconds["write"] = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    from matcher.solve.capacity import residual_capacity
    from matcher.solve.flow import solve_flow
    from matcher.solve.problem import build_problem

    problem = build_problem(scenario, candidates, residual_capacity(scenario), solution.objective)
    bare = bare_flow_seconds(problem)
    end_to_end = sum(seconds.values())
    row: dict[str, object] = {
        "scenario": scenario_dir.name,
        "students": len(scenario.students),
        "workplaces": len(scenario.workplaces),
        "arcs": len(problem.arc_student),
        "placed": plan.summary.placed,
        "seconds": seconds,
        "end_to_end": end_to_end,
        "bare_flow": bare,
        "end_to_end_vs_bare": end_to_end / bare if bare > 0 else None,
        "peak_mb": peak_mb,
        "all_processes_peak_mb": memory.peak_bytes / 2**20,
        # the main process's CPU only: a large flow solve runs in worker processes
        "solve_cpu": solve_cpu,
    }
    row |= lemon_stage(scenario, candidates, seconds)
    row["flow_vs_lemon_stage"] = seconds["solve"] / row["lemon_stage"]  # type: ignore[operator]
    if not compare:  # the big row: the lemon solve alone, no single-process flow (minutes)
        row |= lemon_seconds(scenario, candidates, solution, warm=False)
    if compare:
        t = time.perf_counter()
        solve_flow(problem)
        flow_only = time.perf_counter() - t
        lemon = lemon_seconds(scenario, candidates, solution)
        row |= {
            "flow_solve": flow_only,
            "flow_vs_bare": flow_only / bare if bare > 0 else None,
            "lemon_solve": lemon["lemon_solve"],
            "flow_vs_lemon": (flow_only / lemon["lemon_solve"] if lemon["lemon_solve"] > 0
                              else None),
            "warm_refusal": lemon["warm_refusal"],
        }
    return row


def fresh_stage_seconds(scenario_dir: Path, backend: str) -> float:
    """The solve stage as ``matcher solve --backend BACKEND`` reports it in plan.json,
    run in a fresh process of its own: no stage before it in the same process has
    left memory or caches warm for it (in ``run_one`` the lemon stage runs after
    the flow's)."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, "-m", "matcher", "solve", str(scenario_dir),
                        "--backend", backend, "--out", out], check=True,
                       stdout=subprocess.DEVNULL)
        plan = json.loads((Path(out) / "plan.json").read_text(encoding="utf-8"))
    return float(plan["solver"]["seconds"])


def ensure_scenario(students: int, ratio: float, seed: int) -> Path:
    target = DATA / f"s{students}-r{ratio}-seed{seed}"
    if not (target / "scenario.yaml").exists():
        subprocess.run([sys.executable, "-m", "matcher", "generate", "--students",
                        str(students), "--ratio", str(ratio), "--seed", str(seed),
                        "--out", str(target)], check=True, stdout=subprocess.DEVNULL)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000,100000",
                        help="Students per generated size (seed 1, --ratio); '' for none.")
    parser.add_argument("--rows", default="6k",
                        help=f"Named rows, comma-separated: {', '.join(ROWS)} "
                        "(140k only with --big); '' for none.")
    parser.add_argument("--big", action="store_true",
                        help="Also the 140k × 252k row (minutes, several GB).")
    parser.add_argument("--scenarios", default="",
                        help="Scenario folders instead of generated ones, comma-separated.")
    parser.add_argument("--ratio", type=float, default=1.5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true",
                        help="Also each backend's solve stage in a fresh `matcher solve` "
                        "process of its own (lemon first, then flow).")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--no-compare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child, compare=not args.no_compare)))
        return
    names = [n for n in args.rows.split(",") if n and (n not in BIG_ROWS or args.big)]
    if args.big:
        names += [n for n in BIG_ROWS if n not in names]
    runs: list[tuple[Path, bool]] = []
    if args.scenarios:
        runs = [(Path(f), True) for f in args.scenarios.split(",")]
    else:
        runs = [(ensure_scenario(int(s), args.ratio, args.seed), True)
                for s in args.sizes.split(",") if s]
        # the big row: no single-process flow nor warm engine after it (minutes more)
        runs += [(ensure_scenario(*ROWS[n]), n not in BIG_ROWS) for n in names]
    rows = []
    for scenario_dir, compare in runs:
        done = subprocess.run([sys.executable, __file__, "--child", str(scenario_dir),
                               *([] if compare else ["--no-compare"])],
                              check=True, capture_output=True, text=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print_table(rows[-1:], header=len(rows) == 1)
        if args.fresh:
            fresh = {backend: fresh_stage_seconds(scenario_dir, backend)
                     for backend in ("lemon", "flow")}
            rows[-1]["fresh_stage"] = fresh
            print(f"{'':>9} fresh processes: flow stage {fresh['flow']:.2f} s, lemon stage "
                  f"{fresh['lemon']:.2f} s, × {fresh['flow'] / fresh['lemon']:.2f}")
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
              + f" {'total s':>8} {'bare s':>7} {'×bare':>6} {'flow s':>7} {'lemon s':>7}"
              f" {'L stage':>7} {'×stage':>6} {'L total':>7}"
              f" {'warm ms':>7} {'peak MB':>8} {'all MB':>8}")

    def optional(row: dict[str, object], key: str, width: int, scale: float = 1.0) -> str:
        value = row.get(key)
        return f"{'–':>{width}}" if value is None else f"{scale * float(value):>{width}.2f}"  # type: ignore[arg-type]

    for r in rows:
        sec = r["seconds"]
        assert isinstance(sec, dict)
        print(f"{r['students']:>9} {r['workplaces']:>8} {r['arcs']:>10} "
              + " ".join(f"{sec[s]:>10.2f}" for s in STAGES)
              + f" {r['end_to_end']:>8.2f} {r['bare_flow']:>7.2f}"
              + f" {optional(r, 'end_to_end_vs_bare', 6)} {optional(r, 'flow_solve', 7)}"
              + f" {optional(r, 'lemon_solve', 7)} {optional(r, 'lemon_stage', 7)}"
              + f" {optional(r, 'flow_vs_lemon_stage', 6)} {optional(r, 'lemon_end_to_end', 7)}"
              + f" {optional(r, 'warm_refusal', 7, 1000)}"
              + f" {r['peak_mb']:>8.0f} {r['all_processes_peak_mb']:>8.0f}")


if __name__ == "__main__":
    main()
