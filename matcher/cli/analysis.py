"""The policy analysis: ``matcher sweep``, ``matcher report`` and the verified fixes
that ``matcher explain --fixes`` prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from matcher.analysis import DEFAULT_RATIOS
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
from matcher.messages import Message

if TYPE_CHECKING:  # the analysis and the engine load when a command runs
    import pandas as pd

    from matcher.pipeline import SolveRun

DEFAULT_RATIOS_TEXT = ",".join(f"{ratio:g}" for ratio in DEFAULT_RATIOS)


AS_IN_SCENARIO = "scenario"  # an axis value: leave this axis as in the scenario


def parse_axis(text: str, option: str, whole: bool = False, at_most: float | None = None
               ) -> tuple[float | None, ...]:
    """``"0.6,0.8,scenario"`` → ``(0.6, 0.8, None)``; a clear error for anything else
    (values must be positive, or at least 0 for whole numbers, and at most ``at_most``)."""
    values: list[float | None] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part.lower() == AS_IN_SCENARIO:
            values.append(None)
            continue
        try:
            number = float(part)
        except ValueError:
            raise typer.BadParameter(say("cli.axis_invalid", option=option, value=part)
                                     ) from None
        low_ok = number >= 0 if whole else number > 0
        if (not low_ok or number == float("inf") or (whole and number != int(number))
                or (at_most is not None and number > at_most)):
            raise typer.BadParameter(say("cli.axis_invalid", option=option, value=part))
        values.append(number)
    if not values:
        raise typer.BadParameter(say("cli.axis_invalid", option=option, value=text))
    return tuple(values)


def parse_ratios(text: str) -> tuple[float | None, ...]:
    """``"0.6,0.8,1"`` → ``(0.6, 0.8, 1.0)``; ``scenario`` keeps every workplace."""
    return parse_axis(text, "--ratios")


AXIS_HELP = f"Comma-separated; '{AS_IN_SCENARIO}' leaves the axis as in the scenario. "


def sweep(
    scenario: ScenarioArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for sweep.csv, summary.json "
                                          "and plots/.")],
    ratios: Annotated[str, typer.Option(
        help="Workplaces (or, with --per seats, seats) per student. " + AXIS_HELP)] = (
        DEFAULT_RATIOS_TEXT),
    per: Annotated[str, typer.Option(
        help="What --ratios count: workplaces (the Vlor advice's measure) or seats.")] = (
        "workplaces"),
    adapted_shares: Annotated[str, typer.Option(
        help="Share (0-1) of workplaces offering each reasonable adjustment; more "
             "workplaces start offering it, none stops. " + AXIS_HELP)] = AS_IN_SCENARIO,
    travel_limits: Annotated[str, typer.Option(
        help="Travel limit in minutes for every student. " + AXIS_HELP)] = AS_IN_SCENARIO,
    seeds: Annotated[int, typer.Option(help="Samples per point.")] = 10,
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
    """Placement per priority, phase, school type, province and sector, with 95 %
    intervals over seeds, against workplaces (or seats) per student, the share of
    adapted workplaces and the travel limit, each alone or crossed."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from matcher.analysis.executors import EXECUTORS, Executor, ExecutorUnavailable
    from matcher.analysis.sample import CAPACITIES
    from matcher.analysis.sweep import SweepSettings, run_sweep
    from matcher.analysis.sweep_files import write_sweep

    chosen_lang = use_lang(lang)
    ratio_values = parse_ratios(ratios)
    shares = parse_axis(adapted_shares, "--adapted-shares", whole=False, at_most=1.0)
    limits = parse_axis(travel_limits, "--travel-limits", whole=True)
    capacity = next((c for c in CAPACITIES if c == per), None)
    if capacity is None:
        fail("cli.per_invalid", value=per, choices=", ".join(CAPACITIES))
    if executor not in EXECUTORS:
        fail("cli.executor_invalid", choices=", ".join(EXECUTORS), value=executor)
    if seeds < 1 or first_seed < 0 or (workers is not None and workers < 1):
        fail("cli.sweep_counts_invalid")
    chosen: Executor = next(e for e in EXECUTORS if e == executor)
    settings = SweepSettings(
        ratios=ratio_values, seeds=seeds, first_seed=first_seed, capacity=capacity,
        adapted_shares=shares,
        travel_limits=tuple(None if t is None else int(t) for t in limits))
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
        written = write_sweep(result, out_dir, chosen_lang)
    _print_verdicts(result.rows)
    out.print(say("cli.sweep_points_done", runs=runs, points=runs // seeds, seeds=seeds,
                  seconds=round(result.wall_seconds, 1), executor=executor))
    out.print(say("cli.written", files=", ".join(str(p) for p in written)))


def _print_verdicts(rows: pd.DataFrame) -> None:
    """Priority-1 against the others per swept point, per objective, over all students
    and over those with an allowed workplace, with intervals and group sizes."""
    from matcher.analysis.report import verdict_table

    lang = current_lang()
    for among in ("all", "feasible"):
        for objective in sorted(rows["objective"].unique(), reverse=True):
            head, body, sentences = verdict_table(rows, str(objective), among, lang)
            table = Table(title=say("report.verdict_title",
                                    objective=Message(f"objective.{objective}"),
                                    among=Message(f"cli.among_{among}")))
            for i, heading in enumerate(head):
                table.add_column(heading, justify="left" if i == len(head) - 1 else "right")
            for cells in body:
                table.add_row(*cells)
            out.print(table)
            for sentence in sentences:
                out.print(sentence, markup=False, highlight=False)
    seeds = int(rows["seed"].nunique())
    out.print(say("report.interval_note", seeds=seeds), markup=False, highlight=False)


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
    lang: Annotated[str | None, typer.Option(
        "--lang", envvar="MATCHER_LANG", help="Language of what is printed and written: nl "
        "or en (default nl for the report; or set MATCHER_LANG).")] = None,
    csv_dialect: CsvDialectOption = None,
) -> None:
    """One self-contained HTML page: plan, placement per group, unmatched students with
    reasons and verified fixes, and the recruitment list."""
    from matcher.analysis.report import REPORT_LANG, gather, write_report
    from matcher.analysis.sweep_files import SweepFileError, read_rows
    from matcher.pipeline import SolveSettings

    chosen_lang = use_lang(lang or REPORT_LANG)
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
        try:
            rows = read_rows(sweep_dir / "sweep.csv") if sweep_dir is not None else None
        except SweepFileError as exc:
            fail("cli.sweep_outdated", file=str(exc.path), columns=", ".join(exc.missing))
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
