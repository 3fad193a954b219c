"""The ``matcher`` command as a whole: every command's help, and each command loading
only what it needs (a mistake in a scenario is reported without loading a solver)."""

from __future__ import annotations

import ast
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.help_texts import SNAPSHOT, help_texts

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DEMO = SCENARIOS / "demo"


def test_every_help_is_as_written_down() -> None:
    assert help_texts() == SNAPSHOT.read_text(encoding="utf-8"), (
        "a command's --help changed; if on purpose: python -m tests.cli.help_texts")


# Run the command in a fresh interpreter and print, at exit, its exit code and which of
# the given modules it imported.
RUN_AND_LIST_IMPORTS = """
import sys
from matcher.cli import app
code = 0
try:
    app(sys.argv[2:])
except SystemExit as done:
    code = done.code
heavy = tuple(sys.argv[1].split(","))
print(code, sorted(m for m in sys.modules if m == heavy or m.startswith(heavy)))
"""
SERVICE_AND_PLOTS = ("matplotlib", "fastapi", "sqlalchemy", "uvicorn")
SOLVERS = ("ortools", "scipy", "matcher.solve", "matcher.candidates", "matcher.pipeline")


def _imports(args: list[str], watched: tuple[str, ...]) -> tuple[int, list[str], str]:
    """The exit code, the watched modules imported, and what was printed on stderr."""
    done = subprocess.run([sys.executable, "-c", RUN_AND_LIST_IMPORTS, ",".join(watched),
                           *args], capture_output=True, text=True, check=True)
    code, modules = done.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(code), ast.literal_eval(modules), done.stderr


def test_solve_imports_no_cpsat_plotting_or_service_stack(tmp_path: Path) -> None:
    code, modules, _ = _imports(["solve", str(DEMO), "--out", str(tmp_path / "out")],
                                ("ortools.sat", *SERVICE_AND_PLOTS))
    assert (code, modules) == (0, [])
    assert (tmp_path / "out" / "plan.json").exists()


@pytest.fixture()
def bad_workplaces(tmp_path: Path) -> Path:
    """The demo with a word that is no yes/no value in every workplace's
    offers_contract, and a date that is no date in one workplace's recognised_until."""
    scenario = tmp_path / "bad"
    shutil.copytree(DEMO, scenario)
    path = scenario / "workplaces.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    contract = rows[0].index("offers_contract")
    until = rows[0].index("recognised_until")
    for row in rows[1:]:
        row[contract] = "soms"
    rows[3][until] = "binnenkort"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return scenario


def test_validate_reports_every_bad_cell_without_loading_a_solver(bad_workplaces: Path
                                                                  ) -> None:
    code, modules, printed = _imports(["validate", str(bad_workplaces)],
                                      (*SOLVERS, "openpyxl", *SERVICE_AND_PLOTS))
    assert (code, modules) == (2, [])
    workplaces = sum(1 for _ in (bad_workplaces / "workplaces.csv").open()) - 1
    lines = printed.splitlines()
    assert lines[0] == f"The scenario has {workplaces + 1} problems; nothing was written."
    assert "  workplaces.csv row 2, column offers_contract: 'soms' is not a yes/no value " \
        "(true/false, yes/no, 1/0, ja/nee)" in lines
    assert sum("column offers_contract" in line for line in lines) == workplaces
    assert [line for line in lines if "recognised_until" in line] == [
        "  workplaces.csv row 4, column recognised_until: 'binnenkort' is not a date "
        "YYYY-MM-DD"]


def test_validate_of_a_good_scenario_loads_no_solver() -> None:
    code, modules, _ = _imports(["validate", str(DEMO)], (*SOLVERS, "openpyxl"))
    assert (code, modules) == (0, [])


@pytest.mark.parametrize(("chosen", "expected"), [(None, "0"), ("1", "1")])
def test_the_command_asks_numpy_for_no_huge_page_advice_unless_the_user_chose(
    chosen: str | None, expected: str
) -> None:
    """Set before NumPy is imported (it reads the switch once); a user's own
    NUMPY_MADVISE_HUGEPAGE is left as it is."""
    probe = ("import os, sys; from matcher.cli import app; "
             "print('numpy' in sys.modules, os.environ['NUMPY_MADVISE_HUGEPAGE'])")
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    if chosen is not None:
        env["NUMPY_MADVISE_HUGEPAGE"] = chosen
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, check=True)
    assert done.stdout.split() == ["False", expected]
