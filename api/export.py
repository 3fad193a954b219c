"""Plans as CSV for spreadsheet users: one row per student, placed or not (text that a
spreadsheet would run as a formula is written as text: ``matcher.csv_cells``)."""

from __future__ import annotations

import csv
import io

from fastapi import Request

from api.schemas import PlanDocument
from matcher.csv_cells import text_cells

CSV_COLUMNS = ["student_id", "workplace_id", "mentor_id", "cost", "wish", "competence", "travel",
               "pinned", "unmatched_reason", "unmatched_detail"]
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def wants_csv(request: Request) -> bool:
    """True when the Accept header prefers text/csv to JSON (JSON is the default)."""
    best, best_q = "application/json", -1.0
    for position, part in enumerate(request.headers.get("accept", "").split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media in ("text/csv", "application/json") and q > best_q:
            best, best_q = media, q - position * 1e-6  # equal q: the first listed wins
    return best == "text/csv"


def plan_csv(plan: PlanDocument) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(text_cells(
        [a.student_id, a.workplace_id, a.mentor_id or "", a.cost, a.breakdown.wish,
         a.breakdown.competence, a.breakdown.travel, "true" if a.pinned else "false", "", ""]
        for a in plan.assignments))
    writer.writerows(text_cells(
        [u.student_id, "", "", "", "", "", "", "false", u.reason, u.detail]
        for u in plan.unmatched))
    return out.getvalue()
