"""Loading a scenario: as shipped, as Belgian Excel saves it, and with one bad column;
and the error path as a user meets it, ``matcher validate`` in a fresh process.

    python benchmarks/bench_load.py                       # scenarios/flanders-2023
    python benchmarks/bench_load.py --scenario scenarios/demo --repeat 5

The Excel twin has ';' between cells, decimal commas, Windows-1252 and CRLF; the
bad column is every student's intensive_support set to a word that is no yes/no
value (one problem per row: the error path must stay linear in bad cells). Each
case is loaded ``--repeat`` times in this process; the best time is shown.

The command rows run ``matcher validate`` (imports, load, every problem printed,
exit 2) on every workplace's offers_contract set to a word that is no yes/no value,
and on one such cell: issue 14's target is ≤ 1 s on flanders-2023. They show the
best wall time and the best CPU time (user + system) of ``--repeat`` runs: on a
shared machine the CPU time is the steadier figure. Prints a table and writes
benchmarks/results_load.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the tests package holds the Excel twin writer

from matcher.io import ScenarioError, load_scenario  # noqa: E402
from tests.io.excel_files import excel_twin  # noqa: E402


def with_bad_booleans(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    path = target / "students.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("intensive_support") if "intensive_support" in rows[0] else None
    if column is None:
        rows[0].append("intensive_support")
        column = len(rows[0]) - 1
        for row in rows[1:]:
            row.append("")
    for row in rows[1:]:
        row[column] = "soms"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return target


def with_bad_workplace_booleans(source: Path, target: Path, rows: int | None = None
                                ) -> Path:
    """Every workplace's offers_contract a word that is no yes/no value (or only that
    of the workplace on data row ``rows``)."""
    shutil.copytree(source, target)
    path = target / "workplaces.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    column = table[0].index("offers_contract")
    for number, row in enumerate(table[1:], start=1):
        if rows is None or number == rows:
            row[column] = "soms"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(table)
    return target


def command_seconds(args: list[str], repeat: int) -> tuple[float, float, int]:
    """Best wall and best CPU seconds (user + system) of ``repeat`` runs of the
    ``matcher`` command in a fresh process, and its exit code."""
    matcher = [sys.executable, "-c", "from matcher.cli import app; app()"]
    best_wall = best_cpu = float("inf")
    code = 0
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        code = subprocess.run([*matcher, *args], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=os.environ | {"MATCHER_LANG": "en"}
                              ).returncode
        best_wall = min(best_wall, time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best_cpu = min(best_cpu, after.ru_utime - before.ru_utime
                       + after.ru_stime - before.ru_stime)
    return best_wall, best_cpu, code


def best_seconds(folder: Path, repeat: int) -> tuple[float, int]:
    """Best wall time of ``repeat`` loads, and the number of problems reported."""
    best, problems = float("inf"), 0
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            load_scenario(folder)
            problems = 0
        except ScenarioError as error:
            problems = len(error.problems)
        best = min(best, time.perf_counter() - started)
    return best, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=HERE.parent / "scenarios" /
                        "flanders-2023")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results_load.json")
    args = parser.parse_args()
    cases: list[tuple[str, Callable[[Path, Path], Path]]] = [
        ("as shipped (',' UTF-8)", lambda source, target: source),
        ("Belgian Excel (';' Windows-1252)",
         lambda source, target: excel_twin(source, target, delimiter=";", encoding="cp1252")),
        ("one bad boolean column", with_bad_booleans),
    ]
    rows = []
    commands = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        for number, (name, prepare) in enumerate(cases):
            folder = prepare(args.scenario, Path(tmp) / str(number))
            seconds, problems = best_seconds(folder, args.repeat)
            rows.append({"case": name, "seconds": round(seconds, 3), "problems": problems})
        bad_cells: list[tuple[str, Path]] = [
            ("`matcher validate`, one bad boolean column (workplaces)",
             with_bad_workplace_booleans(args.scenario, Path(tmp) / "column")),
            ("`matcher validate`, one bad cell",
             with_bad_workplace_booleans(args.scenario, Path(tmp) / "cell", rows=4321)),
        ]
        for name, folder in bad_cells:
            wall, cpu, code = command_seconds(["validate", str(folder)], args.repeat)
            commands.append({"case": name, "wall_seconds": round(wall, 3),
                             "cpu_seconds": round(cpu, 3), "exit_code": code})
    load = os.getloadavg()[0]
    print(f"Loading {args.scenario.name} (best of {args.repeat}; load average {load:.1f})")
    print("| case | seconds | problems |")
    print("|---|---|---|")
    for row in rows:
        print(f"| {row['case']} | {row['seconds']} | {row['problems']} |")
    print()
    print("| command | wall s | CPU s | exit code |")
    print("|---|---:|---:|---:|")
    for row in commands:
        print(f"| {row['case']} | {row['wall_seconds']} | {row['cpu_seconds']} | "
              f"{row['exit_code']} |")
    args.out.write_text(json.dumps({"scenario": args.scenario.name, "python":
                                    platform.python_version(), "load_average": round(load, 1),
                                    "rows": rows, "commands": commands}, indent=2) + "\n")


if __name__ == "__main__":
    main()
