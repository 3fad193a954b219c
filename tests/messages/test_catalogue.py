"""The catalogues are complete and consistent: every code the code base uses has a text
in every language, with the same placeholders, and no language leaks into another."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path
from typing import get_args

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from api.schemas import JobState
from matcher.analysis.changes import ChangeKind
from matcher.messages import (
    _NUMBER_LOCALES,
    LANGUAGES,
    Lang,
    Message,
    Percent,
    format_param,
    known_codes,
    read_catalogue,
    render,
)
from matcher.rules import HARD_RULES, RULE_NAMES
from models.config import Objective
from models.plan import CapacityConflict, SolverInfo, UnmatchedStudent

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for folder in ("matcher", "models", "api") for p in (ROOT / folder).rglob("*.py")]
TEMPLATES = list((ROOT / "api" / "web" / "templates").rglob("*.html"))


def _rule_codes(prefix: str) -> tuple[str, ...]:
    """The members of a family the registered rules declare (``HardRule.message_codes``)."""
    return tuple(code.removeprefix(prefix) for rule in HARD_RULES.values()
                 for code in rule.message_codes if code.startswith(prefix))


# Codes built from a value at run time, and every value they are built from.
FAMILIES: dict[str, tuple[str, ...]] = {
    "rule.": _rule_codes("rule."),
    "csv.rule.": RULE_NAMES,
    "coach.action.complete_": _rule_codes("coach.action.complete_"),
    "reason.": get_args(UnmatchedStudent.model_fields["reason"].annotation),
    "limit.": get_args(get_args(CapacityConflict.model_fields["limits"].annotation)[0]),
    "status.": get_args(SolverInfo.model_fields["status"].annotation),
    "objective.": get_args(Objective),
    "kind.": (*get_args(ChangeKind), "none"),
    "job.": get_args(JobState),
}
# Words that mark a sentence as English, or as Dutch (with spaces: whole words only).
ENGLISH = (" the ", " is not ", " must ", " workplace", " student ", " students", " programme",
           " within ", " every ", " rule", " seat", " more ", " offers ", " recognise",
           " required", " row ", " column ", " file ", " cannot ", " placed ", " with ",
           " and ", " not ")
DUTCH = (" de ", " het ", " een ", " leerwerkplek", " leerling", " opleiding", " binnen ",
         " regel", " plaats", " niet ", " geen ", " rij ", " kolom ", " erkend", " moet ",
         " van ", " en ", " met ", " zijn ", " voor ")


def _code_like() -> re.Pattern[str]:
    spaces = sorted({code.split(".")[0] for code in known_codes("en")})
    return re.compile(rf"^(?:{'|'.join(spaces)})\.[a-z0-9_.-]+$")


def _names_a_file(value: str) -> bool:
    """A module (a logger's name such as ``api.jobs``), a template or a user's file name
    (``changes.yaml``), not a message."""
    if value.endswith((".html", ".yaml", ".yml", ".json", ".csv")):
        return True
    return (ROOT / value.replace(".", "/")).with_suffix(".py").exists()


def _codes_in_sources() -> tuple[set[str], set[str]]:
    """String constants that look like a code, and the prefixes of codes built by
    f-strings (``Message(f"rule.{name}")``)."""
    pattern = _code_like()
    literal: set[str] = set()
    prefixes: set[str] = set()
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr)
                       for part in node.values}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and id(node) not in in_fstrings and pattern.match(node.value) \
                    and not _names_a_file(node.value):
                literal.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) \
                        and pattern.match(first.value + "x") and len(node.values) > 1:
                    prefixes.add(first.value)
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        literal |= {code for code in re.findall(r"""["']([a-z0-9_.-]*[a-z0-9_-])["']""", text)
                    if pattern.match(code) and not _names_a_file(code)}
        prefixes |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_.-]+\.)["']\s*~""", text))
    return literal, prefixes


def _placeholders(text: str) -> set[tuple[str, str]]:
    return {(name, spec or "") for _, name, spec, _ in string.Formatter().parse(text)
            if name is not None}


def _forms(lang: Lang) -> dict[str, tuple[str, ...]]:
    """Each code's text, or its singular and plural forms."""
    forms: dict[str, tuple[str, ...]] = {}
    for entry in read_catalogue(lang):
        if not entry.id:
            continue
        code = str(entry.id[0] if entry.pluralizable else entry.id)
        texts = entry.string
        forms[code] = (tuple(texts) if isinstance(texts, tuple | list)
                       else (str(texts),))
    return forms


def test_every_code_has_a_text_in_every_language() -> None:
    english, dutch = _forms("en"), _forms("nl")
    assert english, "no English catalogue"
    assert sorted(set(english) ^ set(dutch)) == []
    for lang, forms in (("en", english), ("nl", dutch)):
        empty = [code for code, texts in forms.items() if not all(t.strip() for t in texts)]
        assert empty == [], f"{lang}: codes without a text"


def test_placeholders_and_plural_forms_are_the_same_in_every_language() -> None:
    english, dutch = _forms("en"), _forms("nl")
    for code in english:
        assert len(english[code]) == len(dutch[code]), f"{code}: plural in one language only"
        wanted = set().union(*(_placeholders(t) for t in english[code]))
        for text in (*english[code], *dutch[code]):
            assert _placeholders(text) <= wanted, f"{code}: {text!r} has other placeholders"
        assert set().union(*(_placeholders(t) for t in dutch[code])) == wanted, code


def test_every_code_the_code_base_uses_is_in_the_catalogue() -> None:
    literal, prefixes = _codes_in_sources()
    codes = known_codes("en")
    assert sorted(literal - codes) == []
    for prefix in prefixes:
        members = FAMILIES.get(prefix)
        if members is None:  # a family the test does not enumerate: it has members at least
            assert any(code.startswith(prefix) for code in codes), prefix
            continue
        assert sorted(f"{prefix}{m}" for m in members if f"{prefix}{m}" not in codes) == []


def test_every_catalogue_entry_is_used() -> None:
    literal, prefixes = _codes_in_sources()
    unused = sorted(code for code in known_codes("en")
                    if code not in literal and not code.startswith(tuple(prefixes)))
    assert unused == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogue_files_are_kept_sorted(lang: Lang) -> None:
    codes = [str(e.id[0] if e.pluralizable else e.id) for e in read_catalogue(lang) if e.id]
    assert codes == sorted(codes)


def _example(code: str, lang: Lang) -> str:
    """The text with a neutral value in every placeholder (numbers where counted)."""
    names = {name for form in _forms("en")[code] for name, _ in _placeholders(form)}
    params = {name: 2 if name in ("count", "minimum", "maximum", "row") else "X"
              for name in names}
    return render(Message(code, **params), lang)


@pytest.mark.parametrize(("lang", "markers"), [("nl", ENGLISH), ("en", DUTCH)])
def test_no_language_leaks_into_the_other(lang: Lang, markers: tuple[str, ...]) -> None:
    leaks = {}
    for code in known_codes(lang):
        shown = f" {_example(code, lang).lower()} "
        found = [m for m in markers if m in shown]
        if found:
            leaks[code] = found
    assert leaks == {}


def test_numbers_percentages_and_dates_follow_the_language() -> None:
    import datetime as dt

    message = Message("plain.text", text=Message("report.placed", placed=12345, students=20489,
                                                 share=Percent(0.825)))
    assert render(message, "nl") == "12.345 van 20.489 leerlingen geplaatst (82,5\u00a0%)."
    assert render(message, "en") == "12,345 of 20,489 students placed (82.5%)."
    day = Message("plain.text", text=dt.date(2026, 9, 1))
    assert (render(day, "nl"), render(day, "en")) == ("01-09-2026", "2026-09-01")


def test_a_message_survives_json_as_plan_json_stores_it() -> None:
    message = Message("explain.capacity", count=2, parts=[
        Message("explain.full", which=Message("explain.which_one", workplace="W1"), count=1)])
    stored = message.to_json()
    assert Message.from_json(stored["code"], stored["params"]) == message


@given(st.integers(-(10**18), 10**18), st.sampled_from(LANGUAGES))
def test_whole_numbers_are_written_as_the_locale_writes_them(value: int, lang: Lang) -> None:
    # format_param writes counts itself (babel is slow for hundreds of them on a page)
    assert format_param(value, lang) == format_decimal(value, locale=_NUMBER_LOCALES[lang])
