"""``matcher validate`` and ``matcher solve``: from a scenario to a checked plan."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from matcher.cli.common import (
    CsvDialectOption,
    LangOption,
    ObjectiveOption,
    ScenarioArg,
    chosen_dialect,
    current_lang,
    fail,
    load,
    number,
    objective_option,
    out,
    say,
    solve_run,
    use_lang,
    user_errors,
)
from matcher.messages import Message
from matcher.pipeline import SolveRun, SolveSettings
from matcher.plan import write_plan
from matcher.solve import BACKENDS


def validate(scenario: ScenarioArg, lang: LangOption = None) -> None:
    """Check a scenario and list every problem with file, row and column."""
    use_lang(lang)
    with user_errors():
        loaded = load(scenario)
    out.print("[green]OK[/] " + say("cli.validated", name=loaded.name,
                                    students=len(loaded.students),
                                    workplaces=len(loaded.workplaces),
                                    mentors=len(loaded.mentors), pinned=len(loaded.pinned)))


def solve(
    scenario: ScenarioArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for plan.json and CSVs.")],
    backend: Annotated[str, typer.Option(
        help="flow (exact, default), lemon (exact, network simplex) or cpsat.")] = "flow",
    objective: ObjectiveOption = None,
    time_limit: Annotated[float, typer.Option(help="Seconds for the cpsat backend.")] = 60.0,
    export_candidates: Annotated[bool, typer.Option(
        help="Also write candidates.csv with every allowed pair and its cost.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed (cpsat).")] = 0,
    workers: Annotated[int, typer.Option(
        help="Processes for independent parts of a very large problem.")] = os.cpu_count() or 1,
    lang: LangOption = None,
    csv_dialect: CsvDialectOption = None,
) -> None:
    """Find the best placement plan and write plan.json, assignments.csv, unmatched.csv
    and conflicts.csv."""
    use_lang(lang)
    dialect = chosen_dialect(csv_dialect)
    if backend not in BACKENDS:
        fail("cli.backend_invalid", choices=", ".join(BACKENDS), value=backend)
    chosen_objective = objective_option(objective)
    if time_limit <= 0:
        fail("cli.time_limit_invalid")
    with user_errors():
        loaded = load(scenario)
        chosen_backend = next(b for b in BACKENDS if b == backend)
        run = solve_run(loaded, SolveSettings(chosen_backend, chosen_objective, time_limit, seed,
                                              workers=max(1, workers)))
        written = write_plan(run.plan, out_dir, run.candidates if export_candidates else None,
                             loaded, current_lang(), dialect)
    _print_summary(run)
    out.print(say("cli.written", files=", ".join(str(p) for p in written)))


def _print_summary(run: SolveRun) -> None:
    plan = run.plan
    table = Table(title=say("cli.summary_title", scenario=plan.scenario,
                            placed=plan.summary.placed, students=plan.summary.students,
                            status=Message(f"status.{plan.solver.status}"),
                            objective=Message(f"objective.{plan.solver.objective}")))
    table.add_column(say("word.priority"), justify="right")
    table.add_column(say("word.students"), justify="right")
    table.add_column(say("word.placed"), justify="right")
    for level, count in plan.summary.students_by_priority.items():
        table.add_row(level, number(count),
                      number(plan.summary.placed_by_priority.get(level, 0)))
    out.print(table)
    reasons: dict[str, int] = {}
    for u in plan.unmatched:
        reasons[u.reason] = reasons.get(u.reason, 0) + 1
    if reasons:
        out.print(say("cli.unmatched", counts=[
            Message("cli.reason_count", count=n, reason=Message(f"reason.{r}"))
            for r, n in sorted(reasons.items())]))
    if plan.conflicts:
        out.print(f"[yellow]{say('cli.conflicts', count=len(plan.conflicts))}[/]")
    if plan.capacity_conflicts:
        out.print(f"[yellow]{say('cli.capacity_conflicts', count=len(plan.capacity_conflicts))}"
                  "[/]")


def register(app: typer.Typer) -> None:
    app.command()(validate)
    app.command()(solve)
