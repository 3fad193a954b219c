"""CSV files as spreadsheets save them: the dialect never changes what the scenario says.

Belgian Excel saves "CSV" with ';' between cells, decimal commas, Windows-1252
(or UTF-8 with a BOM) and CRLF line ends, quoting cells that hold a ';'. The
contract ("Additions within version 1") accepts that dialect, and the plan must
be the one of the comma/UTF-8 file.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.generate import GeneratorSettings
from matcher.generate import write_scenario as write_generated
from matcher.io import ScenarioError, load_scenario
from matcher.pipeline import SolveSettings, run_solve
from matcher.plan import write_plan
from tests.io.excel_files import ACCENTED_EMPLOYER, excel_twin, with_accented_employer
from tests.io.test_validation import (
    at,
    changed,
    digest,
    only_problem,
    problems_in,
    run_matcher,
    valid_tables,
    write_scenario,
)

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"
def plan_files(folder: Path, out: Path) -> dict[str, str]:
    """Every file the solve writes, with the solver's seconds (a timing) blanked."""
    scenario = load_scenario(folder)
    run = run_solve(scenario, SolveSettings())
    written = write_plan(run.plan, out, run.candidates, scenario)
    files = {path.name: path.read_text(encoding="utf-8") for path in written}
    plan = json.loads(files["plan.json"])
    plan["solver"]["seconds"] = None
    files["plan.json"] = json.dumps(plan, sort_keys=True)
    return files


DIALECTS = [
    pytest.param(";", "cp1252", id="semicolon-windows-1252"),
    pytest.param(";", "utf-8-sig", id="semicolon-utf8-bom"),
    pytest.param("\t", "cp1252", id="tab-windows-1252"),
]


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("sources")
    generated = write_generated(GeneratorSettings(students=300, ratio=1.5, seed=11),
                                base / "generated-raw")
    return {"demo": with_accented_employer(DEMO, base / "demo"),
            "generated": with_accented_employer(generated, base / "generated")}


@pytest.mark.parametrize("name", ["demo", "generated"])
@pytest.mark.parametrize(("delimiter", "encoding"), DIALECTS)
def test_a_belgian_excel_twin_gives_the_same_plan(
    tmp_path: Path, sources: dict[str, Path], name: str, delimiter: str, encoding: str
) -> None:
    twin = excel_twin(sources[name], tmp_path / "twin", delimiter=delimiter, encoding=encoding)
    students = (twin / "students.csv").read_bytes()
    workplaces = (twin / "workplaces.csv").read_bytes()
    # the twin really is in the Excel dialect
    assert b"\r\n" in students and delimiter.encode() in students
    assert (b'"' in students) == (delimiter == ";")  # quoted list cells
    assert b"," in students.split(b"\r\n")[1] or b"," in workplaces.split(b"\r\n")[1]
    assert ACCENTED_EMPLOYER.encode(encoding.removesuffix("-sig")) in workplaces
    assert workplaces.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")

    original = plan_files(sources[name], tmp_path / "plan-original")
    assert plan_files(twin, tmp_path / "plan-twin") == original
    assert load_scenario(twin).workplaces.employer[0] == ACCENTED_EMPLOYER


def test_cli_validates_a_belgian_excel_twin_with_exit_0(
    tmp_path: Path, sources: dict[str, Path]
) -> None:
    twin = excel_twin(sources["demo"], tmp_path / "twin", delimiter=";", encoding="cp1252")
    result = run_matcher("validate", twin)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""  # no warning either


def _write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ",",
               encoding: str = "utf-8", line_end: str = "\n") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=line_end).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def _rows(tables: dict[str, list[dict[str, object]]], table: str) -> list[list[str]]:
    records = tables[table]
    columns = list(dict.fromkeys(c for record in records for c in record))
    return [columns] + [["" if r.get(c) is None else str(r.get(c)) for c in columns]
                        for r in records]


def test_decimal_commas_in_every_row_do_not_hide_the_semicolon_delimiter(
    tmp_path: Path,
) -> None:
    """Every row holds more commas (decimal commas) than the header holds ';' in some
    columns: the delimiter is still judged on the header."""
    tables = valid_tables()
    tables = changed(tables, "students", 0, postcode="", lat="50.93", lon="5.34",
                     sector_wishes="logistiek;retail")
    baseline = load_scenario(write_scenario(tmp_path / "comma", tables))
    folder = write_scenario(tmp_path / "semicolon", tables)
    rows = _rows(tables, "students")
    lat, lon = rows[0].index("lat"), rows[0].index("lon")
    for row in rows[1:]:
        row[lat], row[lon] = row[lat].replace(".", ","), row[lon].replace(".", ",")
    _write_csv(folder / "students.csv", rows, delimiter=";")
    assert digest(load_scenario(folder)) == digest(baseline)


def test_a_windows_1252_comma_file_keeps_its_accents(tmp_path: Path) -> None:
    tables = changed(valid_tables(), "workplaces", 1, employer=ACCENTED_EMPLOYER)
    folder = write_scenario(tmp_path, tables)
    _write_csv(folder / "workplaces.csv", _rows(tables, "workplaces"), encoding="cp1252",
               line_end="\r\n")
    assert "é".encode("cp1252") in (folder / "workplaces.csv").read_bytes()
    assert list(load_scenario(folder).workplaces.employer) == ["Employer W1",
                                                               ACCENTED_EMPLOYER]


def test_a_bom_semicolon_file_loads(tmp_path: Path) -> None:
    tables = valid_tables()
    folder = write_scenario(tmp_path, tables)
    _write_csv(folder / "mentors.csv", _rows(tables, "mentors"), delimiter=";",
               encoding="utf-8-sig")
    assert list(load_scenario(folder).mentors.ids) == ["M1", "M2"]


def test_an_integer_with_a_decimal_comma_zero_is_whole_in_a_semicolon_file(
    tmp_path: Path,
) -> None:
    tables = changed(valid_tables(), "workplaces", 0, seats="3,0")
    folder = write_scenario(tmp_path, tables)
    _write_csv(folder / "workplaces.csv", _rows(tables, "workplaces"), delimiter=";")
    assert load_scenario(folder).workplaces.seats.tolist() == [3, 1]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_decimal_comma_in_a_text_column_stays_as_typed(tmp_path: Path, delimiter: str) -> None:
    tables = changed(valid_tables(), "workplaces", 0, employer="Peeters, 2,5 ton")
    folder = write_scenario(tmp_path, tables)
    _write_csv(folder / "workplaces.csv", _rows(tables, "workplaces"), delimiter=delimiter)
    assert load_scenario(folder).workplaces.employer[0] == "Peeters, 2,5 ton"


def test_a_decimal_comma_in_a_comma_file_is_an_error(tmp_path: Path) -> None:
    """Only ';' and tab files may use a decimal comma (contract); quoted in a comma file
    it is a cell that is not a number."""
    tables = changed(valid_tables(), "students", 1, lat="50,93")
    problem = only_problem(write_scenario(tmp_path, tables))
    assert (problem.file, problem.row, problem.column) == ("students.csv", 3, "lat")
    assert "'50,93' is not a number" in problem.message
    assert "decimal point" in problem.message


def test_a_ragged_row_in_a_semicolon_file_says_to_quote_the_semicolon(tmp_path: Path) -> None:
    tables = valid_tables()
    folder = write_scenario(tmp_path, tables)
    rows = _rows(tables, "students")
    text = "\r\n".join(";".join(row) for row in rows) + "\r\n"  # the list cell unquoted
    (folder / "students.csv").write_text(text, encoding="utf-8", newline="")
    problem = only_problem(folder)
    assert (problem.file, problem.row) == ("students.csv", 2)
    assert "';'" in problem.message


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_an_empty_file_in_any_encoding_is_one_message(tmp_path: Path, content: bytes) -> None:
    folder = write_scenario(tmp_path)
    (folder / "mentors.csv").write_bytes(content)
    problem = only_problem(folder)
    assert problem.file == "mentors.csv"
    assert "empty" in problem.message


def test_an_unreadable_file_hides_no_mistake_elsewhere(tmp_path: Path) -> None:
    tables = changed(valid_tables(optional=True), "students", 0, phase="duaaal")
    folder = write_scenario(tmp_path, tables)
    (folder / "workplaces.csv").write_bytes(
        (folder / "workplaces.csv").read_text(encoding="utf-8").encode("utf-16"))
    problems = problems_in(folder)
    at(problems, "students.csv", 2, "phase")
    # one message for the unreadable file; mentors naming its workplaces get no follow-up
    assert sorted(p.file for p in problems) == ["students.csv", "workplaces.csv"]


# Pieces of a mentors table and of the dialects, in any order.
CSV_TOKENS = st.sampled_from([*',;\t"\r\n 0123456789.éü€', "mentor_id", "workplace_id",
                              "capacity", "current_load", "M1", "W1", "50,93"])
CSV_LIKE = st.lists(CSV_TOKENS, max_size=40).map("".join)


@settings(max_examples=80, deadline=None)
@given(content=st.binary(max_size=80) | CSV_LIKE.map(lambda t: t.encode("utf-8"))
       | CSV_LIKE.map(lambda t: t.encode("cp1252")))
def test_any_bytes_in_a_table_file_give_problems_never_a_crash(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_scenario(Path(tmp))
        (folder / "mentors.csv").write_bytes(content)
        try:
            load_scenario(folder)
        except ScenarioError as error:
            assert error.problems
            assert all(p.file for p in error.problems)
