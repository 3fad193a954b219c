"""Every word a user reads: messages as a stable code plus parameters, made into
text only at the edge (CLI, API, web page, report, exports) from one catalogue
per language.

Why: the engine decides and the edges show. A sentence written in English and
translated back with patterns leaks English wherever a pattern is missing; a
code with parameters renders in any language the catalogues know, and a test
proves that every code has a text in each of them with the same placeholders.

The catalogues are gettext ``.po`` files (``locale/{nl,en}/LC_MESSAGES/
messages.po``), the message id being the code and the text using
``str.format`` placeholders named after the parameters. An entry with a plural
form chooses it by the parameter ``count``. Parameters are formatted for the
language: whole and decimal numbers with the language's separators (Dutch:
``20.489``, ``82,5``), ``Percent`` as a percentage, dates as ``dd-mm-jjjj`` in
Dutch and ``yyyy-mm-dd`` in English, a nested ``Message`` rendered in the same
language, a list of messages joined with ``"; "``. The format spec ``plain``
prints a number as is (row numbers, years).
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import (
    format_decimal,
    format_percent,
    get_group_symbol,
    get_minus_sign_symbol,
)

from models.message import Message, Param, Percent, set_english_text

Lang = Literal["nl", "en"]
LANGUAGES: tuple[Lang, ...] = ("nl", "en")
DEFAULT_LANG: Lang = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
# Babel locales for numbers: Flemish Dutch and English.
_NUMBER_LOCALES: dict[Lang, str] = {"nl": "nl_BE", "en": "en_GB"}
_DATE_FORMATS: dict[Lang, str] = {"nl": "%d-%m-%Y", "en": "%Y-%m-%d"}


@dataclass(frozen=True)
class _Catalogue:
    texts: gettext.GNUTranslations
    entries: dict[str, bool]  # code → has plural forms


@functools.cache
def _catalogue(lang: Lang) -> _Catalogue:
    """The language's .po file, compiled in memory (no build step to forget)."""
    catalog = read_catalogue(lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    entries = {str(m.id[0] if m.pluralizable else m.id): m.pluralizable
               for m in catalog if m.id}
    return _Catalogue(gettext.GNUTranslations(buffer), entries)


def catalogue_path(lang: Lang) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def read_catalogue(lang: Lang) -> Catalog:
    with catalogue_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def known_codes(lang: Lang) -> set[str]:
    return set(_catalogue(lang).entries)


def format_param(value: Any, lang: Lang, spec: str = "") -> str:
    """One parameter as text in ``lang``."""
    if isinstance(value, Message):
        return render(value, lang)
    if isinstance(value, list | tuple):
        joiner = ", " if spec == "comma" else "; "
        return joiner.join(format_param(v, lang) for v in value)
    if isinstance(value, bool):
        return str(value)
    if spec == "plain":
        return str(value)
    if isinstance(value, int):
        return _whole_number(value, lang)
    if isinstance(value, float):
        return format_decimal(value, format="#,##0.##", locale=_NUMBER_LOCALES[lang])
    if isinstance(value, Percent):
        pattern = "#,##0" + ("." + "0" * value.decimals if value.decimals else "")
        pattern += "\u00a0%" if lang == "nl" else "%"
        return format_percent(value.share, format=pattern, locale=_NUMBER_LOCALES[lang])
    if isinstance(value, dt.date):
        return value.strftime(_DATE_FORMATS[lang])
    return str(value)


def _whole_number(value: int, lang: Lang) -> str:
    """``format_decimal(value)`` of the language's locale (groups of three digits with
    its group and minus signs), some 50 times faster: a page shows hundreds of counts."""
    group, minus = _number_symbols(lang)
    digits = f"{abs(value):,}".replace(",", group)
    return minus + digits if value < 0 else digits


@functools.cache
def _number_symbols(lang: Lang) -> tuple[str, str]:
    locale = _NUMBER_LOCALES[lang]
    return get_group_symbol(locale), get_minus_sign_symbol(locale)


def render(message: Message, lang: Lang) -> str:
    """The message as text in ``lang``; a code a catalogue lacks falls back to English,
    and a code no catalogue knows shows as itself (never an error for the user)."""
    for attempt in (lang, DEFAULT_LANG):
        catalogue = _catalogue(attempt)
        plural = catalogue.entries.get(message.code)
        if plural is None:
            continue
        if plural:
            count = message.params.get("count", 0)
            number = int(count) if isinstance(count, int | float) else 0
            text = catalogue.texts.ngettext(message.code, message.code, number)
        else:
            text = catalogue.texts.gettext(message.code)
        return "".join(
            part if name is None else format_param(message.params[name], attempt, spec)
            for part, name, spec in _template(text))
    return message.code


@functools.lru_cache(maxsize=4096)
def _template(text: str) -> tuple[tuple[str, str | None, str], ...]:
    """A catalogue text split once into literal parts and ``{name:spec}`` fields
    (rendering thousands of located problems formats the same few texts)."""
    parts: list[tuple[str, str | None, str]] = []
    for literal, name, spec, _ in string.Formatter().parse(text):
        if literal:
            parts.append((literal, None, ""))
        if name is not None:
            parts.append(("", name, spec or ""))
    return tuple(parts)


def text(code: str, lang: Lang, /, **params: Param) -> str:
    """Shorthand for ``render(Message(code, **params), lang)`` (headings, labels)."""
    return render(Message(code, **params), lang)


set_english_text(lambda message: render(message, DEFAULT_LANG))


def parse_lang(value: str | None) -> Lang | None:
    """``nl``/``en`` (any case, with a region such as ``nl-BE``), or None."""
    if not value:
        return None
    base = value.strip().lower().replace("_", "-").split("-")[0]
    return next((lang for lang in LANGUAGES if lang == base), None)


def accepted_lang(header: str | None, default: Lang = DEFAULT_LANG) -> Lang:
    """The first supported language of an ``Accept-Language`` header, by weight."""
    if not header:
        return default
    choices: list[tuple[float, int, Lang]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        lang = parse_lang(tag)
        if lang is not None and weight > 0:
            choices.append((-weight, position, lang))
    return min(choices)[2] if choices else default


__all__ = [
    "DEFAULT_LANG",
    "LANGUAGES",
    "Lang",
    "Message",
    "Param",
    "Percent",
    "accepted_lang",
    "format_param",
    "known_codes",
    "parse_lang",
    "read_catalogue",
    "render",
    "text",
]
