"""Size limits: a body, a table, a sheet or a document beyond a limit is refused with a
located 413/422 problem, and reading stops at the limit instead of after the whole input."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from openpyxl import Workbook

from matcher.io.workbook import folder_workbook
from tests.api.conftest import DEMO, Api, demo_files, start_api

PROBLEM = "application/problem+json"
MAX_ROWS = 100
LIMITS = {"max_upload_mb": 2, "max_json_upload_mb": 1, "max_table_rows": MAX_ROWS,
          "max_sheet_cells": 5_000, "max_json_depth": 12}
XFD = 16_384  # the last column of a sheet

Files = list[tuple[str, tuple[str, bytes]]]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    yield from start_api(tmp_path_factory.mktemp("limits"), job_workers=1, **LIMITS)


def _replace(files: Files, name: str, content: bytes) -> Files:
    return [(field, (n, content if n == name else data)) for field, (n, data) in files]


def _students_csv(rows: int) -> bytes:
    frame = pd.read_csv(DEMO / "students.csv", dtype=str, keep_default_na=False)
    many = pd.concat([frame] * (rows // len(frame) + 1)).head(rows)
    many["student_id"] = [*frame["student_id"], *(f"X{i:06d}" for i in range(len(frame), rows))
                          ][:rows]
    return many.to_csv(index=False).encode()


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    return body


def test_the_demo_is_within_the_limits(api: Api) -> None:
    response = api.client.post("/scenarios", files=demo_files(), headers=api.consultant)
    assert response.status_code == 201, response.text


async def _post_chunks(app: Any, path: str, headers: dict[str, str], chunk: bytes,
                       count: int) -> tuple[int, int]:
    """POST ``count`` chunks without a Content-Length straight to the ASGI app (the test
    client would read the whole body first); the status and the chunks the app took."""
    taken, status = 0, 0

    async def receive() -> dict[str, Any]:
        nonlocal taken
        taken += 1
        return {"type": "http.request", "body": chunk, "more_body": taken < count}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 50000),
             "server": ("127.0.0.1", 80), "state": {},
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    await app(scope, receive, send)
    return status, taken


def test_a_chunked_json_body_is_refused_at_the_limit_without_being_read_whole(
        api: Api) -> None:
    chunk = b" " * 2**16
    status, taken = api.client.portal.call(  # type: ignore[union-attr]
        _post_chunks, api.app, "/scenarios",
        {**api.consultant, "content-type": "application/json"}, chunk, 160)  # 10 MB
    assert status == 413
    assert taken * len(chunk) <= 2**20 + len(chunk)  # stopped at the first chunk beyond 1 MB


def test_a_chunked_json_body_beyond_the_limit_gets_a_problem_document(api: Api) -> None:
    def body() -> Iterator[bytes]:
        for _ in range(32):  # 2 MB in chunks, no Content-Length
            yield b" " * 2**16

    response = api.client.post("/scenarios", content=body(), headers={
        **api.consultant, "content-type": "application/json"})
    assert "1 MB" in _problem(response, 413)["detail"]


def test_a_declared_length_beyond_the_limit_is_refused_before_reading(api: Api) -> None:
    files = _replace(demo_files(), "students.csv", b"x" * (3 * 2**20))
    response = api.client.post("/scenarios", files=files, headers=api.consultant)
    assert "2 MB" in _problem(response, 413)["detail"]


def test_a_csv_table_with_too_many_rows_is_refused_at_the_first_row_beyond(api: Api) -> None:
    files = _replace(demo_files(), "students.csv", _students_csv(MAX_ROWS + 50))
    problem = _problem(api.client.post("/scenarios", files=files, headers=api.consultant), 413)
    assert problem["errors"][0]["pointer"] == f"/students.csv/{MAX_ROWS + 2}"
    assert f"more than {MAX_ROWS} rows" in problem["errors"][0]["detail"]


def test_a_table_with_exactly_the_most_rows_is_accepted(api: Api) -> None:
    files = _replace(demo_files(), "students.csv", _students_csv(MAX_ROWS))
    response = api.client.post("/scenarios", files=files, headers=api.consultant)
    assert response.status_code == 201, response.text


def _far_column_sheet(sheet: Any, rows: int) -> None:
    """A header, then rows with one value in column XFD (Excel's last)."""
    sheet.append(["student_id", "school_id"])
    for row in range(2, rows + 2):
        sheet.cell(row=row, column=XFD, value="x")


def test_a_workbook_sheet_reaching_column_xfd_is_refused_at_its_first_row(
        api: Api, tmp_path: Path) -> None:
    book_bytes = folder_workbook(DEMO)
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(book_bytes))
    del book["students"]
    _far_column_sheet(book.create_sheet("students"), 1_000)
    buffer = io.BytesIO()
    book.save(buffer)
    files = [("files", ("plan.xlsx", buffer.getvalue()))]
    problem = _problem(api.client.post("/scenarios", files=files, headers=api.consultant), 413)
    error = problem["errors"][0]
    assert error["pointer"] == "/[plan.xlsx]students/2"
    assert "column XFD" in error["detail"]


def test_a_table_xlsx_reaching_column_xfd_is_refused(api: Api) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    _far_column_sheet(sheet, 1_000)
    buffer = io.BytesIO()
    book.save(buffer)
    settings = yaml.safe_load((DEMO / "scenario.yaml").read_text(encoding="utf-8"))
    settings["tables"]["students"] = "students.xlsx"
    files = [f for f in demo_files() if f[1][0] not in ("students.csv", "scenario.yaml")]
    files += [("files", ("students.xlsx", buffer.getvalue())),
              ("files", ("scenario.yaml", yaml.safe_dump(settings).encode()))]
    problem = _problem(api.client.post("/scenarios", files=files, headers=api.consultant), 413)
    assert problem["errors"][0]["pointer"] == "/students.xlsx/2"


def test_a_parquet_table_with_too_many_rows_is_refused(api: Api) -> None:
    frame = pd.read_csv(io.BytesIO(_students_csv(MAX_ROWS + 1)), dtype=str,
                        keep_default_na=False)
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    settings = yaml.safe_load((DEMO / "scenario.yaml").read_text(encoding="utf-8"))
    settings["tables"]["students"] = "students.parquet"
    files = [f for f in demo_files() if f[1][0] not in ("students.csv", "scenario.yaml")]
    files += [("files", ("students.parquet", buffer.getvalue())),
              ("files", ("scenario.yaml", yaml.safe_dump(settings).encode()))]
    problem = _problem(api.client.post("/scenarios", files=files, headers=api.consultant), 413)
    assert problem["errors"][0]["pointer"].startswith("/students.parquet/")


def _json_document(**changes: Any) -> dict[str, Any]:
    settings: dict[str, Any] = yaml.safe_load((DEMO / "scenario.yaml").read_text("utf-8"))
    settings["reference_date"] = str(settings["reference_date"])
    settings["tables"] = {name: pd.read_csv(DEMO / file_name, dtype=str,
                                            keep_default_na=False).to_dict("records")
                          for name, file_name in settings["tables"].items()}
    settings.update(changes)
    return settings


def test_json_nested_a_thousand_deep_is_a_422(api: Api) -> None:
    body = json.dumps(_json_document(policy="POLICY")).replace(
        '"POLICY"', "[" * 1_000 + "]" * 1_000)
    response = api.client.post("/scenarios", content=body, headers={
        **api.consultant, "content-type": "application/json"})
    assert "nested too deeply" in _problem(response, 422)["detail"]


def test_json_nested_beyond_the_depth_limit_points_at_where(api: Api) -> None:
    nested: dict[str, Any] = {}
    for _ in range(20):
        nested = {"a": nested}
    response = api.client.post("/scenarios", json=_json_document(weights=nested),
                               headers=api.consultant)
    error = _problem(response, 422)["errors"][0]
    assert error["pointer"] == "/weights" + "/a" * 11  # the 13th level
    assert "12 levels" in error["detail"]


def test_a_scenario_yaml_nested_too_deeply_is_a_422(api: Api) -> None:
    text = (DEMO / "scenario.yaml").read_text("utf-8") + "extra: " + "[" * 2_000 + \
        "]" * 2_000 + "\n"
    files = _replace(demo_files(), "scenario.yaml", text.encode())
    problem = _problem(api.client.post("/scenarios", files=files, headers=api.consultant), 422)
    assert problem["errors"][0]["pointer"].startswith("/scenario.yaml")


def test_a_json_table_with_too_many_records_is_refused(api: Api) -> None:
    document = _json_document()
    document["tables"]["students"] = document["tables"]["students"] * 3  # 120 records
    problem = _problem(api.client.post("/scenarios", json=document, headers=api.consultant),
                       413)
    assert problem["errors"][0]["pointer"] == "/tables/students"


def test_a_file_name_longer_than_a_file_system_stores_is_a_located_422(api: Api) -> None:
    long_name = "s" * 300 + ".csv"
    files = [*demo_files(), ("files", (long_name, b"a,b\n1,2\n"))]
    problem = _problem(api.client.post("/scenarios", files=files, headers=api.consultant), 422)
    assert "longer than 255" in problem["errors"][0]["detail"]
    assert len(problem["errors"][0]["pointer"]) < 80  # the name is shortened


def test_a_table_name_too_long_in_scenario_yaml_is_a_located_422(api: Api) -> None:
    settings = yaml.safe_load((DEMO / "scenario.yaml").read_text(encoding="utf-8"))
    settings["tables"]["students"] = "s" * 300 + ".csv"
    files = _replace(demo_files(), "scenario.yaml", yaml.safe_dump(settings).encode())
    problem = _problem(api.client.post("/scenarios", files=files, headers=api.consultant), 422)
    assert problem["errors"][0]["pointer"] == "/scenario.yaml/tables/students"


def test_a_nul_byte_in_a_csv_is_a_located_422(api: Api) -> None:
    students = (DEMO / "students.csv").read_bytes().replace(b"S01,", b"S\x0001,", 1)
    files = _replace(demo_files(), "students.csv", students)
    problem = _problem(api.client.post("/scenarios", files=files, headers=api.consultant), 422)
    assert [e["pointer"] for e in problem["errors"]] == ["/students.csv"]


@pytest.mark.parametrize(("bad_id", "said"), [("S\t01", "control character"),
                                              ("S/01", "'/'")])
def test_an_unusable_id_is_a_located_422(api: Api, bad_id: str, said: str) -> None:
    students = (DEMO / "students.csv").read_bytes().replace(b"S01,", bad_id.encode() + b",", 1)
    files = _replace(demo_files(), "students.csv", students)
    problem = _problem(api.client.post("/scenarios", files=files, headers=api.consultant), 422)
    error = next(e for e in problem["errors"] if e["pointer"] == "/students.csv/2/student_id")
    assert said in error["detail"]


@pytest.mark.parametrize("address", ["/plans/1/students/S%0004",
                                     "/scenarios/1/pins?student_id=S%0004"])
def test_a_nul_in_the_address_is_a_422_before_any_lookup(api: Api, address: str) -> None:
    response = api.client.request("DELETE" if "pins" in address else "GET", address,
                                  headers=api.consultant)
    assert "NUL" in _problem(response, 422)["detail"]


def test_a_scenario_yaml_of_aliases_repeating_each_other_is_refused(api: Api) -> None:
    bomb = "".join(f"l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]\n"
                   for n in range(1, 10))  # 9**9 lists when expanded
    text = (DEMO / "scenario.yaml").read_text("utf-8") + "l0: &l0 [x]\n" + bomb
    files = _replace(demo_files(), "scenario.yaml", text.encode())
    problem = _problem(api.client.post("/scenarios", files=files, headers=api.consultant), 413)
    assert "YAML aliases" in problem["errors"][0]["detail"]


def test_a_semicolon_csv_wider_than_the_cell_limit_is_refused(api: Api) -> None:
    header = ";".join(["student_id", *(f"extra{i}" for i in range(200))])  # 201 columns
    rows = [f"S{i};" + ";" * 199 for i in range(40)]
    files = _replace(demo_files(), "students.csv", "\n".join([header, *rows]).encode())
    problem = _problem(api.client.post("/scenarios", files=files, headers=api.consultant), 413)
    assert problem["errors"][0]["pointer"] == "/students.csv/25"  # 25 x 201 > 5,000 cells
    assert "201 columns" in problem["errors"][0]["detail"]


def test_a_workbook_part_that_unpacks_beyond_the_limit_is_refused_before_reading(
        api: Api) -> None:
    buffer = io.BytesIO(folder_workbook(DEMO))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/padding.xml", b"<x>" + b" " * 2**20 + b"</x>")
    files = [("files", ("plan.xlsx", buffer.getvalue()))]  # 1 MB of XML in a few KB
    problem = _problem(api.client.post("/scenarios", files=files, headers=api.consultant), 413)
    assert "xl/padding.xml" in problem["errors"][0]["detail"]
    assert problem["errors"][0]["pointer"] == "/plan.xlsx"
