"""CSV files for people: in their language, in the dialect their spreadsheet opens, with
names next to ids, and safe from formula injection."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from typer.testing import CliRunner

from matcher.cli import app
from matcher.exports import Sheet, csv_bytes
from matcher.messages import Message

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo"
runner = CliRunner()


def _rows(content: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def test_the_belgian_dialect_is_what_belgian_excel_opens() -> None:
    sheet = Sheet("t", ("export.col.student_id", "export.col.cost", "export.col.pinned",
                        "export.col.detail"),
                  [["S1", 2.5, True, Message("reason.capacity")], ["=1+2", 3, False, None]])
    dutch = csv_bytes(sheet, "nl", "semicolon")
    assert dutch.startswith(b"\xef\xbb\xbf") and b"\r\n" in dutch
    assert _rows(dutch, ";") == [["leerling", "kost", "vastgezet", "uitleg"],
                                 ["S1", "2,5", "ja", "toegelaten plaatsen zijn vol"],
                                 ["'=1+2", "3", "nee", ""]]
    english = csv_bytes(sheet, "en", "comma")
    assert not english.startswith(b"\xef\xbb\xbf")
    assert _rows(english, ",")[:2] == [["student_id", "cost", "pinned", "detail"],
                                        ["S1", "2.5", "true", "all allowed seats taken"]]


def test_solve_in_dutch_writes_dutch_csvs_with_names_priority_and_conflicts(
        tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(DEMO), "--out", str(tmp_path), "--lang", "nl"])
    assert result.exit_code == 0, result.output
    unmatched = _rows((tmp_path / "unmatched.csv").read_bytes(), ";")
    assert unmatched[0][:6] == ["leerling", "opleiding", "school", "prioriteit", "reden",
                                "uitleg"]
    assert all(row[3].isdigit() for row in unmatched[1:])  # every student's priority
    assignments = _rows((tmp_path / "assignments.csv").read_bytes(), ";")
    employer = assignments[0].index("werkgever")
    assert all(row[employer] for row in assignments[1:])  # a name next to every workplace id
    conflicts = _rows((tmp_path / "conflicts.csv").read_bytes(), ";")
    assert len(conflicts) == 2 and conflicts[1][3].startswith("breekt: ")


def test_the_dialect_can_be_chosen_and_a_wrong_one_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(DEMO), "--out", str(tmp_path / "a"), "--lang",
                                 "nl", "--csv-dialect", "comma"])
    assert result.exit_code == 0, result.output
    header = (tmp_path / "a" / "assignments.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("leerling,opleiding,")
    wrong = runner.invoke(app, ["solve", str(DEMO), "--out", str(tmp_path / "b"),
                                "--csv-dialect", "tab"])
    assert wrong.exit_code == 2 and not (tmp_path / "b").exists()
