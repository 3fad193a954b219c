"""The engine's explanations in Dutch, for the web page.

plan.json and the API keep the engine's English sentences (the contract's
``detail``); the page shows them in the users' language. Each sentence form
the engine writes (``matcher.explain``, ``matcher.analysis.changes``) has one
pattern here (a coach's sentences come in Dutch from ``api.privacy``); a
sentence no pattern knows is shown as it is, and the tests translate every
explanation of the shipped scenarios, so a new engine sentence without a Dutch
form is caught.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from api.web.words import RULE_LABELS_NL
from matcher.rules import RULE_LABELS

Match = re.Match[str]

UNKNOWN_FIELD_NL = {
    "a minimum Dutch level is asked and the student's level is unknown (fill in dutch_level)":
        "er wordt een minimumniveau Nederlands gevraagd en het niveau van de leerling is "
        "onbekend (vul dutch_level in)",
    "a minimum age is set and the student's birth date is unknown (fill in birth_date)":
        "er geldt een minimumleeftijd en de geboortedatum van de leerling is onbekend "
        "(vul birth_date in)",
}
FIXED_NL = {
    "no single change places this student": "geen enkele wijziging op zich volstaat om deze "
                                            "leerling te plaatsen",
    # reading a scenario (matcher.io, api.scenario_store)
    "a value is required": "hier is een waarde verplicht",
    "this setting is required": "deze instelling is verplicht",
    "file not found": "dit bestand ontbreekt: scenario.yaml verwijst ernaar, kies het mee",
    "this file was uploaded more than once": "dit bestand is meer dan eens gekozen",
    "the upload needs a scenario.yaml (or scenario.json) naming the tables":
        "kies ook scenario.yaml (of scenario.json) die de tabellen noemt, of één "
        "Excel-werkboek met een blad 'scenario'",
    "a location is required: columns lat and lon, or a column postcode":
        "een ligging is verplicht: de kolommen lat en lon, of een kolom postcode",
    "upload files by their plain name, without folders":
        "kies de bestanden zelf, zonder mappen",
    # limits of the service (matcher.io.limits, api.scenario_store)
    "nested too deeply to be read; a scenario document holds settings and tables of records":
        "te diep genest om te lezen; een scenario bevat instellingen en tabellen",
    "the file name contains a control character; rename the file":
        "de bestandsnaam bevat een stuurteken; geef het bestand een andere naam",
    # a scenario in one workbook (matcher.io.workbook)
    "the workbook needs a sheet 'scenario' with columns setting and value (format_version, "
    "reference_date, …)":
        "het werkboek heeft een blad 'scenario' nodig met de kolommen setting en value "
        "(format_version, reference_date, …)",
    "the first row must name the columns setting and value":
        "de eerste rij moet de kolommen setting en value noemen",
    "two sheets have this name": "twee bladen hebben deze naam",
    "the tables are the workbook's sheets; remove the tables settings":
        "de tabellen zijn de bladen van het werkboek; verwijder de instellingen tables",
}
HINTS_NL = [
    (re.compile(r" \(found '(.+)': remove spaces and use lower case\)$"),
     r" (gevonden: '\1': haal de spaties weg en gebruik kleine letters)"),
    (re.compile(r" \(did you mean '(.+)'\?\)$"), r" (bedoel je '\1'?)"),
]


def _with_hint(base: str, hint: str) -> str:
    for pattern, dutch in HINTS_NL:
        if pattern.fullmatch(hint):
            return base + pattern.sub(dutch, hint)
    return base + hint


def _number(english: str) -> str:
    """1,000,000 as a Fleming writes it: 1.000.000."""
    return english.replace(",", ".")


def _plural(n: str, one: str, more: str) -> str:
    return one if n == "1" else more


def _rule(text: str) -> str:
    if text in UNKNOWN_FIELD_NL:
        return UNKNOWN_FIELD_NL[text]
    for rule, label in RULE_LABELS.items():
        if text == label:
            return RULE_LABELS_NL[rule]
    return text


def _workplaces(n: str) -> str:
    return f"{n} {_plural(n, 'leerwerkplek', 'leerwerkplekken')}"


def _which(text: str) -> tuple[str, bool]:
    """'W24' or '3 of them (W1, W2, W3)', and whether it is more than one."""
    group = re.fullmatch(r"(\d+) of them \((.+)\)", text)
    if group:
        return f"{group.group(1)} ervan ({group.group(2)})", True
    return text, False


def _capacity_part(part: str) -> str:
    full = re.fullmatch(r"(.+?) (?:is|are) full with students this plan places there", part)
    if full:
        which, many = _which(full.group(1))
        return (f"{which} {'zijn' if many else 'is'} al volzet door andere leerlingen in "
                "dit plan")
    limited = re.fullmatch(r"at (.+?) every mentor already supervises the maximum of (\d+) "
                           r"intensive-support students?", part)
    if limited:
        which, _ = _which(limited.group(1))
        n = limited.group(2)
        return (f"bij {which} begeleidt elke mentor al het maximum van {n} "
                f"{_plural(n, 'leerling', 'leerlingen')} met intensieve ondersteuning")
    never = re.fullmatch(r"(.+?) (?:has|have) no free seat or mentor at all", part)
    if never:
        which, many = _which(never.group(1))
        return f"{which} {'hebben' if many else 'heeft'} helemaal geen vrije plaats of mentor"
    return part


def _capacity(m: Match) -> str:
    n = m.group(1)
    parts = "; ".join(_capacity_part(p) for p in m.group(2).split("; "))
    return f"{_workplaces(n)} {_plural(n, 'voldoet', 'voldoen')} aan elke regel, maar {parts}"


PATTERNS: list[tuple[re.Pattern[str], Callable[[Match], str]]] = [
    (re.compile(r"no workplace holds a valid recognition for programme (.+)"),
     lambda m: f"geen enkele leerwerkplek heeft een geldige erkenning voor de opleiding "
               f"{m.group(1)}"),
    (re.compile(r"(\d+) workplaces? within (\d+) min recognised for programme (\S+) "
                r"\((.*)\) would fit except for one rule: (.+)"),
     lambda m: f"{_workplaces(m.group(1))} binnen {m.group(2)} min, erkend voor "
               f"{m.group(3)} ({m.group(4)}), {_plural(m.group(1), 'zou', 'zouden')} passen "
               f"op één regel na: {_rule(m.group(5))}"),
    (re.compile(r"no workplace within (\d+) min is suitable for programme (\S+); (\d+) "
                r"further away would be, the nearest (\d+) min away"),
     lambda m: f"geen leerwerkplek binnen {m.group(1)} min past voor {m.group(2)}; "
               f"{m.group(3)} verder weg wel, de dichtste op {m.group(4)} min"),
    (re.compile(r"no workplace within (\d+) min is recognised for programme (\S+); the "
                r"nearest is (\d+) min away"),
     lambda m: f"geen leerwerkplek binnen {m.group(1)} min is erkend voor {m.group(2)}; "
               f"de dichtste ligt op {m.group(3)} min"),
    (re.compile(r"each of the (\d+) workplaces? within (\d+) min recognised for programme "
                r"(\S+) breaks two or more rules; the most common: (.+)"),
     lambda m: f"elk van de {_workplaces(m.group(1))} binnen {m.group(2)} min, erkend voor "
               f"{m.group(3)}, breekt twee of meer regels; het vaakst: {_rule(m.group(4))}"),
    (re.compile(r"(\d+) workplaces? pass(?:es)? every rule, but (.+)"), _capacity),
    # reading a scenario (matcher.io.parse)
    (re.compile(r"required column is missing(.*)"),
     lambda m: _with_hint("verplichte kolom ontbreekt", m.group(1))),
    (re.compile(r"('.*') is a duplicate; it is already used in row (\d+)"),
     lambda m: f"{m.group(1)} komt dubbel voor; het staat al in rij {m.group(2)}"),
    (re.compile(r"('.*') is not a yes/no value \((.+)\)"),
     lambda m: f"{m.group(1)} is geen ja/nee-waarde ({m.group(2)})"),
    (re.compile(r"('.*') is not a whole number"), lambda m: f"{m.group(1)} is geen geheel getal"),
    (re.compile(r"('.*') must be at least (\S+)"),
     lambda m: f"{m.group(1)} moet minstens {m.group(2)} zijn"),
    (re.compile(r"('.*') is not a number"), lambda m: f"{m.group(1)} is geen getal"),
    (re.compile(r"('.*') is not a date YYYY-MM-DD"),
     lambda m: f"{m.group(1)} is geen datum in de vorm JJJJ-MM-DD"),
    (re.compile(r"('.*') is not a real date \(YYYY-MM-DD\)"),
     lambda m: f"{m.group(1)} is geen bestaande datum (JJJJ-MM-DD)"),
    (re.compile(r"('.*') is not a CEFR level \((.+)\)"),
     lambda m: f"{m.group(1)} is geen ERK-niveau ({m.group(2)})"),
    (re.compile(r"('.*') is not one of (.+)"),
     lambda m: f"{m.group(1)} is geen geldige waarde; kies uit {m.group(2)}"),
    (re.compile(r"unsupported file type (\S+); use \.csv, \.xlsx or \.parquet"),
     lambda m: f"dit soort bestand ({m.group(1)}) wordt niet gelezen: kies .csv, .xlsx of "
               ".parquet"),
    (re.compile(r"not a table of a scenario; sheets are named (.+)"),
     lambda m: f"geen tabel van een scenario; de bladen heten {m.group(1)}"),
    (re.compile(r"cannot be read as an Excel workbook: (.+)"),
     lambda m: f"kan niet gelezen worden als Excel-werkboek: {m.group(1)}"),
    (re.compile(r"setting ('.+') appears more than once"),
     lambda m: f"instelling {m.group(1)} staat er meer dan eens"),
    # ids and limits of the service (matcher.io.parse, matcher.io.limits, api.scenario_store)
    (re.compile(r"('.*') contains '/', which an id may not contain"),
     lambda m: f"{m.group(1)} bevat '/', en dat mag niet in een id"),
    (re.compile(r"('.*') contains a control character \(such as a tab or a NUL byte\)"),
     lambda m: f"{m.group(1)} bevat een stuurteken (zoals een tab of een NUL-byte)"),
    (re.compile(r"the table has more than ([\d,]+) (rows|records), the most this service "
                r"accepts(; split it or ask the administrator)?"),
     lambda m: f"de tabel heeft meer dan {_number(m.group(1))} rijen, meer dan deze dienst "
               "aanvaardt; splits de tabel of vraag het de beheerder"),
    (re.compile(r"the table reaches row ([\d,]+) and (column (\S+)|([\d,]+) columns): more "
                r"than ([\d,]+) cells, the most this service reads; delete the empty rows "
                r"and columns beyond the table"),
     lambda m: f"de tabel loopt tot rij {_number(m.group(1))} en "
               + (f"kolom {m.group(3)}" if m.group(3) else f"{_number(m.group(4))} kolommen")
               + f": meer dan {_number(m.group(5))} cellen, meer dan deze dienst leest; "
               "verwijder de lege rijen en kolommen naast en onder de tabel"),
    (re.compile(r"nested more than (\d+) levels deep; a scenario document holds settings "
                r"and tables of records"),
     lambda m: f"meer dan {m.group(1)} niveaus diep genest; een scenario bevat instellingen "
               "en tabellen"),
    (re.compile(r"holds more than ([\d,]+) lists and records \(are YAML aliases repeating "
                r"each other\?\)"),
     lambda m: f"bevat meer dan {_number(m.group(1))} lijsten en records (herhalen "
               "YAML-aliassen elkaar?)"),
    (re.compile(r"a part of the workbook \((.+)\) unpacks to ([\d,]+) MB, more than the "
                r"([\d,]+) MB this service reads"),
     lambda m: f"een deel van het werkboek ({m.group(1)}) is uitgepakt {_number(m.group(2))} "
               f"MB groot, meer dan de {_number(m.group(3))} MB die deze dienst leest"),
    (re.compile(r"the file name is longer than (\d+) characters; rename the file"),
     lambda m: f"de bestandsnaam is langer dan {m.group(1)} tekens; geef het bestand een "
               "kortere naam"),
    # fixes (matcher.analysis.changes.Change.describe)
    (re.compile(r"one more seat at (\S+)"), lambda m: f"één plaats extra bij {m.group(1)}"),
    (re.compile(r"one more mentor slot at (\S+)"),
     lambda m: f"één mentorplaats extra bij {m.group(1)}"),
    (re.compile(r"(\S+) offers the reasonable adjustment needed"),
     lambda m: f"{m.group(1)} biedt de nodige redelijke aanpassing"),
    (re.compile(r"(\S+) offers adjustment '(.+)'"),
     lambda m: f"{m.group(1)} biedt de aanpassing '{m.group(2)}'"),
    (re.compile(r"recognise (\S+) for programme (\S+)( \(and its expired recognition "
                r"renewed\))?"),
     lambda m: f"{m.group(1)} erkennen voor {m.group(2)}"
               + (" (en de verlopen erkenning vernieuwen)" if m.group(3) else "")),
    (re.compile(r"(\d+) more travel minutes for (\S+)"),
     lambda m: f"{m.group(1)} minuten meer reistijd toelaten voor {m.group(2)}"),
    (re.compile(r"one more workplace like (\S+)"),
     lambda m: f"nog een leerwerkplek zoals {m.group(1)}"),
]


def in_dutch(sentence: str) -> str:
    """The sentence in Dutch, or unchanged when no pattern knows it."""
    if sentence in FIXED_NL:
        return FIXED_NL[sentence]
    for pattern, render in PATTERNS:
        found = pattern.fullmatch(sentence)
        if found:
            return render(found)
    return sentence
