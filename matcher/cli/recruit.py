"""``matcher recruit``: the optimal recruitment plan per budget, beside the greedy list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.table import Table

from matcher.cli.common import (
    LangOption,
    ObjectiveOption,
    ScenarioArg,
    err,
    fail,
    load,
    number,
    objective_option,
    out,
    say,
    solve_run,
    tell,
    use_lang,
    user_errors,
)
from matcher.messages import Message

MAX_BUDGET = 50


def recruit(
    scenario: ScenarioArg,
    budget: Annotated[int, typer.Option(help="The most additions to recruit (1…50): the "
                                        "plan is given for every budget up to this one.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the curve as JSON.")] = False,
    changes: Annotated[Path | None, typer.Option(
        help="Write the plan of the largest budget as a what-if change file (YAML).")] = None,
    time_limit: Annotated[float, typer.Option(
        help="Seconds per stage of the search; a plan not proven optimal says so.")] = 120.0,
    objective: ObjectiveOption = None,
    lang: LangOption = None,
) -> None:
    """Which seats, mentors, recognitions and adjustments to recruit: for a budget of
    k additions, the set that places the most priority-1 students, then the most
    students, chosen together (proven optimal), beside the k best single additions."""
    from matcher.analysis.recruit import change_set, curve_json, curve_rows, recruitment_curve
    from matcher.pipeline import SolveSettings

    use_lang(lang)
    if not 1 <= budget <= MAX_BUDGET:
        fail("cli.recruit_budget_invalid", maximum=MAX_BUDGET)
    if not time_limit > 0:
        fail("cli.recruit_time_invalid")
    chosen = objective_option(objective)
    with user_errors():
        loaded = load(scenario)
        run = solve_run(loaded, SolveSettings(objective=chosen))
        with err.status(say("cli.recruit_solving", budget=budget)):
            curve = recruitment_curve(run, budget, stage_time_s=time_limit)
        if changes is not None:
            plan = change_set(loaded, curve.points[-1].plan.additions)
            document = plan.to_document() if plan is not None else {"changes": []}
            changes.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False),
                               encoding="utf-8")
    if as_json:
        print(json.dumps(curve_json(curve, loaded), ensure_ascii=False, indent=2))
        return
    rows = curve_rows(curve, loaded)
    table = Table(title=say("recruit.title"))
    for column in ("budget", "priority_1_placed", "placed", "proven", "additions"):
        table.add_column(say(f"col.{column}"), justify="left" if column == "additions"
                         else "right")
    for row in rows:
        additions = row["additions"]
        assert isinstance(additions, list)
        proven = row["proven"]
        assert isinstance(proven, Message)
        table.add_row(number(int(str(row["budget"]))), number(int(str(row["priority_1_placed"]))),
                      number(int(str(row["placed"]))), tell(proven),
                      "\n".join(tell(a) for a in additions) or say("word.none"))
    out.print(say("recruit.base", placed=curve.base.total,
                  priority_1=curve.base.priority_1))
    out.print(table)
    greedy = Table(title=say("recruit.greedy_title"))
    for column in ("budget", "greedy_claimed", "greedy_priority_1", "greedy_placed"):
        greedy.add_column(say(f"col.{column}"), justify="right")
    for row in rows:
        greedy.add_row(*(number(int(str(row[c]))) for c in
                         ("budget", "greedy_claimed", "greedy_priority_1", "greedy_placed")))
    out.print(greedy)
    out.print(say("recruit.not_additive"))
    if changes is not None:
        out.print(say("cli.written", files=str(changes)))


def register(app: typer.Typer) -> None:
    app.command()(recruit)
