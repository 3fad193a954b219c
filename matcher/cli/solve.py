"""``matcher validate`` and ``matcher solve``: from a scenario to a checked plan."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import yaml
from rich.table import Table

from matcher.cli.common import (
    CsvDialectOption,
    LangOption,
    ObjectiveOption,
    ScenarioArg,
    chosen_dialect,
    current_lang,
    err,
    fail,
    load,
    number,
    objective_option,
    out,
    read_plan,
    say,
    solve_run,
    use_lang,
    user_errors,
)
from matcher.csv_dialects import CsvDialect
from matcher.messages import Message

if TYPE_CHECKING:  # the engine loads when a command runs, only what that command needs
    from matcher.pipeline import SolveRun, SolveSettings

# What `solve --changes --out OUT` writes beside the plan.
VERSION_FOLDER = "scenario"  # the changed scenario, for a plain `matcher solve OUT/scenario`
DIFF_FILE = "diff.json"  # the comparison with the base plan (as `matcher diff --json`)


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
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Folder for plan.json and CSVs (needed without --changes).")] = None,
    changes: Annotated[Path | None, typer.Option(
        help="A change file (changes.yaml): solve the scenario with these changes and "
             "compare the plan with the base plan. With --out, the changed scenario is "
             "saved in OUT/scenario and the comparison in OUT/diff.json.")] = None,
    base: Annotated[Path | None, typer.Option(
        help="With --changes: the plan.json to compare with (default: a solve of the "
             "unchanged scenario).")] = None,
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
    and conflicts.csv; with --changes, try a what-if and compare it with the base plan."""
    from matcher.pipeline import SolveSettings
    from matcher.plan import write_plan
    from matcher.solve import BACKENDS

    use_lang(lang)
    dialect = chosen_dialect(csv_dialect)
    if backend not in BACKENDS:
        fail("cli.backend_invalid", choices=", ".join(BACKENDS), value=backend)
    chosen_objective = objective_option(objective)
    if time_limit <= 0:
        fail("cli.time_limit_invalid")
    if base is not None and changes is None:
        fail("cli.base_without_changes")
    chosen_backend = next(b for b in BACKENDS if b == backend)
    settings = SolveSettings(chosen_backend, chosen_objective, time_limit, seed,
                             workers=max(1, workers))
    if changes is not None:
        _solve_changed(scenario, changes, base, out_dir, settings, export_candidates, dialect)
        return
    if out_dir is None:
        fail("cli.out_required")
    with user_errors():
        loaded = load(scenario)
        run = solve_run(loaded, settings)
        written = write_plan(run.plan, out_dir, run.candidates if export_candidates else None,
                             loaded, current_lang(), dialect)
    _print_summary(run)
    out.print(say("cli.written", files=", ".join(str(p) for p in written)))


def _solve_changed(scenario: Path, changes: Path, base: Path | None, out_dir: Path | None,
                   settings: SolveSettings, export_candidates: bool,
                   dialect: CsvDialect) -> None:
    """Solve the scenario with a change file made, compare with the base plan, and
    write nothing unless every step succeeded.

    Solved cold, not from a warm engine (``matcher.whatif.warm``): with ``--base`` an
    engine of the base would first need the base's pair search, as costly as the
    version's own; without it the base's solve could seed one (one search saved), but
    the version is then solved by the backend asked for, as a one-shot run expects."""
    from matcher.cli.diff import print_diff
    from matcher.io.document import read_inline, write_folder
    from matcher.plan import write_plan
    from matcher.whatif.apply import changed_scenario
    from matcher.whatif.changes import CHANGES_FILE, read_change_set
    from matcher.whatif.compare import solve_version

    with user_errors():
        change_set = read_change_set(changes)
        with err.status(say("cli.reading", path=str(scenario))):
            document, loaded = read_inline(scenario)
        version = changed_scenario(document, change_set, label=changes.name,
                                   source=str(scenario))
    base_plan = read_plan(base) if base is not None else None
    with user_errors():
        if base_plan is None:
            base_plan = solve_run(loaded, settings).plan
        with err.status(say("stage.solving")) as status:
            what = solve_version(version.scenario, base_plan, settings,
                                 on_stage=lambda stage: status.update(say(stage)))
        written: list[Path] = []
        if out_dir is not None:
            written = write_plan(what.run.plan, out_dir,
                                 what.run.candidates if export_candidates else None,
                                 version.scenario, current_lang(), dialect)
            folder = write_folder(version.document, out_dir / VERSION_FOLDER)
            (out_dir / CHANGES_FILE).write_text(
                yaml.safe_dump(change_set.to_document(), allow_unicode=True, sort_keys=False),
                encoding="utf-8")
            (out_dir / DIFF_FILE).write_text(
                json.dumps(what.diff.as_json(), ensure_ascii=False, indent=2), encoding="utf-8")
            written += [folder, out_dir / CHANGES_FILE, out_dir / DIFF_FILE]
    _print_summary(what.run)
    out.print(say("cli.compared_with", base=str(base) if base is not None
                  else say("cli.unchanged_scenario")))
    print_diff(what.diff)
    if written:
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
