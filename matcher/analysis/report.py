"""One self-contained HTML page for the consultant, in Dutch (by default) or
English, answers first:

1. who may read it;
2. the policy answer: are priority-1 students placed as well as the others —
   in this plan, and with a sweep per swept point with 95 % intervals over seeds
   and the group sizes, over all students and over students with an allowed
   workplace, and from which swept value on they keep up;
3. the recruitment curve and plan (``matcher recruit``);
4. placement per group (priority, phase, school type, sector, province);
5. the unmatched students: by reason, then each with the reason and a verified
   fix;
6. details: the single-addition recruitment list and the sweep's plots.

The page is laid out by a Jinja2 template (``templates/report.html``, which
escapes every text); this module gathers the texts and numbers in the report's
language, every word from the message catalogue.

Why one file: it is mailed and opened offline, so plots are inline base64 PNG
and the style is inline; nothing is fetched.

Privacy: this is a consultant-only artefact, and its top says so
(``report.audience``, in Dutch and, when the report is English, in English
too): it names every unmatched student next to their priority,
the engine's explanation (which can say a student waits on the intensive-support
limit, or that an adjustment rule closes a workplace) and a fix. Adjustment
codes and intensive-support flags themselves never appear (fixes and
recruitment items say "the reasonable adjustment needed"), except in the
recruitment plan, which names the adjustment a workplace should offer (that is
what a consultant recruits); groups are shown as counts only. The service gives
it to consultants only; coaches read the coach-view policy's explanations
(``api.privacy``) instead.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from matplotlib.figure import Figure

from matcher.analysis.changes import Resolver
from matcher.analysis.fixes import FixReport, cheapest_fixes, fix_rows
from matcher.analysis.groups import (
    OTHER_SCHOOL_TYPE,
    PROVINCE_NAMES,
    UNKNOWN,
    student_groups,
)
from matcher.analysis.marginal import (
    Recruit,
    by_sector_and_province,
    recruitment_frame,
    recruitment_list,
)
from matcher.analysis.metrics import OTHERS, PRIORITY_ONE, plan_rows
from matcher.analysis.plots import axis_label, png_base64, sweep_figures
from matcher.analysis.recruit import RecruitCurve, curve_rows, recruitment_curve
from matcher.analysis.summary import as_float, catch_up, swept_axes, verdicts
from matcher.csv_dialects import CsvDialect, default_dialect
from matcher.exports import (
    Names,
    fixes_table,
    recruitment_table,
    write_csv,
)
from matcher.messages import Lang, Message, Param, Percent, format_param, render
from matcher.pipeline import SolveRun
from models.scenario import Scenario

TEMPLATES = Path(__file__).parent / "templates"
# The report is read by Flemish consultants: Dutch unless asked otherwise.
REPORT_LANG: Lang = "nl"
_ENVIRONMENT = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                           undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class ReportData:
    run: SolveRun
    fixes: FixReport
    recruits: list[Recruit]
    sweep_rows: pd.DataFrame | None
    curve: RecruitCurve | None = None  # the recruitment plan per budget


# The report's recruitment plan is one section among many and the page waits for it:
# each CP-SAT stage gets a few seconds, and a stage not proven in time says its gap
# (``matcher recruit`` takes its own, longer, --time-limit).
REPORT_STAGE_TIME_S = 5.0


def gather(run: SolveRun, sweep_rows: pd.DataFrame | None = None,
           recruit_limit: int = 25, recruit_budget: int = 0,
           recruit_time_s: float = REPORT_STAGE_TIME_S) -> ReportData:
    """Everything the page shows (the expensive part: fixes, recruitment re-solves and,
    with ``recruit_budget``, the recruitment plan for budgets 1…``recruit_budget``)."""
    resolver = Resolver(run.scenario, run.candidates, run.solution, run.solution.objective)
    fixes = cheapest_fixes(run)
    recruits = recruitment_list(run, limit=recruit_limit, resolver=resolver, private=True)
    curve = (recruitment_curve(run, recruit_budget, stage_time_s=recruit_time_s,
                               resolver=resolver)  # its screening: the answers above
             if recruit_budget > 0 else None)
    return ReportData(run, fixes, recruits, sweep_rows, curve)


@dataclass(frozen=True)
class _Table:
    """A table as the template shows it: headings and cells already text (the template
    escapes them); ``numeric``: per column, whether it is aligned right."""

    head: list[str]
    rows: list[list[str]]
    numeric: list[bool]


@dataclass(frozen=True)
class _Image:
    alt: str
    png: str  # base64


@dataclass(frozen=True)
class _Section:
    title: str
    note: str = ""
    table: _Table | None = None
    image: _Image | None = None
    text: str = ""
    parts: list[_Section] = field(default_factory=list)
    grid: bool = False


class _Words:
    """The report's words and numbers in one language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, code: str, /, **params: Param) -> str:
        return render(Message(code, **params), self.lang)

    def value(self, value: object) -> str:
        if isinstance(value, Message):
            return render(value, self.lang)
        if isinstance(value, int | float | Percent) and not isinstance(value, bool):
            return format_param(value, self.lang)
        return str(value)


def _table(words: _Words, frame: pd.DataFrame, numeric: tuple[str, ...] = ()) -> _Table:
    head = [words(f"col.{c}") if f"col.{c}" in COLUMNS else str(c) for c in frame.columns]
    rows = [[words.value(Percent(float(value)) if column == "rate" else value)
             for column, value in zip(frame.columns, row, strict=True)]
            for row in frame.itertuples(index=False)]
    return _Table(head, rows, [c in numeric or c == "rate" for c in frame.columns])


def _image(fig: Figure, alt: str) -> _Image:
    return _Image(alt, png_base64(fig))


def _mean_cell(value: object, decimals: int) -> float | str:
    number = as_float(value)
    return "–" if math.isnan(number) else round(number, decimals)


def _group_frames(run: SolveRun) -> dict[str, pd.DataFrame]:
    rows = pd.DataFrame(plan_rows(run, student_groups(run.scenario)))
    rows = rows[rows["among"] == "all"]
    frames = {}
    for dimension in ("tier", "sector", "province", "phase", "school_type"):
        part = rows[rows["dimension"] == dimension][
            ["group", "students", "placed", "value", "travel_min", "wish_rank"]]
        part = part.rename(columns={"value": "rate"}).astype({"students": int, "placed": int})
        # means over the group's placed students; none placed: no mean
        part["travel_min"] = _objects(part, [_mean_cell(v, 1) for v in part["travel_min"]])
        part["wish_rank"] = _objects(part, [_mean_cell(v, 2) for v in part["wish_rank"]])
        if dimension == "province":
            part["group"] = [PROVINCE_NAMES.get(g, g) for g in part["group"]]
        frames[dimension] = part.reset_index(drop=True)
    return frames


def _rates_figure(frames: dict[str, pd.DataFrame], words: _Words) -> Figure:
    fig = Figure(figsize=(11, 3.4), layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=(1, 3, 2))
    for ax, dimension, per in zip(axes, ("tier", "sector", "province"),
                                  ("report.per_priority_short", "report.per_sector_short",
                                   "report.per_province_short"), strict=True):
        frame = frames[dimension]
        ax.bar(frame["group"].astype(str), frame["rate"], color="#2980b9")
        ax.set_ylim(0, 1)
        ax.set_title(words("report.rate_per", per=Message(per)), fontsize=9)
        ax.tick_params(axis="x", labelrotation=60, labelsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(True, axis="y", alpha=0.3)
    return fig


GROUP_NUMBERS = ("students", "placed", "travel_min", "wish_rank")
COLUMNS = {f"col.{name}" for name in (
    "group", "students", "placed", "rate", "change", "kind", "sector", "province",
    "students_placed", "priority_1_placed", "changes_with_value", "student", "priority",
    "reason", "why", "cheapest_fix", "places", "also_places", "travel_min", "wish_rank")}


def _policy_plan(frames: dict[str, pd.DataFrame], words: _Words) -> str:
    """Priority-1 students against the others in this plan, with the group sizes."""
    tier = frames["tier"]
    first, others = tier[tier["group"] == "1"], tier[tier["group"] != "1"]
    n_first, n_others = int(first["students"].sum()), int(others["students"].sum())
    if not n_first or not n_others:
        return ""
    return words("report.policy_plan_sizes",
                 first=Percent(int(first["placed"].sum()) / n_first), n_first=n_first,
                 others=Percent(int(others["placed"].sum()) / n_others), n_others=n_others)


def _rate_cell(words: _Words, mean: float, low: float, high: float) -> str:
    if math.isnan(mean):
        return "–"
    if math.isnan(low):
        return words.value(Percent(mean))
    return words("report.rate_interval", rate=Percent(mean), low=Percent(max(low, 0.0)),
                 high=Percent(min(high, 1.0)))


def _axis_cell(axis: str, value: object) -> Message | Percent | float:
    number = as_float(value)
    if math.isnan(number):
        return Message("report.as_in_scenario")
    if axis == "adapted_share":
        return Percent(number, 0)
    if axis == "travel_limit":
        return Message("report.minutes", minutes=int(number))
    return number


def verdict_table(rows: pd.DataFrame, objective: str, among: str, lang: Lang
                  ) -> tuple[list[str], list[list[str]], list[str]]:
    """Per swept point: priority-1 and the others with intervals and group sizes, and
    what the gap's interval shows (headings, rows); then the sentences on from which
    value of the first swept axis on they keep up (per value of the other swept
    axes). Shared by the report and ``matcher sweep``."""
    words = _Words(lang)
    table = verdicts(rows, among)
    table = table[table["objective"] == objective]
    swept = swept_axes(rows) or ["ratio"]
    capacity = str(rows["capacity"].iloc[0])
    head = [render(axis_label(axis, capacity), lang) for axis in swept] + [
        words("col.priority_1_placed_share"), words("col.students_1"),
        words("col.others_placed_share"), words("col.students_others"), words("col.verdict")]
    body = []
    for record in table.sort_values(swept, na_position="first").to_dict("records"):
        body.append([words.value(_axis_cell(axis, record[axis])) for axis in swept] + [
            _rate_cell(words, record[PRIORITY_ONE], record[f"{PRIORITY_ONE}_low"],
                       record[f"{PRIORITY_ONE}_high"]),
            words.value(round(record["students_1"])),
            _rate_cell(words, record[OTHERS], record[f"{OTHERS}_low"], record[f"{OTHERS}_high"]),
            words.value(round(record["students_others"])),
            words(f"verdict.{record['verdict']}")])
    sentences = []
    if len(table):
        # along the first swept axis, once per value of the other swept axes
        axis, others = swept[0], swept[1:]
        named = axis_label(axis, capacity)
        for record in catch_up(table, axis).to_dict("records"):
            mine = table
            for other in others:
                value = record[other]
                mine = mine[mine[other].isna()] if pd.isna(value) else mine[mine[other] == value]
            largest = as_float(mine[axis].max())
            found = as_float(record["catch_up"])
            if not math.isnan(found):
                sentence = Message("report.keeps_up_from", axis=named,
                                   value=_axis_cell(axis, found))
            elif not math.isnan(largest):
                sentence = Message("report.not_shown_at_largest", axis=named,
                                   value=_axis_cell(axis, largest))
            else:
                continue
            for other in reversed(others):
                sentence = Message("report.at_other", axis=axis_label(other, capacity),
                                   value=_axis_cell(other, record[other]), sentence=sentence)
            sentences.append(words.value(sentence))
    return head, body, sentences


def _verdict_section(rows: pd.DataFrame, objective: str, among: str,
                     words: _Words) -> _Section:
    head, body, sentences = verdict_table(rows, objective, among, words.lang)
    axes = len(head) - 5
    seeds = int(rows["seed"].nunique())
    return _Section(
        words("report.verdict_title", objective=Message(f"objective.{objective}"),
              among=Message(f"cli.among_{among}")),
        note=words("report.interval_note", seeds=seeds),
        table=_Table(head, body, [False] * axes + [True, True, True, True, False]),
        text=" ".join(sentences))


def render_report(data: ReportData, lang: Lang = REPORT_LANG) -> str:
    """The HTML page in ``lang`` (``templates/report.html``), answers first (see the
    module doc)."""
    words = _Words(lang)
    run, sc, plan = data.run, data.run.scenario, data.run.plan
    seats = int(sc.workplaces.seats.sum())
    n = len(sc.students)
    frames = _group_frames(run)
    objective = plan.solver.objective

    if data.sweep_rows is not None and len(data.sweep_rows):
        policy = _Section(words("report.policy_title"), text=_policy_plan(frames, words),
                          parts=[_verdict_section(data.sweep_rows, objective, among, words)
                                 for among in ("all", "feasible")])
    else:
        policy = _Section(words("report.policy_title"), text=" ".join(
            (_policy_plan(frames, words), words("report.policy_no_sweep_axes"))))

    groups = [_Section(words("report.per_tier"),
                       table=_table(words, frames["tier"], GROUP_NUMBERS))]
    for dimension in ("phase", "school_type", "sector", "province"):
        frame = frames[dimension].copy()
        frame["group"] = _objects(frame, [
            Message("word.unknown") if g == UNKNOWN else
            Message("word.other") if dimension == "school_type" and g == OTHER_SCHOOL_TYPE
            else g for g in frame["group"]])
        groups.append(_Section(words(f"report.per_{dimension}"),
                               table=_table(words, frame, GROUP_NUMBERS)))
    placement = _Section(words("report.plan"),
                         image=_image(_rates_figure(frames, words), words("report.rates_alt")),
                         parts=groups, grid=True)

    reasons = Counter(u.reason for u in plan.unmatched)
    by_reason = _Table([words("col.reason"), words("col.students")],
                       [[words(f"reason.{reason}"), words.value(reasons.get(reason, 0))]
                        for reason in ("no_feasible_workplace", "capacity")], [False, True])
    unmatched = _Section(
        words("report.unmatched_title"),
        parts=[_Section(words("report.not_placed"), table=by_reason,
                        text=words("report.unmatched_split",
                                   no_feasible=reasons.get("no_feasible_workplace", 0),
                                   capacity=reasons.get("capacity", 0))),
               _Section(words("report.unmatched_each"), note=words("report.fix_note"),
                        table=_unmatched_table(data, words))])

    details = [_recruitment(data, words)]
    if data.sweep_rows is not None and len(data.sweep_rows):
        details.append(_Section(
            words("report.sweep_title"),
            parts=[_Section("", image=_image(fig, name))
                   for name, fig in sweep_figures(data.sweep_rows, lang).items()]))
    # who may read it: said in the users' language, and in the report's when that is another
    audience = " / ".join(_Words(shown)("report.audience") for shown in dict.fromkeys(("nl", lang)))
    return _ENVIRONMENT.get_template("report.html").render(
        lang=lang, title=sc.name, audience=audience,
        note=words("report.note", date=dt.date.today(), students=n,
                   workplaces=len(sc.workplaces), seats=seats,
                   ratio=round(seats / max(n, 1), 2), mentors=len(sc.mentors),
                   objective=Message(f"objective.{objective}"),
                   status=Message(f"status.{plan.solver.status}")),
        summary_title=words("report.summary"),
        placed=words("report.placed", placed=plan.summary.placed, students=n,
                     share=Percent(plan.summary.placed / max(n, 1))),
        answers=[policy, _recruitment_plan(data, words), placement, unmatched],
        details_title=words("report.details"), details=details)


def _recruitment_plan(data: ReportData, words: _Words) -> _Section:
    """The optimal recruitment plan per budget (``matcher.analysis.recruit``), gathered
    with a recruitment budget; without one, the page says how to get it."""
    if data.curve is not None:
        return _recruitment_curve(data.curve, data.run.scenario, words)
    return _Section(words("report.recruit_plan_title"), text=words("report.recruit_plan_how"))


def _unmatched_table(data: ReportData, words: _Words) -> _Table | None:
    details = {u.student_id: u for u in data.run.plan.unmatched}
    rows = []
    for row in fix_rows(data.run.scenario, data.fixes, private=True):
        u = details[str(row["student_id"])]
        also = row["also_places"]
        rows.append({"student": row["student_id"], "priority": row["priority"],
                     "reason": Message(f"reason.{u.reason}"), "why": u.message(),
                     "cheapest_fix": row["fix"], "places": row["places"],
                     "also_places": ", ".join(str(x) for x in also)  # type: ignore[attr-defined]
                     })
    return _table(words, pd.DataFrame(rows), ("priority", "places")) if rows else None


def _recruitment(data: ReportData, words: _Words) -> _Section:
    frame = recruitment_frame(data.recruits, words.lang)
    if not len(frame):
        return _Section(words("report.recruitment_title"), note=words("report.recruitment_note"),
                        text=words("report.no_addition"))
    frame["kind"] = _objects(frame, [Message(f"kind.{kind}") for kind in frame["kind"]])
    best = by_sector_and_province(data.recruits, words.lang)
    best["kind"] = _objects(best, [Message(f"kind.{kind}") for kind in best["kind"]])
    return _Section(
        words("report.recruitment_title"), note=words("report.recruitment_note"),
        table=_table(words, frame.head(30), ("students_placed", "priority_1_placed")),
        parts=[_Section(words("report.best_per_sector"), table=_table(
            words, best, ("students_placed", "priority_1_placed", "changes_with_value")))])


def _recruitment_curve(curve: RecruitCurve, scenario: Scenario, words: _Words) -> _Section:
    """The best additions per budget, then the greedy list of the same size taken
    together (``matcher.analysis.recruit``). Names adjustment codes: consultant-only,
    as the whole report is."""
    rows = curve_rows(curve, scenario)
    plan = _Table([words(f"col.{c}") for c in PLAN_COLUMNS],
                  [[words.value(row[c]) if c != "additions" else
                    "; ".join(words.value(a) for a in row[c]) or words("word.none")  # type: ignore[attr-defined]
                    for c in PLAN_COLUMNS] for row in rows],
                  [c not in ("additions", "proven") for c in PLAN_COLUMNS])
    greedy = _Table([words(f"col.{c}") for c in GREEDY_COLUMNS],
                    [[words.value(row[c]) for c in GREEDY_COLUMNS] for row in rows],
                    [True] * len(GREEDY_COLUMNS))
    return _Section(words("recruit.title"), note=words("recruit.note"),
                    text=words("recruit.base", placed=curve.base.total,
                               priority_1=curve.base.priority_1),
                    table=plan,
                    parts=[_Section(words("recruit.greedy_title"), table=greedy,
                                    text=words("recruit.not_additive"))])


PLAN_COLUMNS = ("budget", "priority_1_placed", "placed", "proven", "additions")
GREEDY_COLUMNS = ("budget", "greedy_claimed", "greedy_priority_1", "greedy_placed")


def _objects(frame: pd.DataFrame, values: list[object]) -> pd.Series:
    """A column of messages (or anything) for ``frame``."""
    return pd.Series(values, index=frame.index, dtype=object)


def write_report(data: ReportData, out_dir: Path, lang: Lang = REPORT_LANG,
                 dialect: CsvDialect | None = None) -> list[Path]:
    """``report.html``, plus ``fixes.csv`` and ``recruitment.csv`` for spreadsheets, in
    ``lang`` and ``dialect`` (default: the language's; ``matcher.exports``)."""
    chosen = dialect or default_dialect(lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "report.html"
    page.write_text(render_report(data, lang), encoding="utf-8")
    fixes = out_dir / "fixes.csv"
    sc = data.run.scenario
    write_csv(fixes, fixes_table(fix_rows(sc, data.fixes, private=True), Names.of(sc), lang),
              lang, chosen)
    recruitment = out_dir / "recruitment.csv"
    write_csv(recruitment, recruitment_table(
        recruitment_frame(data.recruits, lang), lang), lang, chosen)
    return [page, fixes, recruitment]
