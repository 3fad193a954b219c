"""What every command shares: the consoles, ``--lang``/MATCHER_LANG, ``--csv-dialect``,
printing catalogue messages, and turning a user's mistake into exit 2.

Exit codes: 0 success, 2 invalid input (every problem listed on stderr, no
output written), 1 an internal error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.control import strip_control_codes
from rich.markup import escape

from matcher.csv_dialects import CSV_DIALECT_HELP, CSV_DIALECTS, CsvDialect, default_dialect
from matcher.messages import (
    DEFAULT_LANG,
    Lang,
    Message,
    Param,
    format_param,
    parse_lang,
    render,
)
from models.config import OBJECTIVES, Objective

if TYPE_CHECKING:  # a command imports the engine when it runs, only the parts it needs
    from matcher.pipeline import SolveRun, SolveSettings
    from models.plan import Plan
    from models.scenario import Scenario

# soft_wrap: long lines stay whole when the output is a file or a pipe
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

LangOption = Annotated[str | None, typer.Option(
    "--lang", envvar="MATCHER_LANG", help="Language of what is printed: nl or en (default en; "
    "or set MATCHER_LANG).")]
# The commands that write files in the chosen language say so in their help.
WritingLangOption = Annotated[str | None, typer.Option(
    "--lang", envvar="MATCHER_LANG", help="Language of what is printed and written: nl or en "
    "(default en; or set MATCHER_LANG).")]
CsvDialectOption = Annotated[str | None, typer.Option("--csv-dialect", help=CSV_DIALECT_HELP)]
ScenarioArg = Annotated[Path, typer.Argument(help="Scenario folder (with scenario.yaml), "
                                             "a scenario document with inline tables, or "
                                             "one .xlsx workbook (see `matcher workbook`).")]
ObjectiveOption = Annotated[str | None, typer.Option(
    help=f"{' or '.join(OBJECTIVES)}; default: the scenario's policy.")]

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


def current_lang() -> Lang:
    return _lang[0]


def chosen_dialect(value: str | None) -> CsvDialect:
    """The --csv-dialect, or the language's own; exit 2 on an unknown one."""
    if value is None:
        return default_dialect(_lang[0])
    dialect = next((d for d in CSV_DIALECTS if d == value.strip().lower()), None)
    if dialect is None:
        fail("cli.csv_dialect_invalid", value=value, choices=", ".join(CSV_DIALECTS))
    return dialect


def say(code: str, /, **params: Param) -> str:
    """A catalogue message in the command's language, escaped for rich output."""
    return escape(render(Message(code, **params), _lang[0]))


def tell(message: Message) -> str:
    return escape(render(message, _lang[0]))


def number(value: int) -> str:
    return format_param(value, _lang[0])


def fail(code: str, /, **params: Param) -> NoReturn:
    """A mistake in the command line: its message on stderr, exit 2."""
    err.print(say(code, **params), highlight=False)
    raise typer.Exit(2)


def fail_input(problems: list[str]) -> NoReturn:
    """Every problem in the input on stderr, exit 2."""
    err.print(f"[bold red]{say('cli.problems', count=len(problems))}[/]")
    # Plain lines, written as they are: rich would split, measure and segment each
    # of thousands of lines only to print them unchanged (0.1 s for 10,000 bad
    # cells). The control codes rich strips (bell, backspace, carriage return…) are
    # stripped here too.
    listing = strip_control_codes("\n".join(f"  {problem}" for problem in problems))
    err.file.write(listing + "\n")
    err.file.flush()
    raise typer.Exit(2)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn mistakes in the input into exit 2 and anything else into exit 1, no traceback."""
    try:
        yield
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:
        from matcher.io import ScenarioError  # loaded already when it is one

        if isinstance(exc, ScenarioError):
            fail_input([p.render(current_lang()) for p in exc.problems])
        if isinstance(exc, OSError):
            err.print(f"[bold red]{say('cli.file_error', error=str(exc))}[/]")
            raise typer.Exit(2) from None
        err.print(f"[bold red]{say('cli.internal_error', kind=type(exc).__name__, error=str(exc))}"
                  "[/]")
        raise typer.Exit(1) from None


def objective_option(value: str | None) -> Objective | None:
    """--objective as given (None: the scenario's policy); exit 2 on anything else."""
    if value is None:
        return None
    objective = next((o for o in OBJECTIVES if o == value), None)
    if objective is None:
        fail("cli.objective_invalid", value=value)
    return objective


def load(path: Path) -> Scenario:
    """Read a scenario with a status line, printing its warnings; raises ScenarioError
    (use inside ``user_errors()``)."""
    from matcher.io import load_scenario

    with err.status(say("cli.reading", path=str(path))):
        scenario = load_scenario(path)
    for warning in scenario.warnings:
        err.print(f"[yellow]{say('cli.warning', warning=warning)}[/]", highlight=False)
    return scenario


def solve_run(scenario: Scenario, settings: SolveSettings) -> SolveRun:
    """Solve with a status line naming the running stage."""
    from matcher.pipeline import run_solve

    with err.status(say("stage.solving")) as status:
        return run_solve(scenario, settings,
                         on_stage=lambda stage: status.update(say(stage)))


def read_plan(path: Path) -> Plan:
    """plan.json (or a folder holding one); exit 2 naming the file and field on a mistake."""
    from pydantic import ValidationError

    from models.plan import Plan

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
