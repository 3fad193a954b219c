"""Jinja2 templates, their filters (Dutch numbers, local times, Dutch sentences) and
the Dutch words of api.web.words as template globals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.privacy import OTHER, OTHER_LABELS
from api.web.deps import CSRF_FIELD, CSRF_HEADER, WebUser
from api.web.dutch import in_dutch
from api.web.words import (
    CHANGE_LABELS_NL,
    DIMENSION_LABELS_NL,
    JOB_KINDS_NL,
    JOB_STATES_NL,
    LIMIT_LABELS_NL,
    REASON_LABELS_NL,
    RULE_LABELS_NL,
    STAGES_NL,
)

TEMPLATES = Path(__file__).parent / "templates"


def number(value: object) -> str:
    """Dutch thousands separator: 12.345."""
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)


def percent(part: int, whole: int) -> str:
    return "–" if whole == 0 else f"{100 * part / whole:.0f} %"


def _local_zone() -> dt.tzinfo:
    try:
        return ZoneInfo("Europe/Brussels")
    except ZoneInfoNotFoundError:  # no time zone data on this machine
        return dt.UTC


LOCAL_ZONE = _local_zone()


def when(value: dt.datetime | None) -> str:
    """Belgian local time, as the users read a clock."""
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(LOCAL_ZONE)
    return local.strftime("%d-%m-%Y %H:%M") + ("" if LOCAL_ZONE is not dt.UTC else " UTC")


def label_nl(value: str) -> str:
    """Group labels the engine writes in English."""
    return {"unknown": "onbekend"}.get(value, value)


templates = Jinja2Templates(directory=TEMPLATES)
templates.env.filters.update(number=number, when=when, label_nl=label_nl, nl=in_dutch)
templates.env.globals.update(
    percent=percent, rule_nl={**RULE_LABELS_NL, OTHER: OTHER_LABELS["nl"]},
    reason_nl=REASON_LABELS_NL,
    dimension_nl=DIMENSION_LABELS_NL, job_state_nl=JOB_STATES_NL,
    job_kind_nl=JOB_KINDS_NL,
    limit_nl=LIMIT_LABELS_NL, stage_nl=STAGES_NL, change_nl=CHANGE_LABELS_NL,
    csrf_field=CSRF_FIELD, csrf_header=CSRF_HEADER)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(request: Request, name: str, user: WebUser | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, {"user": user, "csrf": user.session.csrf if user else "", **context},
        status_code=status_code)
