"""The files people open: in their language and dialect, with names next to ids, the
priority for consultants only, conflicts apart, and no formula a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.exports import Names, Table, csv_text, plan_table, unmatched_table
from matcher.io import load_scenario
from matcher.messages import Lang
from matcher.pipeline import SolveSettings, run_solve
from matcher.plan import write_plan
from tests import builders
from tests.messages.test_catalogue import DUTCH, ENGLISH

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo"
runner = CliRunner()
MARKERS: dict[Lang, tuple[str, ...]] = {"nl": ENGLISH, "en": DUTCH}
PEOPLE_FILES = ("assignments.csv", "unmatched.csv", "conflicts.csv")


def _solve(out: Path, *extra: str) -> Path:
    result = runner.invoke(app, ["solve", str(DEMO), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def dutch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _solve(tmp_path_factory.mktemp("nl"), "--lang", "nl")


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _solve(tmp_path_factory.mktemp("en"))


def _belgian(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype={0: str},
                       keep_default_na=False)


def _scenario_words() -> set[str]:
    """Names and ids as the scenario's files spell them (an employer may be "Bakkerij de
    Smet" in any language)."""
    sc = load_scenario(DEMO)
    return {str(v) for values in (sc.workplaces.employer, sc.workplaces.ids, sc.students.ids,
                                  sc.students.school_id, sc.programmes.codes) for v in values}


def _leaks(path: Path, lang: Lang) -> list[str]:
    """Marker words of the other language in any heading or cell the matcher wrote."""
    text = path.read_text(encoding="utf-8-sig")
    data = _scenario_words()
    cells = " ".join(cell for row in csv.reader(io.StringIO(text), delimiter=";"
                                                if lang == "nl" else ",") for cell in row
                     if cell not in data)
    return [word for word in MARKERS[lang] if word in f" {cells.lower()} "]


@pytest.mark.parametrize("name", PEOPLE_FILES)
def test_dutch_files_are_belgian_excel_files_in_dutch(dutch: Path, name: str) -> None:
    raw = (dutch / name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the accents right
    assert raw.splitlines()[0].count(b";") >= 4
    assert _leaks(dutch / name, "nl") == []


@pytest.mark.parametrize("name", PEOPLE_FILES)
def test_english_files_have_no_dutch_word(english: Path, name: str) -> None:
    assert not (english / name).read_bytes().startswith(b"\xef\xbb\xbf")
    assert _leaks(english / name, "en") == []


def test_english_files_keep_the_columns_they_always_had_first(english: Path) -> None:
    """Scripts reading the contract's CSVs keep working: the old columns lead, in order."""
    assignments = pd.read_csv(english / "assignments.csv")
    assert list(assignments.columns[:8]) == ["student_id", "workplace_id", "mentor_id", "cost",
                                             "wish", "competence", "travel", "pinned"]
    unmatched = pd.read_csv(english / "unmatched.csv")
    assert list(unmatched.columns[:4]) == ["student_id", "reason", "detail",
                                           "recognised_for_programme"]
    assert set(unmatched["reason"]) <= {"no_feasible_workplace", "capacity"}
    assert set(assignments["pinned"].astype(str).str.lower()) <= {"true", "false"}


def test_the_belgian_file_read_back_is_the_plan(dutch: Path) -> None:
    plan = json.loads((dutch / "plan.json").read_text(encoding="utf-8"))
    frame = _belgian(dutch / "assignments.csv")
    assert list(frame.columns[:5]) == ["leerling", "opleiding", "school", "prioriteit",
                                       "leerwerkplek"]
    read = {r["leerling"]: (r["leerwerkplek"], r["kosten"], r["kosten reistijd"])
            for r in frame.to_dict("records")}
    assert read == {a["student_id"]: (a["workplace_id"], a["cost"], a["breakdown"]["travel"])
                    for a in plan["assignments"]}
    unmatched = _belgian(dutch / "unmatched.csv")
    assert sorted(unmatched["leerling"]) == sorted(u["student_id"] for u in plan["unmatched"])
    assert set(unmatched["reden"]) <= {"geen toegelaten leerwerkplek",
                                       "toegelaten plaatsen zijn vol"}


def test_decimal_numbers_use_a_comma_in_the_belgian_dialect() -> None:
    table = Table(("csv.student_id", "csv.cost"), [["S1", 2.5], ["S2", 1234.75]])
    text = csv_text(table, "nl", "excel-be")
    assert "S1;2,5" in text
    back = pd.read_csv(io.StringIO(text.removeprefix("\ufeff")), sep=";", decimal=",")
    assert back.to_dict("list") == {"leerling": ["S1", "S2"], "kosten": [2.5, 1234.75]}
    assert "S1,2.5" in csv_text(table, "en", "comma")


def test_names_stand_next_to_ids(dutch: Path) -> None:
    scenario = load_scenario(DEMO)
    employer = dict(zip(scenario.workplaces.ids, scenario.workplaces.employer, strict=True))
    students = pd.read_csv(DEMO / "students.csv", dtype=str).set_index("student_id")
    frame = _belgian(dutch / "assignments.csv")
    assert len(frame)
    for row in frame.to_dict("records"):
        assert row["werkgever"] == employer[row["leerwerkplek"]]
        assert row["opleiding"] == students.loc[row["leerling"], "programme"]
        assert row["school"] == students.loc[row["leerling"], "school_id"]
        assert str(row["prioriteit"]).isdigit()


def test_unmatched_students_have_their_priority(dutch: Path) -> None:
    scenario = load_scenario(DEMO)
    priority = dict(zip(scenario.students.ids, scenario.students.priority, strict=True))
    frame = _belgian(dutch / "unmatched.csv")
    assert len(frame)
    assert {r["leerling"]: r["prioriteit"] for r in frame.to_dict("records")} == {
        s: int(priority[s]) for s in frame["leerling"]}


def test_conflicts_have_a_file_of_their_own(dutch: Path, english: Path) -> None:
    plan = json.loads((english / "plan.json").read_text(encoding="utf-8"))
    assert plan["conflicts"], "the demo pins a placement that breaks a rule"
    frame = pd.read_csv(english / "conflicts.csv")
    assert len(frame) == len(plan["conflicts"]) + len(plan.get("capacity_conflicts", []))
    first = plan["conflicts"][0]
    row = frame[frame["student_id"] == first["student_id"]].iloc[0]
    assert row["workplace_id"] == first["workplace_id"]
    assert row["employer"] == "Schilderwerken Bosmans"
    assert row["broken"] == "no valid recognition for the student's programme"
    dutch_row = _belgian(dutch / "conflicts.csv").iloc[0]
    assert dutch_row["overtreedt"] == "geen geldige erkenning voor de opleiding van de leerling"


def test_the_dialect_can_be_chosen(tmp_path: Path) -> None:
    out = _solve(tmp_path / "out", "--lang", "nl", "--csv-dialect", "comma")
    raw = (out / "assignments.csv").read_text(encoding="utf-8")
    assert raw.startswith("leerling,opleiding,")
    english = _solve(tmp_path / "en", "--csv-dialect", "excel-be")
    assert (english / "assignments.csv").read_text(encoding="utf-8").startswith(
        "\ufeffstudent_id;workplace_id;")


def test_an_unknown_dialect_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(DEMO), "--out", str(tmp_path / "out"),
                                 "--csv-dialect", "tab", "--lang", "nl"])
    assert result.exit_code == 2
    assert "onbekend CSV-formaat 'tab'; kies uit excel-be, comma" in result.output
    assert not (tmp_path / "out").exists()


def _formula_scenario() -> Any:
    return builders.scenario(
        [builders.student("=S1"), builders.student("S2", programme="+X")],
        [builders.workplace("@W1", employer="=HYPERLINK(\"http://x\",\"klik\")")])


@pytest.mark.parametrize(("lang", "dialect"), [("nl", "excel-be"), ("en", "comma")])
def test_text_a_spreadsheet_would_run_is_written_as_text(tmp_path: Path, lang: Lang,
                                                         dialect: str) -> None:
    scenario = _formula_scenario()
    run = run_solve(scenario, SolveSettings())
    write_plan(run.plan, tmp_path, None, scenario, lang)
    delimiter = ";" if dialect == "excel-be" else ","
    cells = [cell for name in PEOPLE_FILES for row in csv.reader(io.StringIO(
        (tmp_path / name).read_text(encoding="utf-8-sig")), delimiter=delimiter)
        for cell in row]
    assert "'=HYPERLINK(\"http://x\",\"klik\")" in cells
    assert "'=S1" in cells and "'@W1" in cells and "'+X" in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@", "-"))]


def test_a_table_without_priorities_has_no_priority_column() -> None:
    """What a coach's download is built from: the column is absent, not empty."""
    scenario = builders.scenario([builders.student("S1", programme="ELSE")],
                                 [builders.workplace("W1")])
    plan = run_solve(scenario, SolveSettings()).plan
    names = Names.of(scenario).without_priority()
    for lang in ("nl", "en"):
        for table in (plan_table(plan, names, lang), unmatched_table(plan, names, lang)):
            assert "csv.priority" not in table.columns
            assert all(len(row) == len(table.columns) for row in table.rows)
    assert "csv.priority" in unmatched_table(plan, Names.of(scenario), "nl").columns
