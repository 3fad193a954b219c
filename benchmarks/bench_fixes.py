"""Fixes for every unmatched student (``matcher.analysis.fixes``): time, how the work
was done (warm re-solves, exact re-plans, changes the duals excluded), and, with
``--check``, every fix made on the tables as a change file and solved again with the
normal solve (``tests/analysis/whatif_check.py``): the student placed, exactly the
listed students changed, travel fixes minimal and within the cap.

    python benchmarks/bench_fixes.py                        # generated + flanders-2023
    python benchmarks/bench_fixes.py --check                # and check every fix (minutes)
    python benchmarks/bench_fixes.py --reference            # and re-plan every change cold
    python benchmarks/bench_fixes.py --scenarios scenarios/demo

Prints a table and writes benchmarks/results_fixes.json. Wall time and CPU time of
the process are both given: on a shared machine the wall time includes waiting.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

DEFAULT = ["scenarios/generated/ratio-0.8", "scenarios/generated/ratio-1.0",
           "scenarios/generated/ratio-1.5", "scenarios/generated/ratio-2.0",
           "scenarios/flanders-2023"]


def measure(folder: str, check: bool, reference: bool) -> dict[str, Any]:
    from matcher.analysis.fixes import FixFinder
    from matcher.io.document import read_inline
    from matcher.pipeline import SolveSettings, run_solve

    document, scenario = read_inline(ROOT / folder)
    run = run_solve(scenario, SolveSettings())
    wall, cpu = time.perf_counter(), time.process_time()
    report = FixFinder(run).find()
    row: dict[str, Any] = {
        "scenario": folder,
        "students": len(scenario.students),
        "unmatched": int((run.solution.workplace < 0).sum()),
        "fixed": sum(f.confirmed for f in report.fixes),
        "recruit": sum(not f.confirmed for f in report.fixes),
        "unfixed": len(report.unfixed),
        "seconds": round(time.perf_counter() - wall, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "warm_solves": report.solves,
        "replans": report.replans,
        "screened": report.screened,
        "stages": {k: round(v, 2) for k, v in report.timings.items()},
        "kinds": dict(Counter(f.change.kind for f in report.fixes)),
        "others_changed": sum(len(f.affected) > 1 for f in report.fixes),
    }
    if reference:
        started = time.perf_counter()
        cold = FixFinder(run, warm=False).find()
        row["reference_seconds"] = round(time.perf_counter() - started, 2)
        row["reference_equal"] = ([(f.student, f.change, f.affected) for f in report.fixes]
                                  == [(f.student, f.change, f.affected) for f in cold.fixes])
    if check:
        from tests.analysis.whatif_check import check_fix

        started = time.perf_counter()
        problems = [p for f in report.fixes if f.confirmed for p in check_fix(document, run, f)]
        row["checked"] = row["fixed"]
        row["check_problems"] = problems
        row["check_seconds"] = round(time.perf_counter() - started, 2)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", default=",".join(DEFAULT))
    parser.add_argument("--check", action="store_true", help="check every fix on the tables")
    parser.add_argument("--reference", action="store_true",
                        help="also re-plan every candidate change from scratch and compare")
    parser.add_argument("--out", default=str(HERE / "results_fixes.json"))
    args = parser.parse_args()
    rows = [measure(folder, args.check, args.reference) for folder in args.scenarios.split(",")]
    header = ("scenario", "unmatched", "fixed", "recruit", "unfixed", "seconds", "cpu_seconds",
              "warm_solves", "replans", "screened", "others_changed")
    extra = [h for h in ("reference_seconds", "reference_equal", "checked", "check_seconds")
             if any(h in r for r in rows)]
    print(" | ".join((*header, *extra)))
    for r in rows:
        print(" | ".join(str(r.get(h, "")) for h in (*header, *extra)))
        if r.get("check_problems"):
            print("  problems:", *r["check_problems"][:10], sep="\n    ")
    result = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                          "python": platform.python_version()},
              "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "rows": rows}
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
