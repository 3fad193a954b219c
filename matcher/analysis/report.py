"""One self-contained HTML page for the consultant: the plan, placement per
group, every unmatched student with the reason and a verified fix, and the
recruitment list.

Why one file: it is mailed and opened offline, so plots are inline base64 PNG
and the style is inline; nothing is fetched. The page is a Jinja2 template
(``templates/report.html``, autoescaped: names from uploaded files stay text).

Privacy: this is a consultant-only artefact, and its header says so
(``report.audience``, in Dutch and, when the report is English, in English
too): it names every unmatched student next to their priority, the engine's
explanation (which can say a student waits on the intensive-support limit, or
that an adjustment rule closes a workplace) and a fix. Adjustment codes and
intensive-support flags themselves never appear (fixes and recruitment items
say "the reasonable adjustment needed"); groups are shown as counts only. The
service gives it to consultants only; coaches read the coach-view policy's
explanations (``api.privacy``) instead.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from matplotlib.figure import Figure

from matcher.analysis.changes import Resolver
from matcher.analysis.fixes import FixReport, cheapest_fixes, fix_rows
from matcher.analysis.groups import PROVINCE_NAMES, UNKNOWN, student_groups
from matcher.analysis.marginal import (
    Recruit,
    by_sector_and_province,
    recruitment_frame,
    recruitment_list,
)
from matcher.analysis.metrics import plan_rows
from matcher.analysis.plots import png_base64, sweep_figures
from matcher.analysis.summary import catch_up
from matcher.exports import Cell, CsvDialect, Sheet, default_dialect, write_csv
from matcher.messages import DEFAULT_LANG, Lang, Message, Param, Percent, format_param, render
from matcher.pipeline import SolveRun

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.n { text-align: right; }
.note { color: #555; font-size: 0.9em; } img { max-width: 100%; }
.grid { display: flex; flex-wrap: wrap; gap: 1.5em; }
.audience { border: 2px solid #a33; background: #fdeeee; padding: 0.5em 1em; }
"""


@dataclass(frozen=True)
class ReportData:
    run: SolveRun
    fixes: FixReport
    recruits: list[Recruit]
    sweep_rows: pd.DataFrame | None


def gather(run: SolveRun, sweep_rows: pd.DataFrame | None = None,
           recruit_limit: int = 25) -> ReportData:
    """Everything the page shows (the expensive part: fixes and recruitment re-solves)."""
    resolver = Resolver(run.scenario, run.candidates, run.solution, run.solution.objective)
    fixes = cheapest_fixes(run, resolver=resolver)
    recruits = recruitment_list(run, limit=recruit_limit, resolver=resolver, private=True)
    return ReportData(run, fixes, recruits, sweep_rows)


class _Words:
    """The report's words and numbers in one language (the template escapes them)."""

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


@dataclass(frozen=True)
class Table:
    """A table as the template shows it: header texts, and each cell's text with
    whether it is a number (right-aligned)."""

    headers: list[str]
    rows: list[list[tuple[str, bool]]]


def _table(words: _Words, frame: pd.DataFrame, numeric: tuple[str, ...] = ()) -> Table:
    headers = [words(f"col.{c}") if f"col.{c}" in COLUMNS else str(c) for c in frame.columns]
    rows = [[(words.value(Percent(float(value)) if column == "rate" else value),
              column in numeric or column == "rate")
             for column, value in zip(frame.columns, row, strict=True)]
            for row in frame.itertuples(index=False)]
    return Table(headers, rows)


@dataclass(frozen=True)
class Image:
    alt: str
    png_base64: str


def _img(fig: Figure, alt: str) -> Image:
    return Image(alt, png_base64(fig))


def _group_frames(run: SolveRun) -> dict[str, pd.DataFrame]:
    rows = pd.DataFrame(plan_rows(run, student_groups(run.scenario)))
    frames = {}
    for dimension in ("tier", "sector", "province", "phase", "school_type"):
        part = rows[rows["dimension"] == dimension][["group", "students", "placed", "value"]]
        part = part.rename(columns={"value": "rate"}).astype({"students": int, "placed": int})
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
        title = render(Message("report.rate_per", per=Message(per)), words.lang)
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="x", labelrotation=60, labelsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(True, axis="y", alpha=0.3)
    return fig


COLUMNS = {f"col.{name}" for name in (
    "group", "students", "placed", "rate", "change", "kind", "sector", "province",
    "students_placed", "priority_1_placed", "changes_with_value", "student", "priority",
    "reason", "why", "cheapest_fix", "places", "also_places")}


_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


def render_report(data: ReportData, lang: Lang = DEFAULT_LANG) -> str:
    """The HTML page in ``lang`` (template ``templates/report.html``): the summary
    first, then the details."""
    words = _Words(lang)
    run, sc, plan = data.run, data.run.scenario, data.run.plan
    seats = int(sc.workplaces.seats.sum())
    n = len(sc.students)
    frames = _group_frames(run)
    reasons = Counter(u.reason for u in plan.unmatched)
    groups = []
    for dimension in ("tier", "phase", "school_type", "sector", "province"):
        frame = frames[dimension].copy()
        frame["group"] = _objects(frame, [Message("word.unknown") if g == UNKNOWN else g
                                          for g in frame["group"]])
        groups.append((words(f"report.per_{dimension}"),
                       _table(words, frame, ("students", "placed"))))
    details = {u.student_id: u for u in plan.unmatched}
    rows = []
    for row in fix_rows(sc, data.fixes, private=True):
        u = details[str(row["student_id"])]
        also = row["also_places"]
        rows.append({"student": row["student_id"], "priority": row["priority"],
                     "reason": Message(f"reason.{u.reason}"), "why": u.message(),
                     "cheapest_fix": row["fix"], "places": row["places"],
                     "also_places": ", ".join(str(x) for x in also)  # type: ignore[attr-defined]
                     })
    recruits = recruitment_frame(data.recruits, lang)
    recruitment = best = None
    if len(recruits):
        recruits["kind"] = _objects(recruits, [Message(f"kind.{k}") for k in recruits["kind"]])
        recruitment = _table(words, recruits.head(30), ("students_placed", "priority_1_placed"))
        by_place = by_sector_and_province(data.recruits, lang)
        by_place["kind"] = _objects(by_place, [Message(f"kind.{k}") for k in by_place["kind"]])
        best = _table(words, by_place,
                      ("students_placed", "priority_1_placed", "changes_with_value"))
    sweep = None
    if data.sweep_rows is not None and len(data.sweep_rows):
        sweep = (_catch_up_table(data.sweep_rows, words),
                 [_img(fig, name) for name, fig in sweep_figures(data.sweep_rows).items()])
    return _TEMPLATES.get_template("report.html").render(
        lang=lang, t=words, style=Markup(STYLE), name=sc.name,
        # said in the users' language, and in the report's when that is another
        audience=" / ".join(_Words(shown)("report.audience")
                            for shown in dict.fromkeys(("nl", lang))),
        note=words("report.note", date=dt.date.today(), students=n,
                   workplaces=len(sc.workplaces), seats=seats,
                   ratio=round(seats / max(n, 1), 2), mentors=len(sc.mentors),
                   objective=Message(f"objective.{plan.solver.objective}"),
                   status=Message(f"status.{plan.solver.status}")),
        placed=words("report.placed", placed=plan.summary.placed, students=n,
                     share=Percent(plan.summary.placed / max(n, 1))),
        unmatched_split=words("report.unmatched_split",
                              no_feasible=reasons.get("no_feasible_workplace", 0),
                              capacity=reasons.get("capacity", 0)),
        tiers=_table(words, frames["tier"], ("students", "placed")),
        rates=_img(_rates_figure(frames, words), words("report.rates_alt")),
        groups=groups,
        fixes=_table(words, pd.DataFrame(rows), ("priority", "places")) if rows else None,
        recruitment=recruitment, best=best, sweep=sweep)


def _objects(frame: pd.DataFrame, values: list[object]) -> pd.Series:
    """A column of messages (or anything) for ``frame``."""
    return pd.Series(values, index=frame.index, dtype=object)


def _catch_up_table(rows: pd.DataFrame, words: _Words) -> Table:
    everyone = catch_up(rows)
    feasible = catch_up(rows, dimension="sector_tier_feasible")
    records = []
    sectors = {s for by_sector in everyone.values() for s in by_sector}
    for sector in sorted(sectors, key=lambda s: (s != "all", s)):
        record: dict[str, object] = {"sector": sector}
        for among, answers in (("cli.among_all", everyone), ("cli.among_feasible", feasible)):
            for objective, by_sector in answers.items():
                ratio = by_sector.get(sector, {}).get("catch_up_ratio")
                heading = render(Message("report.objective_among",
                                         objective=Message(f"objective.{objective}"),
                                         among=Message(among)), words.lang)
                record[heading] = (Message("report.not_within_sweep") if ratio is None
                                   else float(ratio))
        records.append(record)
    return _table(words, pd.DataFrame(records))


def _cell(value: object) -> Cell:
    """A value of ``fix_rows`` as a spreadsheet cell."""
    return value if isinstance(value, str | int | float | Message) else str(value)


def write_report(data: ReportData, out_dir: Path, lang: Lang = DEFAULT_LANG,
                 dialect: CsvDialect | None = None) -> list[Path]:
    """``report.html``, plus ``fixes.csv`` and ``recruitment.csv`` for spreadsheets, in
    ``lang`` and the CSV ``dialect`` (default: the language's)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = dialect or default_dialect(lang)
    page = out_dir / "report.html"
    page.write_text(render_report(data, lang), encoding="utf-8")
    fixes = Sheet("fixes", tuple(f"export.col.{c}" for c in (
        "student_id", "priority", "fix", "kind", "places", "also_places")), [
        [_cell(row["student_id"]), _cell(row["priority"]), _cell(row["fix"]),
         Message(f"kind.{row['kind']}"), _cell(row["places"]),
         ";".join(map(str, row["also_places"]))]  # type: ignore[call-overload]
        for row in fix_rows(data.run.scenario, data.fixes, private=True)])
    recruitment = Sheet("recruitment", tuple(f"export.col.{c}" for c in (
        "change", "kind", "sector", "province", "students_placed", "priority_1_placed")), [
        [r.description, Message(f"kind.{r.change.kind}"), r.sector, r.province, r.placed,
         r.by_priority.get("1", 0)] for r in data.recruits])
    return [page, write_csv(out_dir / "fixes.csv", fixes, lang, chosen),
            write_csv(out_dir / "recruitment.csv", recruitment, lang, chosen)]
