"""The policy analysis: ``matcher sweep``, ``matcher report`` and the verified fixes
that ``matcher explain --fixes`` prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from matcher.analysis import DEFAULT_RATIOS
from matcher.analysis.executors import EXECUTORS, Executor, ExecutorUnavailable
from matcher.cli.common import (
    CsvDialectOption,
    ObjectiveOption,
    ScenarioArg,
    WritingLangOption,
    chosen_dialect,
    current_lang,
    err,
    fail,
    load,
    objective_option,
    out,
    say,
    solve_run,
    tell,
    use_lang,
    user_errors,
)
from matcher.cli.recruit import MAX_BUDGET
from matcher.messages import Lang, Message, Percent, format_param
from matcher.pipeline import SolveRun, SolveSettings

DEFAULT_RATIOS_TEXT = ",".join(f"{ratio:g}" for ratio in DEFAULT_RATIOS)


def parse_ratios(text: str) -> tuple[float, ...]:
    """``"0.6,0.8,1"`` → ``(0.6, 0.8, 1.0)``; a clear error for anything else."""
    try:
        ratios = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise typer.BadParameter(say("cli.ratios_invalid", value=text)) from None
    if not ratios or any(not r > 0 or r == float("inf") for r in ratios):
        raise typer.BadParameter(say("cli.ratios_positive"))
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
    lang: WritingLangOption = None,
) -> None:
    """Placement per tier, sector, province and phase against the seats/students ratio."""
    from matcher.analysis.sweep import SweepSettings, run_sweep
    from matcher.analysis.sweep_files import write_sweep

    use_lang(lang)
    ratio_values = parse_ratios(ratios)
    if executor not in EXECUTORS:
        fail("cli.executor_invalid", choices=", ".join(EXECUTORS), value=executor)
    if seeds < 1 or first_seed < 0 or (workers is not None and workers < 1):
        fail("cli.sweep_counts_invalid")
    chosen: Executor = next(e for e in EXECUTORS if e == executor)
    settings = SweepSettings(ratios=ratio_values, seeds=seeds, first_seed=first_seed)
    with user_errors():
        loaded = load(scenario)
        runs = len(settings.runs())
        progress = Progress(TextColumn(f"[bold]{say('cli.sweep_progress')}[/]"),
                            BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err)
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
    out.print(say("cli.sweep_done", runs=runs, ratios=len(settings.ratios), seeds=seeds,
                  seconds=round(result.wall_seconds, 1), executor=executor))
    out.print(say("cli.written", files=", ".join(str(p) for p in written)))


def _print_catch_up(rows: pd.DataFrame) -> None:
    """Priority-1 against the others over all sectors, per ratio and objective."""
    from matcher.analysis.summary import catch_up

    lang = current_lang()
    for dimension, among in (("sector_tier", Message("cli.among_all")),
                             ("sector_tier_feasible", Message("cli.among_feasible"))):
        answers = catch_up(rows, dimension=dimension)
        table = Table(title=say("cli.rate_title", among=among))
        table.add_column(say("cli.seats_per_student"), justify="right")
        for objective in answers:
            named = Message(f"objective.{objective}")
            table.add_column(say("cli.priority_one_of", objective=named), justify="right")
            table.add_column(say("cli.others"), justify="right")
        first = next(iter(answers.values()))["all"]
        for i, ratio in enumerate(first["ratios"]):
            cells = []
            for objective in answers:
                mine = answers[objective]["all"]
                cells += [_pct(mine["priority_1_rate"][i], lang),
                          _pct(mine["others_rate"][i], lang)]
            table.add_row(format_param(float(ratio), lang), *cells)
        out.print(table)
        for objective, by_sector in answers.items():
            ratio = by_sector["all"]["catch_up_ratio"]
            named = Message(f"objective.{objective}")
            out.print(say("cli.catch_up_never", objective=named, among=among) if ratio is None
                      else say("cli.catch_up_from", objective=named, among=among,
                               ratio=float(ratio)))


def _pct(value: float | None, lang: Lang) -> str:
    return "–" if value is None else format_param(Percent(value), lang)


def report(
    scenario: ScenarioArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for report.html, fixes.csv "
                                          "and recruitment.csv.")],
    objective: ObjectiveOption = None,
    sweep_dir: Annotated[Path | None, typer.Option(
        "--sweep", help="Folder of a finished `matcher sweep` to include (its sweep.csv).")
    ] = None,
    recruit_limit: Annotated[int, typer.Option(
        help="Changes re-solved per kind for the recruitment list.")] = 25,
    recruit_budget: Annotated[int, typer.Option(
        help="The recruitment plan for budgets 1 to this many additions (0: none; "
             "see `matcher recruit`).")] = 3,
    lang: WritingLangOption = None,
    csv_dialect: CsvDialectOption = None,
) -> None:
    """One self-contained HTML page: plan, placement per group, unmatched students with
    reasons and verified fixes, and the recruitment list."""
    from matcher.analysis.report import gather, write_report
    from matcher.analysis.sweep_files import read_rows

    chosen_lang = use_lang(lang)
    dialect = chosen_dialect(csv_dialect)
    chosen = objective_option(objective)
    if recruit_limit < 0:
        fail("cli.recruit_limit_invalid")
    if not 0 <= recruit_budget <= MAX_BUDGET:
        fail("cli.report_budget_invalid", maximum=MAX_BUDGET)
    if sweep_dir is not None and not (sweep_dir / "sweep.csv").is_file():
        fail("cli.no_sweep", folder=str(sweep_dir))
    with user_errors():
        loaded = load(scenario)
        run = solve_run(loaded, SolveSettings(objective=chosen))
        rows = read_rows(sweep_dir / "sweep.csv") if sweep_dir is not None else None
        with err.status(say("cli.verifying")):
            data = gather(run, rows, recruit_limit, recruit_budget)
        written = write_report(data, out_dir, chosen_lang, dialect)
    out.print(say("cli.report_done", placed=run.plan.summary.placed,
                  students=len(loaded.students), fixed=len(data.fixes.fixes),
                  unmatched=len(run.plan.unmatched), additions=len(data.recruits)))
    out.print(say("cli.written", files=", ".join(str(p) for p in written)))


def print_fixes(run: SolveRun, student: int | None = None) -> None:
    """The cheapest verified fix per unmatched student (all, or just ``student``)."""
    from matcher.analysis.fixes import cheapest_fixes, fix_rows

    sc = run.scenario
    unmatched = run.solution.workplace < 0
    if student is not None and not unmatched[student]:
        out.print(say("cli.no_fix_needed", student=str(sc.students.ids[student])))
        return
    count = 1 if student is not None else int(unmatched.sum())
    if not count:
        out.print(say("cli.everyone_placed"))
        return
    with err.status(say("cli.verifying_fixes", count=count)):
        report = cheapest_fixes(run, None if student is None else [student])
    table = Table(title=say("cli.fixes_title",
                            objective=Message(f"objective.{run.solution.objective}")))
    others = ("also_places", "also_unplaces", "also_moves")
    for column in ("student", "priority", "fix", "places", *others):
        table.add_column(say(f"word.{column}"))
    for row in fix_rows(sc, report):
        fix = row["fix"]
        assert isinstance(fix, Message)
        table.add_row(str(row["student_id"]), str(row["priority"]), tell(fix),
                      str(row["places"]), *(_some(row[name]) for name in others))
    out.print(table)
    out.print(say("cli.fixes_done", fixed=len(report.fixes), count=count, solves=report.solves))


def _some(ids: object) -> str:
    """The first few ids of a list, then an ellipsis."""
    listed = [str(x) for x in ids] if isinstance(ids, list) else []
    return ", ".join(listed[:5]) + (" …" if len(listed) > 5 else "")


def print_fixes_json(run: SolveRun, student: int | None = None) -> None:
    """Every fix as JSON on stdout (``matcher.analysis.fixes.fix_json``), each
    message with its text in the chosen language next to its code."""
    from matcher.analysis.fixes import cheapest_fixes, fix_json

    unmatched = run.solution.workplace < 0
    wanted = None if student is None else [student] if unmatched[student] else []
    report = cheapest_fixes(run, wanted)
    data = fix_json(run.scenario, report)
    for fix, found in zip(data["fixes"], report.fixes, strict=True):
        fix["text"] = tell(found.change.describe(run.scenario))
    print(json.dumps(data, ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    app.command()(sweep)
    app.command()(report)
