"""``matcher explain``: one student's place in the optimal plan, or why they have none."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from matcher.cli.common import (
    LangOption,
    ObjectiveOption,
    ScenarioArg,
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
from matcher.messages import Message

if TYPE_CHECKING:  # the engine loads when the command runs
    from matcher.pipeline import SolveRun


def explain(
    scenario: ScenarioArg,
    student: Annotated[str | None, typer.Option(
        help="student_id to explain (optional with --fixes).")] = None,
    objective: ObjectiveOption = None,
    alternatives: Annotated[int, typer.Option(help="How many other workplaces to show.")] = 5,
    fixes: Annotated[bool, typer.Option(
        "--fixes", help="Also find the cheapest verified fix per unmatched student "
        "(of the whole scenario, or of --student).")] = False,
    as_json: Annotated[bool, typer.Option(
        "--json", help="With --fixes: print every fix as JSON (docs/analysis.md).")] = False,
    lang: LangOption = None,
) -> None:
    """Explain one student's place in the optimal plan, or why they have none."""
    import numpy as np

    from matcher.cli.analysis import print_fixes, print_fixes_json
    from matcher.pipeline import SolveSettings

    use_lang(lang)
    if student is None and not fixes:
        fail("cli.student_required")
    chosen = objective_option(objective)
    with user_errors():
        loaded = load(scenario)
        matches = np.flatnonzero(loaded.students.ids == student)
        if student is not None and not len(matches):
            fail("cli.student_unknown", student=str(student), scenario=str(scenario))
        run = solve_run(loaded, SolveSettings(objective=chosen))
        if fixes:
            if as_json:
                print_fixes_json(run, None if student is None else int(matches[0]))
                return
            if student is not None:
                _print_student(run, int(matches[0]), alternatives)
            print_fixes(run, None if student is None else int(matches[0]))
            return
    _print_student(run, int(matches[0]), alternatives)


def _print_student(run: SolveRun, student: int, alternatives: int) -> None:
    import numpy as np

    from matcher.rules import rule_label

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


def register(app: typer.Typer) -> None:
    app.command()(explain)
