"""Command line: ``matcher validate | solve | explain | diff | generate | serve | users``.

Exit codes: 0 success, 2 invalid input (every problem listed on stderr, no
output written), 1 an internal error.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import numpy as np
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from matcher.diff import InconsistentPlan, Place, PlanDiff, plan_diff, student_priorities
from matcher.exports import CSV_DIALECT_HELP, CSV_DIALECTS, CsvDialect, default_dialect
from matcher.io import ScenarioError, load_scenario
from matcher.messages import (
    DEFAULT_LANG,
    Lang,
    Message,
    Param,
    format_param,
    parse_lang,
    render,
)
from matcher.pipeline import STAGE_CODES, SolveRun, SolveSettings, run_solve
from matcher.plan import write_plan
from matcher.rules import rule_label
from matcher.solve import BACKENDS
from models.config import Objective
from models.plan import Plan
from models.scenario import Scenario

if TYPE_CHECKING:  # the service's modules load only for the commands that use them
    from sqlalchemy.orm import Session

    from api.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Leerwerkplek matcher: place dual-learning students at recognised workplaces.",
)
# soft_wrap: long lines stay whole when the output is a file or a pipe
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

LangOption = Annotated[str | None, typer.Option(
    "--lang", envvar="MATCHER_LANG", help="Language of what is printed: nl or en (default en; "
    "or set MATCHER_LANG).")]
CsvDialectOption = Annotated[str | None, typer.Option("--csv-dialect", help=CSV_DIALECT_HELP)]
# The language chosen by the running command's --lang (one command per process).
_lang: list[Lang] = [DEFAULT_LANG]


def use_lang(value: str | None) -> Lang:
    """Set the language of everything this command prints; exit 2 on an unknown one."""
    lang = parse_lang(value) if value else DEFAULT_LANG
    if lang is None:
        err.print(render(Message("cli.lang_invalid", value=str(value)), DEFAULT_LANG),
                  markup=False, highlight=False)
        raise typer.Exit(2)
    _lang[0] = lang
    return lang


def chosen_dialect(value: str | None) -> CsvDialect:
    """The --csv-dialect, or the language's own; exit 2 on an unknown one."""
    if value is None:
        return default_dialect(_lang[0])
    dialect = next((d for d in CSV_DIALECTS if d == value.strip().lower()), None)
    if dialect is None:
        fail("cli.csv_dialect_invalid", value=value, choices=", ".join(CSV_DIALECTS))
    return dialect


def current_lang() -> Lang:
    return _lang[0]


def say(code: str, /, **params: Param) -> str:
    """A catalogue message in the command's language, escaped for rich output."""
    return escape(render(Message(code, **params), _lang[0]))


def number(value: int) -> str:
    return format_param(value, _lang[0])


def tell(message: Message) -> str:
    return escape(render(message, _lang[0]))


def fail(code: str, /, **params: Param) -> NoReturn:
    """A mistake in the command line: its message on stderr, exit 2."""
    err.print(say(code, **params), highlight=False)
    raise typer.Exit(2)


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario folder (with scenario.yaml), "
                                             "a scenario document with inline tables, or "
                                             "one .xlsx workbook (see `matcher workbook`).")]


def _fail_input(problems: list[str]) -> NoReturn:
    err.print(f"[bold red]{say('cli.problems', count=len(problems))}[/]")
    for problem in problems:
        err.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def _user_errors() -> Iterator[None]:
    """Turn mistakes in the input into exit 2 and anything else into exit 1, no traceback."""
    try:
        yield
    except ScenarioError as exc:
        _fail_input([p.render(current_lang()) for p in exc.problems])
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except OSError as exc:
        err.print(f"[bold red]{say('cli.file_error', error=str(exc))}[/]")
        raise typer.Exit(2) from None
    except Exception as exc:
        err.print(f"[bold red]{say('cli.internal_error', kind=type(exc).__name__, error=str(exc))}"
                  "[/]")
        raise typer.Exit(1) from None


def _objective_option(value: str | None) -> Objective | None:
    """--objective as given (None: the scenario's policy); exit 2 on anything else."""
    if value is None:
        return None
    if value == "placements-first":
        return "placements-first"
    if value == "priority-first":
        return "priority-first"
    fail("cli.objective_invalid", value=value)


def _load(path: Path) -> Scenario:
    with err.status(say("cli.reading", path=str(path))):
        scenario = load_scenario(path)
    for warning in scenario.warnings:
        err.print(f"[yellow]{say('cli.warning', warning=warning)}[/]", highlight=False)
    return scenario


def _run(scenario: Scenario, settings: SolveSettings) -> SolveRun:
    with err.status(say("stage.solving")) as status:
        return run_solve(scenario, settings,
                         on_stage=lambda stage: status.update(say(STAGE_CODES[stage])))


@app.command()
def validate(scenario: ScenarioArg, lang: LangOption = None) -> None:
    """Check a scenario and list every problem with file, row and column."""
    use_lang(lang)
    with _user_errors():
        loaded = _load(scenario)
    out.print("[green]OK[/] " + say("cli.validated", name=loaded.name,
                                    students=len(loaded.students),
                                    workplaces=len(loaded.workplaces),
                                    mentors=len(loaded.mentors), pinned=len(loaded.pinned)))


@app.command(name="solve")
def solve_command(
    scenario: ScenarioArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for plan.json and CSVs.")],
    backend: Annotated[str, typer.Option(
        help="flow (exact, default), lemon (exact, network simplex) or cpsat.")] = "flow",
    objective: Annotated[str | None, typer.Option(
        help="priority-first or placements-first; default: the scenario's policy.")] = None,
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
    chosen_objective = _objective_option(objective)
    if time_limit <= 0:
        fail("cli.time_limit_invalid")
    with _user_errors():
        loaded = _load(scenario)
        chosen_backend = next(b for b in BACKENDS if b == backend)
        run = _run(loaded, SolveSettings(chosen_backend, chosen_objective, time_limit, seed,
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


@app.command()
def explain(
    scenario: ScenarioArg,
    student: Annotated[str | None, typer.Option(
        help="student_id to explain (optional with --fixes).")] = None,
    objective: Annotated[str | None, typer.Option(
        help="priority-first or placements-first; default: the scenario's policy.")] = None,
    alternatives: Annotated[int, typer.Option(help="How many other workplaces to show.")] = 5,
    fixes: Annotated[bool, typer.Option(
        "--fixes", help="Also find the cheapest verified fix per unmatched student "
        "(of the whole scenario, or of --student).")] = False,
    lang: LangOption = None,
) -> None:
    """Explain one student's place in the optimal plan, or why they have none."""
    use_lang(lang)
    if student is None and not fixes:
        fail("cli.student_required")
    chosen = _objective_option(objective)
    with _user_errors():
        loaded = _load(scenario)
        matches = np.flatnonzero(loaded.students.ids == student)
        if student is not None and not len(matches):
            fail("cli.student_unknown", student=str(student), scenario=str(scenario))
        run = _run(loaded, SolveSettings(objective=chosen))
        if fixes:
            from matcher.analysis_cli import print_fixes
            if student is not None:
                _print_student(run, int(matches[0]), alternatives)
            print_fixes(run, None if student is None else int(matches[0]))
            return
    _print_student(run, int(matches[0]), alternatives)


def _print_student(run: SolveRun, student: int, alternatives: int) -> None:
    sc, plan = run.scenario, run.plan
    student_id = str(sc.students.ids[student])
    assignment = next((a for a in plan.assignments if a.student_id == student_id), None)
    if assignment is not None:
        b = assignment.breakdown
        out.print(say("cli.placed_pinned" if assignment.pinned else "cli.placed",
                      student=student_id, workplace=assignment.workplace_id,
                      mentor=str(assignment.mentor_id), cost=assignment.cost, wish=b.wish,
                      competence=b.competence, travel=b.travel))
        for conflict in plan.conflicts:
            if conflict.student_id == student_id:
                out.print("[yellow]" + say("cli.conflict_rules", rules=[
                    rule_label(rule) for rule in conflict.rules]) + "[/]")
        for over in plan.capacity_conflicts:
            if over.student_id == student_id:
                out.print("[yellow]" + say("cli.capacity_limits", limits=[
                    Message(f"limit.{limit}") for limit in over.limits]) + "[/]")
    else:
        u = next(u for u in plan.unmatched if u.student_id == student_id)
        out.print(say("cli.not_placed", student=student_id,
                      reason=Message(f"reason.{u.reason}"), detail=u.message()))
        table = Table(title=say("cli.rejected_title"))
        table.add_column(say("word.rule"))
        table.add_column(say("word.meaning"))
        table.add_column(say("word.workplaces"), justify="right")
        for rule, count in u.rules.items():
            table.add_row(rule, tell(rule_label(rule)), str(count))
        out.print(table)
    mine = np.flatnonzero(run.candidates.student == student)
    if not len(mine):
        return
    total = run.candidates.costs.total[mine]
    order = mine[np.argsort(total, kind="stable")][:alternatives]
    table = Table(title=say("cli.alternatives_title"))
    for column in ("workplace", "employer", "cost", "wish", "competence", "travel", "placed_here"):
        table.add_column(say(f"word.{column}"))
    placed_at = run.solution.workplace
    for i in order:
        w = int(run.candidates.workplace[i])
        parts = run.candidates.costs.breakdown(int(i))
        table.add_row(str(sc.workplaces.ids[w]), str(sc.workplaces.employer[w]),
                      str(sum(parts.values())), str(parts["wish"]), str(parts["competence"]),
                      str(parts["travel"]), str(int((placed_at == w).sum())))
    out.print(table)


def _read_plan(path: Path) -> Plan:
    """plan.json (or a folder holding one); exit 2 naming the file and field on a mistake."""
    file = path / "plan.json" if path.is_dir() else path
    try:
        return Plan.model_validate_json(file.read_bytes())
    except OSError as exc:
        err.print(say("cli.plan_unreadable", file=str(file), error=str(exc.strerror or exc)),
                  highlight=False)
    except ValidationError as exc:
        err.print(say("cli.not_a_plan", file=str(file)), highlight=False)
        for error in exc.errors()[:10]:
            where = ".".join(str(part) for part in error["loc"]) or say("cli.whole_file")
            err.print(f"  {where}: {error['msg']}", markup=False, highlight=False)
    raise typer.Exit(2)


@app.command()
def diff(
    old: Annotated[Path, typer.Argument(help="The old plan.json (or the folder holding it).")],
    new: Annotated[Path, typer.Argument(help="The new plan.json (or the folder holding it).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the difference as JSON.")
                       ] = False,
    scenario: Annotated[Path | None, typer.Option(
        help="The scenario of the plans, for counts per priority (plan.json does not hold "
             "a student's priority).")] = None,
    lang: LangOption = None,
) -> None:
    """Compare two plans: per student gained, lost, moved (other workplace or mentor)."""
    use_lang(lang)
    before, after = _read_plan(old), _read_plan(new)
    if before.scenario != after.scenario:  # allowed (scenario versions), but say so
        err.print("[yellow]" + say("cli.warning", warning=Message(
            "cli.other_scenarios", old=before.scenario, new=after.scenario)) + "[/]",
            highlight=False)
    priorities = None
    if scenario is not None:
        with _user_errors():
            priorities = student_priorities(_load(scenario))
    try:
        difference = plan_diff(before, after, priorities)
    except InconsistentPlan as exc:
        err.print(f"{old if exc.side == 'before' else new}: {tell(exc.message)}",
                  highlight=False)
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(difference.as_json(), ensure_ascii=False, indent=2))
        return
    _print_diff(difference)


def _print_diff(difference: PlanDiff) -> None:
    changes = difference.changes
    placed_before, placed_after = difference.placed()
    students = len(difference.students)
    if changes:
        out.print(say("cli.diff_summary", students=students, before=placed_before,
                      after=placed_after, counts=[
                          Message("cli.change_count", count=n, change=Message(f"change.{kind}"))
                          for kind, n in difference.counts().items()
                          if n and kind != "unchanged"]))
    else:
        out.print(say("cli.diff_nothing", students=students))
    if changes:
        table = Table(title=say("cli.changed_title"))
        for column in ("student", "change", "before", "after"):
            table.add_column(say(f"word.{column}"))
        for change in changes:
            table.add_row(change.student_id, say(f"change.{change.change}"),
                          _place_text(change.before), _place_text(change.after))
        out.print(table)
    by_priority = difference.by_priority()
    if by_priority:
        table = Table(title=say("cli.per_priority"))
        table.add_column(say("word.priority"), justify="right")
        table.add_column(say("word.students"), justify="right")
        table.add_column(say("word.placed_before"), justify="right")
        table.add_column(say("word.placed_after"), justify="right")
        for kind in ("gained", "lost", "moved"):
            table.add_column(say(f"change.{kind}"), justify="right")
        for level, c in by_priority.items():
            table.add_row(level, number(c.students), number(c.placed_before),
                          number(c.placed_after), number(c.changes["gained"]),
                          number(c.changes["lost"]), number(c.changes["moved"]))
        out.print(table)
    reasons = difference.by_reason()
    if reasons:
        out.print(say("cli.unmatched_per_reason", reasons=[
            Message("cli.reason_before_after", reason=Message(f"reason.{reason}"),
                    before=c.before, after=c.after) for reason, c in reasons.items()]))


def _place_text(place: Place | None) -> str:
    if place is None:
        return say("cli.place_absent")
    if place.workplace_id is None:
        return (say("cli.place_unplaced_because", reason=Message(f"reason.{place.reason}"))
                if place.reason else say("cli.place_unplaced"))
    return place.workplace_id + (f" / {place.mentor_id}" if place.mentor_id else "")


@app.command()
def workbook(
    scenario: ScenarioArg,
    out_file: Annotated[Path, typer.Option("--out", help="The workbook to write (.xlsx).")],
    lang: LangOption = None,
) -> None:
    """Write a scenario folder as one Excel workbook: a sheet 'scenario' with the
    settings and a sheet per table. Upload it on the web page, or solve it directly."""
    from matcher.io.workbook import folder_workbook

    use_lang(lang)
    if out_file.suffix.lower() != ".xlsx":
        fail("cli.out_xlsx")
    with _user_errors():
        content = folder_workbook(scenario)
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_bytes(content)
    out.print(say("cli.written_one", path=str(out_file)))


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the scenario to.")],
    students: Annotated[int, typer.Option(help="Number of students.")] = 500,
    ratio: Annotated[float, typer.Option(help="Workplaces per student.")] = 1.5,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    lang: LangOption = None,
) -> None:
    """Write a synthetic scenario calibrated on Flemish figures."""
    from matcher.generate import GeneratorSettings, write_scenario

    use_lang(lang)
    if students < 1 or ratio <= 0:
        fail("cli.generate_invalid")
    with _user_errors():
        path = write_scenario(GeneratorSettings(students=students, ratio=ratio, seed=seed),
                              out_dir)
    out.print(say("cli.written_one", path=str(path)))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    lang: LangOption = None,
) -> None:
    """Start the HTTP service (settings from DATABASE_URL, MATCHER_* and .env)."""
    import uvicorn

    use_lang(lang)
    if not 0 < port < 65536:
        fail("cli.port_invalid")
    settings = _service_settings()
    if not settings.secure_cookies and not _is_loopback(host):
        err.print("[yellow]" + say("cli.warning", warning=Message("cli.serve_insecure",
                                                                  host=host)) + "[/]",
                  highlight=False)
    out.print(say("cli.serving", address=page_address(host, port)), highlight=False)
    uvicorn.run("api.main:create_app", factory=True, host=host, port=port)


def page_address(host: str, port: int) -> str:
    """The page's address for a browser on this machine (listening on every
    interface is reachable on the loopback address)."""
    browsable = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in browsable:
        browsable = f"[{browsable}]"
    return f"http://{browsable}:{port}/ui/"


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: may resolve anywhere


def _service_settings() -> Settings:
    """The service settings, or exit 2 naming what is wrong (never a value: it may be a
    secret)."""
    from api.settings import ConfigurationError, load_settings

    try:
        return load_settings()
    except ConfigurationError as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(2) from None


@contextmanager
def _user_store() -> Iterator[Session]:
    """A session on the service's database (migrated first), for the users commands."""
    from api.db import make_engine, migrate, session_factory

    settings = _service_settings()
    with _user_errors():
        engine = make_engine(settings.database_url)
        try:
            migrate(engine)
            with session_factory(engine)() as session:
                yield session
        finally:
            engine.dispose()


users_app = typer.Typer(no_args_is_help=True, help="API users and their keys.")
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    role: Annotated[str, typer.Option(help="consultant or coach.")],
    name: Annotated[str, typer.Option(help="The person's name.")],
    coach_id: Annotated[str | None, typer.Option(
        help="For a coach: the coach_id of their students in students.csv.")] = None,
    lang: LangOption = None,
) -> None:
    """Create a user and print their API key (shown once; only its hash is stored)."""
    from api.auth import create_user

    use_lang(lang)
    if role not in ("consultant", "coach"):
        fail("cli.role_invalid", value=role)
    with _user_store() as session:
        try:
            key = create_user(session, "coach" if role == "coach" else "consultant",
                              name, coach_id)
        except ValueError as exc:
            err.print(str(exc))
            raise typer.Exit(2) from None
    out.print(say("cli.user_created", role=role, name=name.strip()))
    print(key)


@users_app.command("list")
def users_list(lang: LangOption = None) -> None:
    """List the users: id, name, role, coach_id, created, and whether their key works."""
    from api.auth import is_revoked, list_users

    use_lang(lang)
    with _user_store() as session:
        users = list_users(session)
    table = Table(title=say("cli.users_title", count=len(users)))
    for column in ("id", "name", "role", "coach_id", "created", "key"):
        table.add_column(say(f"cli.user_col.{column}"))
    for user in users:
        table.add_row(str(user.id), user.name, user.role, user.coach_id or "",
                      f"{user.created_at:%Y-%m-%d %H:%M}",
                      say("cli.key_revoked" if is_revoked(user) else "cli.key_active"))
    out.print(table)


@users_app.command("revoke")
def users_revoke(
    user_id: Annotated[int, typer.Argument(help="The user's id (see `matcher users list`).")],
    lang: LangOption = None,
) -> None:
    """End a user's API key and web sessions at once. The user stays in the audit trail;
    `matcher users add` makes a new key."""
    from api.auth import revoke_user

    use_lang(lang)
    with _user_store() as session:
        user = revoke_user(session, user_id)
    if user is None:
        fail("cli.no_user", user=user_id)
    out.print(say("cli.user_revoked", role=user.role, name=user.name, user=user.id))


from matcher.analysis_cli import register as _register_analysis  # noqa: E402

_register_analysis(app)


if __name__ == "__main__":
    app()
