"""Jinja2 templates and the Dutch words the pages use for the engine's names."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
DIMENSION_LABELS_NL = {"tier": "Prioriteit", "sector": "Sector van de opleiding",
                       "province": "Provincie (woonplaats)"}
JOB_STATES_NL = {"queued": "in de wachtrij", "running": "bezig", "done": "klaar",
                 "failed": "mislukt", "cancelled": "geannuleerd"}
STAGES_NL = {
    "Queued": "wacht op een vrije rekenkern", "Starting": "wordt gestart",
    "Reading the scenario": "scenario inlezen",
    "Finding allowed student–workplace pairs": "toegelaten combinaties zoeken",
    "Solving (flow)": "beste plan zoeken", "Solving (cpsat)": "beste plan zoeken (CP-SAT)",
    "Explaining unmatched students": "niet-geplaatste leerlingen verklaren",
    "Storing the plan": "plan bewaren", "Done": "klaar",
    "Done (stored result reused)": "klaar (eerder resultaat hergebruikt)",
    "Cancelled": "geannuleerd", "Failed": "mislukt",
}
LIMIT_LABELS_NL = {"seats": "plaatsen", "mentor": "mentor", "intensive_support":
                   "intensieve ondersteuning"}


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
templates.env.filters.update(number=number, when=when, label_nl=label_nl)
templates.env.globals.update(
    percent=percent, rule_nl=RULE_LABELS_NL, reason_nl=REASON_LABELS_NL,
    cost_nl=COST_LABELS_NL, dimension_nl=DIMENSION_LABELS_NL, job_state_nl=JOB_STATES_NL,
    limit_nl=LIMIT_LABELS_NL, stage_nl=STAGES_NL, csrf_field=CSRF_FIELD, csrf_header=CSRF_HEADER)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(request: Request, name: str, user: WebUser | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request, name, {"user": user, "csrf": user.session.csrf if user else "", **context},
        status_code=status_code)
