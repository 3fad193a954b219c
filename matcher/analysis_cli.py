"""Command line of the policy analysis: ``matcher sweep`` and ``matcher report``.

Registered on the main Typer app by ``register(app)`` (one line at the end of
``matcher/cli.py``), so the analysis stays out of the core commands' module.
Exit codes follow the core: 0 success, 2 invalid input, 1 internal error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from matcher.analysis import DEFAULT_RATIOS
from matcher.analysis.executors import EXECUTORS, Executor, ExecutorUnavailable
from matcher.pipeline import SolveRun
from models.config import Objective

out = Console()
err = Console(stderr=True)

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario folder (with scenario.yaml), "
                                             "a scenario document with inline tables, or "
                                             "one .xlsx workbook.")]


DEFAULT_RATIOS_TEXT = ",".join(f"{ratio:g}" for ratio in DEFAULT_RATIOS)


def parse_ratios(text: str) -> tuple[float, ...]:
    """``"0.6,0.8,1"`` → ``(0.6, 0.8, 1.0)``; a clear error for anything else."""
    try:
        ratios = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a comma-separated list of numbers") from None
    if not ratios or any(not r > 0 or r == float("inf") for r in ratios):
        raise typer.BadParameter("every ratio must be a positive number")
    return ratios


def sweep(
    scenario: ScenarioArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for sweep.csv, summary.json "
                                          "and plots/.")],
    ratios: Annotated[str, typer.Option(help="Seats per student, comma-separated.")] = (
        DEFAULT_RATIOS_TEXT),
    seeds: Annotated[int, typer.Option(help="Samples per ratio.")] = 10,
    first_seed: Annotated[int, typer.Option(help="First sample seed.")] = 0,
    executor: Annotated[str, typer.Option(
        help="local (process pool, default), serial, dask or ray.")] = "local",
    address: Annotated[str | None, typer.Option(
        help="Dask scheduler (tcp://host:8786) or Ray cluster address; default: start a "
             "local one.")] = None,
    workers: Annotated[int | None, typer.Option(
        help="Processes for the local pool or a local cluster; default: one per core.")] = None,
) -> None:
    """Placement per tier, sector, province and phase against the seats/students ratio."""
    from matcher import cli as core
    from matcher.analysis.sweep import SweepSettings, run_sweep
    from matcher.analysis.sweep_files import write_sweep

    ratio_values = parse_ratios(ratios)
    if executor not in EXECUTORS:
        err.print(f"--executor must be one of {', '.join(EXECUTORS)}, not {executor!r}")
        raise typer.Exit(2)
    if seeds < 1 or first_seed < 0 or (workers is not None and workers < 1):
        err.print("--seeds and --workers must be at least 1, --first-seed at least 0")
        raise typer.Exit(2)
    chosen: Executor = next(e for e in EXECUTORS if e == executor)
    settings = SweepSettings(ratios=ratio_values, seeds=seeds, first_seed=first_seed)
    with core._user_errors():
        loaded = core._load(scenario)
        runs = len(settings.runs())
        progress = Progress(TextColumn("[bold]Sweep[/]"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=err)
        try:
            with progress:
                task = progress.add_task("runs", total=runs)
                result = run_sweep(loaded, settings, executor=chosen, address=address,
                                   workers=workers,
                                   on_done=lambda i: progress.advance(task))
        except ExecutorUnavailable as exc:
            err.print(f"[bold red]{exc}[/]")
            raise typer.Exit(2) from None
        written = write_sweep(result, out_dir)
    _print_catch_up(result.rows)
    out.print(f"{runs} runs ({len(settings.ratios)} ratios × {seeds} seeds, both objectives) "
              f"in {result.wall_seconds:.1f} s on {executor}.")
    out.print("Written: " + ", ".join(str(p) for p in written))


def _print_catch_up(rows: pd.DataFrame) -> None:
    """Priority-1 against the others over all sectors, per ratio and objective."""
    from matcher.analysis.summary import catch_up

    for dimension, among in (("sector_tier", "all students"),
                             ("sector_tier_feasible", "students with an allowed workplace")):
        answers = catch_up(rows, dimension=dimension)
        table = Table(title=f"Placement rate, {among}")
        table.add_column("seats/student", justify="right")
        for objective in answers:
            table.add_column(f"{objective}: priority 1", justify="right")
            table.add_column("others", justify="right")
        first = next(iter(answers.values()))["all"]
        for i, ratio in enumerate(first["ratios"]):
            cells = []
            for objective in answers:
                mine = answers[objective]["all"]
                cells += [_pct(mine["priority_1_rate"][i]), _pct(mine["others_rate"][i])]
            table.add_row(f"{ratio:g}", *cells)
        out.print(table)
        for objective, by_sector in answers.items():
            ratio = by_sector["all"]["catch_up_ratio"]
            when = f"from {ratio:g} seats per student" if ratio is not None else (
                "at no swept ratio")
            out.print(f"{objective}, {among}: priority 1 placed as well as the others "
                      f"(within 1 point) {when}.")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def report(
    scenario: ScenarioArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for report.html, fixes.csv "
                                          "and recruitment.csv.")],
    objective: Annotated[str | None, typer.Option(
        help="priority-first or placements-first; default: the scenario's policy.")] = None,
    sweep_dir: Annotated[Path | None, typer.Option(
        "--sweep", help="Folder of a finished `matcher sweep` to include (its sweep.csv).")
    ] = None,
    recruit_limit: Annotated[int, typer.Option(
        help="Changes re-solved per kind for the recruitment list.")] = 25,
) -> None:
    """One self-contained HTML page: plan, placement per group, unmatched students with
    reasons and verified fixes, and the recruitment list."""
    from matcher import cli as core
    from matcher.analysis.report import gather, write_report
    from matcher.analysis.sweep_files import read_rows
    from matcher.pipeline import SolveSettings

    if objective not in (None, "priority-first", "placements-first"):
        err.print(f"--objective must be priority-first or placements-first, not {objective!r}")
        raise typer.Exit(2)
    if recruit_limit < 0:
        err.print("--recruit-limit must be at least 0")
        raise typer.Exit(2)
    if sweep_dir is not None and not (sweep_dir / "sweep.csv").is_file():
        err.print(f"{sweep_dir} holds no sweep.csv (run matcher sweep first)")
        raise typer.Exit(2)
    with core._user_errors():
        loaded = core._load(scenario)
        chosen: Objective | None = (
            None if objective is None
            else "placements-first" if objective == "placements-first" else "priority-first")
        run = core._run(loaded, SolveSettings(objective=chosen))
        rows = read_rows(sweep_dir / "sweep.csv") if sweep_dir is not None else None
        with err.status("Verifying fixes and valuing recruitment by re-solving"):
            data = gather(run, rows, recruit_limit)
        written = write_report(data, out_dir)
    out.print(f"{run.plan.summary.placed} of {len(loaded.students)} placed; "
              f"{len(data.fixes.fixes)} of {len(run.plan.unmatched)} unmatched fixed by one "
              f"change; {len(data.recruits)} additions with value.")
    out.print("Written: " + ", ".join(str(p) for p in written))


def print_fixes(run: SolveRun, student: int | None = None) -> None:
    """The cheapest verified fix per unmatched student (all, or just ``student``)."""
    from matcher.analysis.fixes import cheapest_fixes, fix_rows

    sc = run.scenario
    unmatched = run.solution.workplace < 0
    if student is not None and not unmatched[student]:
        out.print(f"{sc.students.ids[student]} is placed: no fix needed.")
        return
    count = 1 if student is not None else int(unmatched.sum())
    if not count:
        out.print("Every student is placed: no fix needed.")
        return
    with err.status(f"Re-solving to verify fixes for {count} unmatched student"
                    f"{'s' if count != 1 else ''}"):
        report = cheapest_fixes(run, None if student is None else [student])
    table = Table(title=f"Cheapest fix per unmatched student ({run.solution.objective}), each "
                  "verified by re-solving; most students placed by the same change first")
    for column in ("student", "priority", "fix", "places", "also places"):
        table.add_column(column)
    for row in fix_rows(sc, report):
        also = [str(x) for x in row["also_places"]]  # type: ignore[attr-defined]
        table.add_row(str(row["student_id"]), str(row["priority"]), str(row["fix"]),
                      str(row["places"]), ", ".join(also[:5]) + (" …" if len(also) > 5 else ""))
    out.print(table)
    out.print(f"{len(report.fixes)} of {count} fixed by one change; {report.solves} re-solves.")


def register(app: typer.Typer) -> None:
    """Add the analysis commands to the main app."""
    app.command(name="sweep")(sweep)
    app.command(name="report")(report)
