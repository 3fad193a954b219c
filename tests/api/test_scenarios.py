"""Uploads (files or one JSON document), validation errors as problem+json, 401/403/404."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from tests.api.conftest import DEMO, Api, demo_files, solve
from tests.io.excel_files import excel_twin

PROBLEM = "application/problem+json"


def _demo_document() -> dict[str, Any]:
    settings: dict[str, Any] = yaml.safe_load((DEMO / "scenario.yaml").read_text(encoding="utf-8"))
    tables = {}
    for name, file_name in settings["tables"].items():
        frame = pd.read_csv(DEMO / file_name, dtype=str, keep_default_na=False)
        tables[name] = frame.to_dict("records")
    settings["tables"] = tables
    settings["reference_date"] = str(settings["reference_date"])
    return settings


def _replace(files: list[tuple[str, tuple[str, bytes]]], name: str, content: bytes
             ) -> list[tuple[str, tuple[str, bytes]]]:
    return [(field, (n, content if n == name else data)) for field, (n, data) in files]


def test_files_and_json_document_give_the_same_scenario(api: Api) -> None:
    by_files = api.client.post("/scenarios", files=demo_files(), headers=api.consultant)
    by_json = api.client.post("/scenarios", json=_demo_document(), headers=api.consultant)
    assert by_files.status_code == by_json.status_code == 201
    assert by_files.headers["location"] == f"/scenarios/{by_files.json()['id']}"
    assert by_files.json()["content_hash"] == by_json.json()["content_hash"]
    listed = api.client.get("/scenarios", headers=api.consultant).json()
    assert {by_files.json()["id"], by_json.json()["id"]} <= {s["id"] for s in listed}


def test_xlsx_tables_are_accepted(api: Api) -> None:
    files = demo_files()
    workbook = io.BytesIO()
    pd.read_csv(DEMO / "students.csv", dtype=str, keep_default_na=False).to_excel(
        workbook, index=False)
    settings = yaml.safe_load((DEMO / "scenario.yaml").read_text(encoding="utf-8"))
    settings["tables"]["students"] = "students.xlsx"
    files = [f for f in files if f[1][0] not in ("students.csv", "scenario.yaml")]
    files += [("files", ("students.xlsx", workbook.getvalue())),
              ("files", ("scenario.yaml", yaml.safe_dump(settings).encode()))]
    response = api.client.post("/scenarios", files=files, headers=api.consultant)
    assert response.status_code == 201, response.text
    assert response.json()["students"] == 40


def test_invalid_file_points_at_file_row_and_column(api: Api) -> None:
    students = (DEMO / "students.csv").read_text(encoding="utf-8").splitlines()
    students[13] = students[13].replace(",duaal,", ",duaaal,").replace(",aanloop,", ",aanlop,")
    files = _replace(demo_files(), "students.csv", ("\n".join(students) + "\n").encode())
    response = api.client.post("/scenarios", files=files, headers=api.consultant)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] and problem["type"].endswith(
        "invalid-scenario")
    error = problem["errors"][0]
    assert (error["pointer"], error["code"]) == ("/students.csv/14/phase", "io.not_one_of")
    assert error["params"] == {"value": error["params"]["value"], "choices": "aanloop, duaal"}
    assert error["detail"].startswith("students.csv row 14, column phase: ")
    assert problem["code"] == "api.invalid_scenario"


def test_an_invalid_scenario_is_described_in_the_language_asked_for(api: Api) -> None:
    students = (DEMO / "students.csv").read_text(encoding="utf-8").splitlines()
    students[13] = students[13].replace(",duaal,", ",duaaal,").replace(",aanloop,", ",aanlop,")
    files = _replace(demo_files(), "students.csv", ("\n".join(students) + "\n").encode())
    headers = {**api.consultant, "Accept-Language": "nl-BE,nl;q=0.9,en;q=0.5"}
    problem = api.client.post("/scenarios", files=files, headers=headers).json()
    assert problem["detail"] == "het scenario heeft 1 fout; er is niets bewaard"
    assert problem["title"] == "Ongeldig scenario"
    error = problem["errors"][0]
    assert error["detail"].startswith("students.csv rij 14, kolom phase: '")
    assert "is geen geldige waarde; kies uit aanloop, duaal" in error["detail"]
    assert error["code"] == "io.not_one_of"  # the machine-readable part stays the same


def test_invalid_json_document_points_into_the_body(api: Api) -> None:
    document = _demo_document()
    document["tables"]["students"][12]["phase"] = "duaaal"
    document["policy"]["objective"] = "fastest"
    response = api.client.post("/scenarios", json=document, headers=api.consultant)
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert "/tables/students/12/phase" in pointers and "/policy/objective" in pointers


def test_json_tables_must_be_inline(api: Api) -> None:
    document = _demo_document()
    document["tables"]["students"] = "/etc/passwd"
    response = api.client.post("/scenarios", json=document, headers=api.consultant)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/tables/students"


def test_uploads_cannot_name_files_outside_the_upload(api: Api) -> None:
    settings = yaml.safe_load((DEMO / "scenario.yaml").read_text(encoding="utf-8"))
    settings["tables"]["students"] = "../../etc/passwd"
    files = _replace(demo_files(), "scenario.yaml", yaml.safe_dump(settings).encode())
    response = api.client.post("/scenarios", files=files, headers=api.consultant)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/scenario.yaml/tables/students"
    missing = [f for f in demo_files() if f[1][0] != "scenario.yaml"]
    response = api.client.post("/scenarios", files=missing, headers=api.consultant)
    assert response.status_code == 422


def test_bad_bodies_and_media_types(api: Api) -> None:
    client, headers = api.client, api.consultant
    not_json = client.post("/scenarios", content=b"{oops",
                           headers={**headers, "Content-Type": "application/json"})
    assert not_json.status_code == 422
    assert not_json.headers["content-type"].startswith(PROBLEM)
    text = client.post("/scenarios", content=b"hello",
                       headers={**headers, "Content-Type": "text/plain"})
    assert text.status_code == 415 and text.headers["content-type"].startswith(PROBLEM)


def test_authentication_and_roles(api: Api) -> None:
    client = api.client
    missing = client.get("/scenarios")
    assert missing.status_code == 401 and missing.headers["content-type"].startswith(PROBLEM)
    assert client.get("/scenarios", headers={"X-API-Key": "lwm_wrong"}).status_code == 401
    key = api.consultant["X-API-Key"]
    assert client.get("/scenarios", headers={"Authorization": f"Bearer {key}"}).status_code \
        == 200
    assert client.get("/scenarios", headers=api.coach_tb02).status_code == 403
    assert client.post("/scenarios", files=demo_files(), headers=api.coach_tb02).status_code \
        == 403


def test_unknown_ids_are_404_problems(api: Api) -> None:
    for path in ("/scenarios/999999", "/jobs/999999", "/plans/999999",
                 "/plans/999999/students/S01/suggestions", "/no/such/route"):
        response = api.client.get(path, headers=api.consultant)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["status"] == 404
    invalid = api.client.get("/plans/1/students/S01/suggestions?k=0", headers=api.consultant)
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["pointer"] == "/query/k"


def test_invalid_solve_settings_are_422(api: Api, demo_plan: tuple[int, int]) -> None:
    scenario_id, _ = demo_plan
    response = api.client.post(f"/scenarios/{scenario_id}/solve",
                               json={"backend": "gurobi", "time_limit_s": -1},
                               headers=api.consultant)
    assert response.status_code == 422
    assert {e["pointer"] for e in response.json()["errors"]} == {"/backend", "/time_limit_s"}


def test_the_lemon_backend_solves_through_the_service(api: Api,
                                                      demo_plan: tuple[int, int]) -> None:
    scenario_id, flow_plan_id = demo_plan
    job = solve(api, scenario_id, backend="lemon")
    lemon = api.client.get(f"/plans/{job['plan_id']}", headers=api.consultant).json()["plan"]
    flow = api.client.get(f"/plans/{flow_plan_id}", headers=api.consultant).json()["plan"]
    assert lemon["solver"]["backend"] == "lemon"
    assert lemon["summary"] == flow["summary"]


def test_delete_scenario(api: Api) -> None:
    response = api.client.post("/scenarios", files=demo_files(), headers=api.consultant)
    scenario_id = response.json()["id"]
    assert api.client.delete(f"/scenarios/{scenario_id}", headers=api.consultant).status_code \
        == 204
    assert api.client.get(f"/scenarios/{scenario_id}", headers=api.consultant).status_code \
        == 404
    assert api.client.delete(f"/scenarios/{scenario_id}", headers=api.consultant).status_code \
        == 404


def test_deleting_a_scenario_frees_its_parsed_form_once_no_copy_remains(api: Api) -> None:
    settings = (DEMO / "scenario.yaml").read_text(encoding="utf-8").replace(
        "Demo Limburg", "Demo (deleted twice) Limburg")
    files = _replace(demo_files(), "scenario.yaml", settings.encode())
    first, second = (api.client.post("/scenarios", files=files, headers=api.consultant).json()
                     for _ in range(2))
    content_hash = first["content_hash"]
    assert content_hash == second["content_hash"] and content_hash in api.services.scenarios

    api.client.delete(f"/scenarios/{first['id']}", headers=api.consultant)
    assert content_hash in api.services.scenarios  # the copy still uses it
    api.client.delete(f"/scenarios/{second['id']}", headers=api.consultant)
    assert content_hash not in api.services.scenarios


def test_health_needs_no_key(api: Api) -> None:
    health = api.client.get("/health").json()
    assert health["status"] == "ok" and health["job_workers"] == 2


def test_files_saved_by_belgian_excel_give_the_same_scenario(api: Api, tmp_path: Path) -> None:
    twin = excel_twin(DEMO, tmp_path / "twin", delimiter=";", encoding="cp1252")
    by_twin = api.client.post("/scenarios", files=demo_files(twin), headers=api.consultant)
    by_comma = api.client.post("/scenarios", files=demo_files(), headers=api.consultant)
    assert by_twin.status_code == by_comma.status_code == 201, by_twin.text
    assert by_twin.json()["content_hash"] == by_comma.json()["content_hash"]
