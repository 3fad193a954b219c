"""Plans as CSV for spreadsheet users: one row per student, placed or not, in the
reader's language and CSV dialect (``matcher.exports``; text that a spreadsheet would
run as a formula is written as text)."""

from __future__ import annotations

from fastapi import Request

from api.schemas import PlanDocument
from matcher.exports import Cell, CsvDialect, Sheet, csv_bytes, default_dialect
from matcher.messages import DEFAULT_LANG, Lang, Message

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


def plan_csv(plan: PlanDocument, lang: Lang = DEFAULT_LANG,
             dialect: CsvDialect | None = None) -> bytes:
    """One row per student. In English (the API's CSV) the reason stays its code; in
    Dutch (the page's download) it is a label, in the Belgian Excel dialect."""
    rows: list[list[Cell]] = [
        [a.student_id, a.workplace_id, a.mentor_id, a.cost, a.breakdown.wish,
         a.breakdown.competence, a.breakdown.travel, bool(a.pinned), None, None]
        for a in plan.assignments]
    rows += [[u.student_id, None, None, None, None, None, None, False,
              u.reason if lang == "en" else Message(f"reason.{u.reason}"), u.message()]
             for u in plan.unmatched]
    sheet = Sheet("plan", tuple(f"export.col.{c}" for c in CSV_COLUMNS), list(rows))
    return csv_bytes(sheet, lang, dialect or default_dialect(lang))
