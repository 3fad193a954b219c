"""One self-contained HTML page for the consultant: the plan, placement per
group, every unmatched student with the reason and a verified fix, and the
recruitment list.

Why one file: it is mailed and opened offline, so plots are inline base64 PNG
and the style is inline; nothing is fetched.

Privacy: this is a consultant-only artefact, and its header says so
(``AUDIENCE``): it names every unmatched student next to their priority, the
engine's explanation (which can say a student waits on the intensive-support
limit, or that an adjustment rule closes a workplace) and a fix. Adjustment
codes and intensive-support flags themselves never appear (fixes and
recruitment items say "the reasonable adjustment needed"); groups are shown as
counts only. The service gives it to consultants only; coaches read the
coach-view policy's explanations (``api.privacy``) instead.
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
from matcher.analysis.groups import PROVINCE_NAMES, student_groups
from matcher.analysis.marginal import (
    Recruit,
    by_sector_and_province,
    recruitment_frame,
    recruitment_list,
)
from matcher.analysis.metrics import plan_rows
from matcher.analysis.plots import png_base64, sweep_figures
from matcher.analysis.summary import catch_up
from matcher.csv_cells import text_frame
from matcher.pipeline import SolveRun

# Said at the top of the page, in the users' language and in the report's.
AUDIENCE = ("Alleen voor de sectorconsulent: dit rapport noemt leerlingen met hun prioriteit "
            "en met redenen die een ondersteuningsnood kunnen verraden. Geef het niet door aan "
            "trajectbegeleiders, scholen of werkgevers. / Consultant only: this report names "
            "students with their priority and with reasons that can reveal a support need. "
            "Do not pass it on to coaches, schools or employers.")
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


def _table(frame: pd.DataFrame, numeric: tuple[str, ...] = ()) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            text = f"{value:.1%}" if column == "rate" else _e(value)
            cls = ' class="n"' if column in numeric or column == "rate" else ""
            cells.append(f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _img(fig: Figure, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{png_base64(fig)}">'


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


def _rates_figure(frames: dict[str, pd.DataFrame]) -> Figure:
    fig = Figure(figsize=(11, 3.4), layout="constrained")
    axes = fig.subplots(1, 3, width_ratios=(1, 3, 2))
    for ax, dimension, title in zip(axes, ("tier", "sector", "province"),
                                    ("per priority", "per sector", "per province"),
                                    strict=True):
        frame = frames[dimension]
        ax.bar(frame["group"].astype(str), frame["rate"], color="#2980b9")
        ax.set_ylim(0, 1)
        ax.set_title(f"Placement rate {title}", fontsize=9)
        ax.tick_params(axis="x", labelrotation=60, labelsize=7)
        ax.tick_params(axis="y", labelsize=7)
        ax.grid(True, axis="y", alpha=0.3)
    return fig


def render(data: ReportData) -> str:
    """The HTML page."""
    run, sc, plan = data.run, data.run.scenario, data.run.plan
    seats = int(sc.workplaces.seats.sum())
    n = len(sc.students)
    frames = _group_frames(run)
    parts = [f'<p class="audience" role="note"><strong>{_e(AUDIENCE)}</strong></p>',
             f"<h1>{_e(sc.name)}</h1>",
             f'<p class="note">Report of {dt.date.today().isoformat()}: {n} students, '
             f"{len(sc.workplaces)} workplaces with {seats} seats "
             f"({seats / max(n, 1):.2f} seats per student), {len(sc.mentors)} mentors. "
             f"Objective {_e(plan.solver.objective)}, solution {_e(plan.solver.status)}.</p>",
             "<h2>Plan</h2>",
             f"<p><b>{plan.summary.placed}</b> of {n} students placed "
             f"({plan.summary.placed / max(n, 1):.1%}).</p>",
             _img(_rates_figure(frames), "placement rates per group"),
             '<div class="grid">']
    titles = {"tier": "Per priority (1 = most protected)", "phase": "Per phase",
              "school_type": "Per school type", "sector": "Per sector (of the programme)",
              "province": "Per province (home)"}
    for dimension in ("tier", "phase", "school_type", "sector", "province"):
        parts.append(f"<div><h3>{titles[dimension]}</h3>"
                     f"{_table(frames[dimension], ('students', 'placed'))}</div>")
    parts.append("</div>")

    reasons = Counter(u.reason for u in plan.unmatched)
    parts += ["<h2>Unmatched students, why, and the cheapest fix</h2>",
              "<p>" + (", ".join(f"{count} {_e(reason)}" for reason, count in
                                 sorted(reasons.items())) or "none") + ".</p>",
              '<p class="note">Each fix is one change, applied to the scenario and solved '
              "again: it places the student without unplacing any student of higher "
              "priority. Sorted by how many unmatched students the same change places.</p>"]
    details = {u.student_id: u for u in plan.unmatched}
    rows = []
    for row in fix_rows(sc, data.fixes, private=True):
        u = details[str(row["student_id"])]
        also = row["also_places"]
        rows.append({"student": row["student_id"], "priority": row["priority"],
                     "reason": u.reason, "why": u.detail, "cheapest fix": row["fix"],
                     "places": row["places"],
                     "also places": ", ".join(str(x) for x in also)  # type: ignore[attr-defined]
                     })
    if rows:
        parts.append(_table(pd.DataFrame(rows), ("priority", "places")))

    parts += ["<h2>Recruitment list</h2>",
              '<p class="note">Single additions that place the most students (exact '
              "re-solves), most students first, then most priority-1 students.</p>"]
    frame = recruitment_frame(data.recruits)
    if len(frame):
        parts.append(_table(frame.head(30), ("students_placed", "priority_1_placed")))
        parts += ["<h3>Best addition per sector and province</h3>",
                  _table(by_sector_and_province(data.recruits),
                         ("students_placed", "priority_1_placed", "changes_with_value"))]
    else:
        parts.append("<p>No single addition places another student.</p>")

    if data.sweep_rows is not None and len(data.sweep_rows):
        parts += ["<h2>More workplaces than students: the ratio sweep</h2>",
                  _catch_up_table(data.sweep_rows)]
        for name, fig in sweep_figures(data.sweep_rows).items():
            parts.append(_img(fig, name))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(sc.name)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def _catch_up_table(rows: pd.DataFrame) -> str:
    everyone = catch_up(rows)
    feasible = catch_up(rows, dimension="sector_tier_feasible")
    records = []
    sectors = {s for by_sector in everyone.values() for s in by_sector}
    for sector in sorted(sectors, key=lambda s: (s != "all", s)):
        record: dict[str, object] = {"sector": sector}
        for label, answers in (("all students", everyone), ("with an allowed workplace",
                                                             feasible)):
            for objective, by_sector in answers.items():
                ratio = by_sector.get(sector, {}).get("catch_up_ratio")
                record[f"{objective}, {label}"] = ("not within the sweep" if ratio is None
                                                   else f"{ratio:g}")
        records.append(record)
    return ('<p class="note">Seats per student from which priority-1 students are placed '
            "at least as well as the others (within 1 percentage point, at that ratio and "
            "every larger one), by objective; over all students, and over students with "
            "at least one allowed workplace (crowding out).</p>" + _table(pd.DataFrame(records)))


def write_report(data: ReportData, out_dir: Path) -> list[Path]:
    """``report.html``, plus ``fixes.csv`` and ``recruitment.csv`` for spreadsheets."""
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "report.html"
    page.write_text(render(data), encoding="utf-8")
    fixes = out_dir / "fixes.csv"
    frame = pd.DataFrame(fix_rows(data.run.scenario, data.fixes, private=True),
                         columns=["student_id", "priority", "fix", "kind", "places",
                                  "also_places"])
    frame["also_places"] = [";".join(map(str, x)) for x in frame["also_places"]]
    text_frame(frame).to_csv(fixes, index=False, lineterminator="\n")
    recruitment = out_dir / "recruitment.csv"
    text_frame(recruitment_frame(data.recruits)).to_csv(recruitment, index=False,
                                                        lineterminator="\n")
    return [page, fixes, recruitment]

