"""``matcher diff``: what changed between two plans, per student and per priority."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from matcher.cli.common import (
    LangOption,
    err,
    load,
    number,
    out,
    read_plan,
    say,
    tell,
    use_lang,
    user_errors,
)
from matcher.messages import Message

if TYPE_CHECKING:  # the engine loads when the command runs
    from matcher.diff import Place, PlanDiff


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
    from matcher.diff import InconsistentPlan, plan_diff, student_priorities

    use_lang(lang)
    before, after = read_plan(old), read_plan(new)
    if before.scenario != after.scenario:  # allowed (scenario versions), but say so
        err.print("[yellow]" + say("cli.warning", warning=Message(
            "cli.other_scenarios", old=before.scenario, new=after.scenario)) + "[/]",
            highlight=False)
    priorities = None
    if scenario is not None:
        with user_errors():
            priorities = student_priorities(load(scenario))
    try:
        difference = plan_diff(before, after, priorities)
    except InconsistentPlan as exc:
        err.print(f"{old if exc.side == 'before' else new}: {tell(exc.message)}",
                  highlight=False)
        raise typer.Exit(2) from None
    if as_json:
        print(json.dumps(difference.as_json(), ensure_ascii=False, indent=2))
        return
    print_diff(difference)


def print_diff(difference: PlanDiff) -> None:
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


def register(app: typer.Typer) -> None:
    app.command()(diff)
