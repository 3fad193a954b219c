"""Jinja2 templates and the Dutch words the pages use for the engine's names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.web.deps import CSRF_FIELD, CSRF_HEADER, WebUser

TEMPLATES = Path(__file__).parent / "templates"

RULE_LABELS_NL = {
    "recognised_for_programme": "geen geldige erkenning voor de opleiding",
    "placement_type": "niet het nodige soort plaats (OAO-contract of begeleide leerervaring)",
    "grade": "neemt geen leerlingen van de 2de graad",
    "adjustments": "biedt een nodige redelijke aanpassing niet",
    "travel": "verder dan de maximale reistijd",
    "dutch_level": "vraagt een hoger niveau Nederlands, zonder taalondersteuning",
    "min_age": "minimumleeftijd niet bereikt",
    "excluded": "uitgesloten voor deze leerling",
}
REASON_LABELS_NL = {
    "no_feasible_workplace": "geen toegelaten leerwerkplek",
    "capacity": "toegelaten plaatsen zijn vol",
}
COST_LABELS_NL = {"wish": "wens", "competence": "competenties", "travel": "reistijd"}
DIMENSION_LABELS_NL = {"tier": "Prioriteit", "sector": "Sector", "province": "Provincie"}
JOB_STATES_NL = {"queued": "in de wachtrij", "running": "bezig", "done": "klaar",
                 "failed": "mislukt", "cancelled": "geannuleerd"}
LIMIT_LABELS_NL = {"seats": "plaatsen", "mentor": "mentor", "intensive_support":
                   "intensieve ondersteuning"}


def number(value: object) -> str:
    """Dutch thousands separator: 12.345."""
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)


def percent(part: int, whole: int) -> str:
    return "–" if whole == 0 else f"{100 * part / whole:.0f} %"


def when(value: dt.datetime | None) -> str:
    if value is None:
        return "–"
    return value.astimezone(dt.UTC).strftime("%d-%m-%Y %H:%M UTC")


templates = Jinja2Templates(directory=TEMPLATES)
templates.env.filters.update(number=number, when=when)
templates.env.globals.update(
    percent=percent, rule_nl=RULE_LABELS_NL, reason_nl=REASON_LABELS_NL,
    cost_nl=COST_LABELS_NL, dimension_nl=DIMENSION_LABELS_NL, job_state_nl=JOB_STATES_NL,
    limit_nl=LIMIT_LABELS_NL, csrf_field=CSRF_FIELD, csrf_header=CSRF_HEADER)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(request: Request, name: str, user: WebUser | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, {"user": user, "csrf": user.session.csrf if user else "", **context},
        status_code=status_code)
