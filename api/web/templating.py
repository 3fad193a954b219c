"""Jinja2 templates and what they need to speak the user's language: ``t(code, …)``
for a catalogue text, the ``msg`` filter for an engine message, numbers, percentages
and local times in the page's language (Dutch unless the user switched to English)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from api import job_texts
from api.web.deps import CSRF_FIELD, CSRF_HEADER, WebUser
from matcher.messages import Lang, Message, Param, Percent, format_param, parse_lang
from matcher.messages import render as render_message
from models.config import Objective
from models.plan import Backend

TEMPLATES = Path(__file__).parent / "templates"
PAGE_LANG: Lang = "nl"  # the users' language; English is a switch away
LANG_COOKIE = "matcher_lang"


def page_lang(request: Request) -> Lang:
    """``?lang=`` of this request, else the user's earlier choice, else Dutch."""
    return (parse_lang(request.query_params.get("lang"))
            or parse_lang(request.cookies.get(LANG_COOKIE)) or PAGE_LANG)


def _lang(context: Context) -> Lang:
    lang = context.get("lang")
    return lang if lang in ("nl", "en") else PAGE_LANG


@pass_context
def t(context: Context, code: str, **params: Param) -> str:
    return render_message(Message(code, **params), _lang(context))


@pass_context
def msg(context: Context, message: Message | str) -> str:
    if isinstance(message, Message):
        return render_message(message, _lang(context))
    return message


@pass_context
def number(context: Context, value: object) -> str:
    """Thousands and decimals as the language writes them: 12.345 and 2,5 in Dutch."""
    if isinstance(value, float):
        return format_param(round(value, 1), _lang(context))
    if isinstance(value, int) and not isinstance(value, bool):
        return format_param(value, _lang(context))
    return str(value)


@pass_context
def percent(context: Context, part: int, whole: int) -> str:
    return "–" if whole == 0 else format_param(Percent(part / whole, 0), _lang(context))


def _local_zone() -> dt.tzinfo:
    try:
        return ZoneInfo("Europe/Brussels")
    except ZoneInfoNotFoundError:  # no time zone data on this machine
        return dt.UTC


LOCAL_ZONE = _local_zone()


@pass_context
def when(context: Context, value: dt.datetime | None) -> str:
    """Belgian local time, as the users read a clock."""
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(LOCAL_ZONE)
    day = "%d-%m-%Y" if _lang(context) == "nl" else "%Y-%m-%d"
    return local.strftime(f"{day} %H:%M") + ("" if LOCAL_ZONE is not dt.UTC else " UTC")


@pass_context
def group_label(context: Context, value: str) -> str:
    """Group labels of the analysis: 'unknown' in the page's language."""
    return t(context, "word.unknown") if value == "unknown" else value


@pass_context
def stage(context: Context, value: str | None) -> str:
    """A job's stage, as stored (a catalogue code), in the page's language."""
    message = job_texts.stage_message(value)
    return render_message(message, _lang(context)) if message else ""


@pass_context
def job_error(context: Context, value: str | None) -> str:
    """Why a job failed, as stored (a message as JSON), in the page's language."""
    message = job_texts.error_message(value)
    return render_message(message, _lang(context)) if message else ""


def msg_of(code: str, **params: Param) -> Message:
    """A catalogue message to pass as another message's parameter."""
    return Message(code, **params)


@pass_context
def ratio(context: Context, part: int, whole: int) -> str:
    """Up to two decimals, as the language writes them (1,5 in Dutch)."""
    return format_param(round(part / whole, 2), _lang(context)) if whole else "–"


def messages(prefix: str, values: list[str]) -> list[Message]:
    """Catalogue messages named by a prefix and values: ``limit.seats``, ``limit.mentor``."""
    return [Message(prefix + value) for value in values]


def sentence(text: str) -> str:
    """A message as a sentence on its own: a capital first and a full stop at the end."""
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


# The words of the solve form's choices: one per objective and backend of the models'
# vocabulary (tests/test_registries.py holds them to it), in the order shown.
OBJECTIVE_WORDS: dict[Objective, str] = {"priority-first": "web.priority_first",
                                         "placements-first": "web.placements_first"}
BACKEND_WORDS: dict[Backend, str] = {"flow": "web.method_flow", "lemon": "web.method_lemon",
                                     "cpsat": "web.method_cpsat"}

templates = Jinja2Templates(directory=TEMPLATES)
# the templates ship with the package: no need to look at their files' times per page
templates.env.auto_reload = False
templates.env.filters.update(number=number, when=when, label=group_label, msg=msg, stage=stage,
                             job_error=job_error,                              sentence=sentence)
templates.env.globals.update(t=t, percent=percent, ratio=ratio, messages=messages,
                             msg_of=msg_of, csrf_field=CSRF_FIELD,
                             csrf_header=CSRF_HEADER, objective_words=OBJECTIVE_WORDS,
                             backend_words=BACKEND_WORDS)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def render(request: Request, name: str, user: WebUser | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    lang = page_lang(request)
    response = templates.TemplateResponse(
        request, name, {"user": user, "csrf": user.session.csrf if user else "", "lang": lang,
                        **context},
        status_code=status_code)
    chosen = parse_lang(request.query_params.get("lang"))
    if chosen is not None:  # the language switch: remembered for the next pages
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax",
                            httponly=True)
    return response
