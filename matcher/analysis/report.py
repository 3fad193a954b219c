"""One self-contained HTML page for the consultant: the plan, placement per
group, every unmatched student with the reason and a verified fix, and the
recruitment list.

Why one file: it is mailed and opened offline, so plots are inline base64 PNG
and the style is inline; nothing is fetched.

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
import html
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
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
from matcher.exports import (
    CsvDialect,
    Names,
    default_dialect,
    fixes_table,
    recruitment_table,
    write_csv,
)
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


def _e(value: object) -> str:
    return html.escape(str(value))


class _Words:
    """The report's words and numbers in one language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, code: str, /, **params: Param) -> str:
        return _e(render(Message(code, **params), self.lang))

    def message(self, message: Message) -> str:
        return _e(render(message, self.lang))

    def value(self, value: object) -> str:
        if isinstance(value, Message):
            return self.message(value)
        if isinstance(value, int | float | Percent) and not isinstance(value, bool):
            return _e(format_param(value, self.lang))
        return _e(value)


def _table(words: _Words, frame: pd.DataFrame, numeric: tuple[str, ...] = ()) -> str:
    head = "".join(f"<th>{words(f'col.{c}') if f'col.{c}' in COLUMNS else _e(c)}</th>"
                   for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            text = words.value(Percent(float(value)) if column == "rate" else value)
            cls = ' class="n"' if column in numeric or column == "rate" else ""
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _img(fig: Figure, alt: str) -> str:
    return f'<img alt="{alt}" src="data:image/png;base64,{png_base64(fig)}">'


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


def render_report(data: ReportData, lang: Lang = DEFAULT_LANG) -> str:
    """The HTML page in ``lang``: the summary first, then the details."""
    words = _Words(lang)
    run, sc, plan = data.run, data.run.scenario, data.run.plan
    seats = int(sc.workplaces.seats.sum())
    n = len(sc.students)
    frames = _group_frames(run)
    reasons = Counter(u.reason for u in plan.unmatched)
    # said in the users' language, and in the report's when that is another
    audience = " / ".join(_Words(shown)("report.audience")
                          for shown in dict.fromkeys(("nl", lang)))
    parts = [f'<p class="audience" role="note"><strong>{audience}</strong></p>',
             f"<h1>{_e(sc.name)}</h1>",
             '<p class="note">' + words(
                 "report.note", date=dt.date.today(), students=n,
                 workplaces=len(sc.workplaces), seats=seats,
                 ratio=round(seats / max(n, 1), 2), mentors=len(sc.mentors),
                 objective=Message(f"objective.{plan.solver.objective}"),
                 status=Message(f"status.{plan.solver.status}")) + "</p>",
             f"<h2>{words('report.summary')}</h2>",
             "<p>" + words("report.placed", placed=plan.summary.placed, students=n,
                           share=Percent(plan.summary.placed / max(n, 1))) + "</p>",
             "<p>" + words("report.unmatched_split",
                           no_feasible=reasons.get("no_feasible_workplace", 0),
                           capacity=reasons.get("capacity", 0)) + "</p>",
             _table(words, frames["tier"], ("students", "placed")),
             f"<h2>{words('report.plan')}</h2>",
             _img(_rates_figure(frames, words), words("report.rates_alt")),
             '<div class="grid">']
    for dimension in ("tier", "phase", "school_type", "sector", "province"):
        frame = frames[dimension].copy()
        frame["group"] = _objects(frame, [Message("word.unknown") if g == UNKNOWN else g
                                          for g in frame["group"]])
        parts.append(f"<div><h3>{words(f'report.per_{dimension}')}</h3>"
                     f"{_table(words, frame, ('students', 'placed'))}</div>")
    parts.append("</div>")

    parts += [f"<h2>{words('report.unmatched_title')}</h2>",
              f'<p class="note">{words("report.fix_note")}</p>']
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
    if rows:
        parts.append(_table(words, pd.DataFrame(rows), ("priority", "places")))

    parts += [f"<h2>{words('report.recruitment_title')}</h2>",
              f'<p class="note">{words("report.recruitment_note")}</p>']
    frame = recruitment_frame(data.recruits, lang)
    if len(frame):
        frame["kind"] = _objects(frame, [Message(f"kind.{kind}") for kind in frame["kind"]])
        parts.append(_table(words, frame.head(30), ("students_placed", "priority_1_placed")))
        best = by_sector_and_province(data.recruits, lang)
        best["kind"] = _objects(best, [Message(f"kind.{kind}") for kind in best["kind"]])
        parts += [f"<h3>{words('report.best_per_sector')}</h3>",
                  _table(words, best,
                         ("students_placed", "priority_1_placed", "changes_with_value"))]
    else:
        parts.append(f"<p>{words('report.no_addition')}</p>")

    if data.sweep_rows is not None and len(data.sweep_rows):
        parts += [f"<h2>{words('report.sweep_title')}</h2>",
                  _catch_up_table(data.sweep_rows, words)]
        for name, fig in sweep_figures(data.sweep_rows).items():
            parts.append(_img(fig, _e(name)))
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(sc.name)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def _objects(frame: pd.DataFrame, values: list[object]) -> pd.Series:
    """A column of messages (or anything) for ``frame``."""
    return pd.Series(values, index=frame.index, dtype=object)


def _catch_up_table(rows: pd.DataFrame, words: _Words) -> str:
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
    return f'<p class="note">{words("report.catch_up_note")}</p>' + _table(
        words, pd.DataFrame(records))


def write_report(data: ReportData, out_dir: Path, lang: Lang = DEFAULT_LANG,
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
