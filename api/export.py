"""Plans as CSV for spreadsheet users: one row per student, placed or not, in the
reader's language (``Accept-Language``; the web page's own) and CSV dialect (the query
parameter ``csv_dialect``; by default the language's). The table itself is
``matcher.exports`` (names next to ids; text a spreadsheet would run as a formula
written as text), built from the names the reader may see (``api.views.export_names``:
a coach's have no priority)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from api.schemas import PlanDocument
from matcher.csv_dialects import CsvDialect, default_dialect
from matcher.exports import (
    Names,
    conflicts_table,
    csv_text,
    plan_table,
)
from matcher.messages import Lang
from models.plan import Plan

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CsvDialectQuery = Annotated[CsvDialect | None, Query(
    description="CSV only: `excel-be` (`;`, decimal comma, UTF-8 with BOM: Belgian Excel) or "
                "`comma` (`,`, decimal point, UTF-8); default: `excel-be` for Dutch, `comma` "
                "for English.")]


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


def plan_csv(plan: PlanDocument, names: Names, lang: Lang, dialect: CsvDialect | None
             ) -> Response:
    table = plan_table(plan, names, lang)
    return Response(csv_text(table, lang, dialect or default_dialect(lang), lineterminator="\n"),
                    media_type=CSV_MEDIA_TYPE)


def conflicts_csv(plan: Plan, names: Names, lang: Lang, dialect: CsvDialect | None
                  ) -> Response:
    """Consultants only: the existing placements a plan keeps although they break a rule
    or a limit."""
    table = conflicts_table(plan, names)
    return Response(csv_text(table, lang, dialect or default_dialect(lang), lineterminator="\n"),
                    media_type=CSV_MEDIA_TYPE)
