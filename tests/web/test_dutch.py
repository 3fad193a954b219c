"""Every explanation and fix the engine writes for the shipped scenarios reads in Dutch
on the page."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from api.scenario_store import file_name_problem
from api.web.dutch import in_dutch
from matcher.analysis.fixes import cheapest_fixes, fix_rows
from matcher.io import load_scenario
from matcher.io.limits import (
    TableLimits,
    TooLargeError,
    check_workbook_archive,
    too_deep,
    too_many_cells,
    too_many_rows,
)
from matcher.io.parse import id_problem
from matcher.pipeline import SolveSettings, run_solve

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ENGLISH = (" workplace", " programme", " within ", " every ", " rule", " seat", " mentor slot",
           " the ", " min away", " offers ", " recognise ", " more ")


def _explanations(folder: Path, with_fixes: bool) -> list[str]:
    run = run_solve(load_scenario(folder), SolveSettings())
    sentences = [u.detail for u in run.plan.unmatched]
    if with_fixes:
        report = cheapest_fixes(run)
        for private in (True, False):
            sentences += [str(row["fix"]) for row in fix_rows(run.scenario, report, private)]
    return sentences


@pytest.mark.parametrize(("name", "with_fixes"), [
    ("demo", True), ("generated/ratio-0.8", True), ("generated/ratio-1.0", False),
    ("flanders-2023", False)])
def test_every_explanation_of_a_shipped_scenario_is_translated(name: str,
                                                                with_fixes: bool) -> None:
    sentences = sorted(set(_explanations(SCENARIOS / name, with_fixes)))
    assert sentences
    for sentence in sentences:
        dutch = in_dutch(sentence)
        assert dutch != sentence, f"no Dutch for: {sentence}"
        assert not any(word in f" {dutch} " for word in ENGLISH), (sentence, dutch)


@pytest.mark.parametrize(("english", "dutch"), [
    ("1 workplace passes every rule, but W24 is full with students this plan places there",
     "1 leerwerkplek voldoet aan elke regel, maar W24 is al volzet door andere leerlingen in "
     "dit plan"),
    ("3 workplaces pass every rule, but 2 of them (W1, W2) are full with students this plan "
     "places there; W3 has no free seat or mentor at all",
     "3 leerwerkplekken voldoen aan elke regel, maar 2 ervan (W1, W2) zijn al volzet door "
     "andere leerlingen in dit plan; W3 heeft helemaal geen vrije plaats of mentor"),
    ("2 workplaces within 45 min recognised for programme bakker (W01, W02) would fit except "
     "for one rule: beyond the student's travel limit",
     "2 leerwerkplekken binnen 45 min, erkend voor bakker (W01, W02), zouden passen op één "
     "regel na: verder dan de maximale reistijd"),
    ("'duaaal' is not one of aanloop, duaal",
     "'duaaal' is geen geldige waarde; kies uit aanloop, duaal"),
    ("required column is missing (did you mean 'phase'?)",
     "verplichte kolom ontbreekt (bedoel je 'phase'?)"),
    ("required column is missing (found ' phase': remove spaces and use lower case)",
     "verplichte kolom ontbreekt (gevonden: ' phase': haal de spaties weg en gebruik kleine "
     "letters)"),
    ("'S01' is a duplicate; it is already used in row 2",
     "'S01' komt dubbel voor; het staat al in rij 2"),
    ("'-3' must be at least 0", "'-3' moet minstens 0 zijn"),
    ("'C3' is not a CEFR level (A1, A2, B1, B2, C1, C2)",
     "'C3' is geen ERK-niveau (A1, A2, B1, B2, C1, C2)"),
    ("a sentence nobody wrote", "a sentence nobody wrote"),
])
def test_sentence_forms(english: str, dutch: str) -> None:
    assert in_dutch(english) == dutch


def test_the_service_s_limits_and_the_id_rule_read_in_dutch() -> None:
    limits = TableLimits(max_rows=200_000, max_cells=5_000_000)
    sentences = [id_problem("S/1"), id_problem("S\t1"),
                 too_many_rows("students.csv", 200_002, limits).message,
                 too_many_cells("[plan.xlsx]students", 306, 16_384, limits, True).message,
                 too_many_cells("students.csv", 30, 200_000, limits, False).message,
                 too_deep("scenario", "policy.a", 20).message]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b" " * 2**21)
    with pytest.raises(TooLargeError) as refused:
        check_workbook_archive(bomb.getvalue(), "plan.xlsx", TableLimits(10, 10_000))
    sentences.append(refused.value.problems[0].message)
    for name in ("s" * 300 + ".csv", "a\x01b.csv"):
        sentences.append(file_name_problem(name))
    for sentence in sentences:
        assert sentence is not None
        dutch = in_dutch(sentence)
        assert dutch != sentence, f"no Dutch for: {sentence}"
        assert not any(word in f" {dutch} " for word in ENGLISH), (sentence, dutch)
    assert "1.000.000" in in_dutch("the table has more than 1,000,000 rows, the most this "
                                   "service accepts; split it or ask the administrator")
