"""Every message the shipped scenarios make the engine say (explanations, fixes, coach
sentences, the mistakes of a deliberately broken copy) renders in Dutch without English
and in English without Dutch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from matcher.analysis.fixes import cheapest_fixes, fix_rows
from matcher.io import ScenarioError, load_scenario
from matcher.messages import Lang, Message, Param, render
from matcher.pipeline import SolveSettings, run_solve
from tests.messages.test_catalogue import DUTCH, ENGLISH

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
MARKERS: dict[Lang, tuple[str, ...]] = {"nl": ENGLISH, "en": DUTCH}


def _explanations(folder: Path, with_fixes: bool) -> list[Message]:
    run = run_solve(load_scenario(folder), SolveSettings())
    messages = [u.message() for u in run.plan.unmatched]
    assert all(u.detail_code is not None for u in run.plan.unmatched)
    if with_fixes:
        report = cheapest_fixes(run)
        for private in (True, False):
            messages += [row["fix"] for row in fix_rows(run.scenario, report, private)
                         if isinstance(row["fix"], Message)]
    return messages


def _words_only(message: Message) -> Message:
    """The message with its data (ids, file and column names, values from the files) left
    out: only the catalogue's words are checked."""
    def masked(value: Param) -> Param:
        if isinstance(value, Message):
            return _words_only(value)
        if isinstance(value, list | tuple):
            return [_words_only(v) for v in value]
        return "X" if isinstance(value, str) else value

    return Message(message.code, **{k: masked(v) for k, v in message.params.items()})


def _assert_in_language(messages: list[Message]) -> None:
    assert messages
    for message in messages:
        shown = {lang: render(_words_only(message), lang) for lang in ("nl", "en")}
        assert shown["nl"] != shown["en"] or not any(c.isalpha() for c in shown["en"]
                                                     if c != "X"), shown
        for lang, markers in MARKERS.items():
            padded = f" {shown[lang].lower()} "
            assert not [m for m in markers if m in padded], (message, shown[lang])


@pytest.mark.parametrize(("name", "with_fixes"), [
    ("demo", True), ("generated/ratio-0.8", True), ("generated/ratio-1.0", False),
    ("generated/ratio-1.5", False), ("generated/ratio-2.0", False), ("flanders-2023", False)])
def test_every_explanation_and_fix_of_a_shipped_scenario_is_in_either_language(
        name: str, with_fixes: bool) -> None:
    _assert_in_language(_explanations(SCENARIOS / name, with_fixes))


def test_the_coaches_sentences_are_in_either_language() -> None:
    from api.privacy import COACH_SENTENCES, OTHER, SHOWN_RULES, rule_label

    _assert_in_language([Message(COACH_SENTENCES["capacity"]),
                         Message(COACH_SENTENCES["other_reasons"], workplaces=3)] + [
        Message(COACH_SENTENCES["shown_rule"], rule=rule_label(rule))
        for rule in (*SHOWN_RULES, OTHER)])


def _broken_demo(folder: Path) -> Path:
    """The demo with one mistake of each kind a consultant makes."""
    broken = folder / "broken"
    shutil.copytree(SCENARIOS / "demo", broken)
    document = yaml.safe_load((broken / "scenario.yaml").read_text(encoding="utf-8"))
    document["reference_date"] = "2026-13-01"
    document.setdefault("policy", {})["objective"] = "fastest"
    document.setdefault("weights", {})["travel"] = -1
    document["weigths"] = {}
    (broken / "scenario.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    students = (broken / "students.csv").read_text(encoding="utf-8").splitlines()
    header = students[0].split(",")
    cells = [row.split(",") for row in students[1:]]

    def put(row: int, column: str, value: str) -> None:
        if column in header:
            cells[row][header.index(column)] = value

    put(0, "phase", "duaaal")
    put(1, "grade", "4")
    put(2, "max_travel_min", "veel")
    put(3, "birth_date", "1-9-2010")
    put(4, "dutch_level", "D1")
    put(5, "contract_ready", "misschien")
    put(6, "student_id", cells[7][header.index("student_id")])
    put(8, "postcode", "9999")
    put(9, "max_travel_min", "-5")
    put(10, "programme", "")
    (broken / "students.csv").write_text(
        "\n".join([",".join(header)] + [",".join(c) for c in cells]) + "\n", encoding="utf-8")
    mentors = (broken / "mentors.csv").read_text(encoding="utf-8").splitlines()
    mentors[1] = mentors[1].replace(mentors[1].split(",")[1], "W-NOWHERE", 1)
    (broken / "mentors.csv").write_text("\n".join(mentors) + "\n", encoding="utf-8")
    return broken


def test_the_mistakes_of_a_broken_scenario_are_in_either_language(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_broken_demo(tmp_path))
    problems = caught.value.problems
    codes = {p.detail.code for p in problems}
    assert len(codes) >= 8, codes  # many kinds of mistake, each with its own code
    _assert_in_language([p.as_message() for p in problems])
    located = next(p for p in problems if p.row is not None and p.column is not None)
    assert f"rij {located.row}, kolom {located.column}" in located.render("nl")
