"""Loading a scenario: as shipped, as Belgian Excel saves it, and with one bad column.

    python benchmarks/bench_load.py                       # scenarios/flanders-2023
    python benchmarks/bench_load.py --scenario scenarios/demo --repeat 5

The Excel twin has ';' between cells, decimal commas, Windows-1252 and CRLF; the
bad column is every student's intensive_support set to a word that is no yes/no
value (one problem per row: the error path must stay linear in bad cells, target
≤ 1 s on flanders-2023). Each case is loaded ``--repeat`` times in this process;
the best time is shown. Prints a table and writes benchmarks/results_load.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import shutil
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
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        for number, (name, prepare) in enumerate(cases):
            folder = prepare(args.scenario, Path(tmp) / str(number))
            seconds, problems = best_seconds(folder, args.repeat)
            rows.append({"case": name, "seconds": round(seconds, 3), "problems": problems})
    print(f"Loading {args.scenario.name} (best of {args.repeat})")
    print("| case | seconds | problems |")
    print("|---|---|---|")
    for row in rows:
        print(f"| {row['case']} | {row['seconds']} | {row['problems']} |")
    args.out.write_text(json.dumps({"scenario": args.scenario.name, "python":
                                    platform.python_version(), "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
