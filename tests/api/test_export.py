"""The plan as CSV from the API: the reader's language and dialect, names next to ids,
and a priority column for consultants only."""

from __future__ import annotations

import csv
import io

import pandas as pd

from tests.api.conftest import DEMO, Api
from tests.messages.test_catalogue import DUTCH, ENGLISH

TB02 = {"S04", "S05", "S12", "S13", "S19", "S20", "S22", "S23", "S28", "S40"}


def _csv(api: Api, plan_id: int, who: dict[str, str], lang: str = "en", **params: str
         ) -> str:
    response = api.client.get(f"/plans/{plan_id}", params=params, headers={
        **who, "Accept": "text/csv", "Accept-Language": lang})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    return str(response.content.decode("utf-8"))


def test_a_coachs_csv_has_no_priority_column(api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    for lang, priority in (("en", "priority"), ("nl", "prioriteit")):
        consultant = _csv(api, plan_id, api.consultant, lang)
        coach = _csv(api, plan_id, api.coach_tb02, lang)
        delimiter = ";" if lang == "nl" else ","
        consultant_head = next(csv.reader(io.StringIO(consultant.lstrip("\ufeff")),
                                          delimiter=delimiter))
        coach_rows = list(csv.reader(io.StringIO(coach.lstrip("\ufeff")), delimiter=delimiter))
        assert priority in consultant_head
        assert priority not in coach_rows[0]
        assert {row[0] for row in coach_rows[1:]} == TB02
        assert all(len(row) == len(coach_rows[0]) for row in coach_rows)


def test_the_csv_speaks_the_readers_language(api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    dutch = _csv(api, plan_id, api.consultant, "nl-BE")
    assert dutch.startswith("\ufeffleerling;opleiding;school;prioriteit;leerwerkplek;werkgever")
    frame = pd.read_csv(io.StringIO(dutch.lstrip("\ufeff")), sep=";", decimal=",", dtype=str,
                        keep_default_na=False)
    texts = " ".join(frame["reden niet geplaatst"]) + " " + " ".join(frame["toelichting"])
    assert "geen toegelaten leerwerkplek" in texts
    assert [w for w in ENGLISH if w in f" {texts.lower()} "] == []
    english = _csv(api, plan_id, api.consultant, "en")
    rows = list(csv.reader(io.StringIO(english)))
    assert rows[0][:3] == ["student_id", "workplace_id", "mentor_id"]  # as it always was
    details = " ".join(r[rows[0].index("unmatched_detail")] for r in rows[1:])
    assert [w for w in DUTCH if w in f" {details.lower()} "] == []


def test_the_dialect_is_a_query_parameter(api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    assert _csv(api, plan_id, api.consultant, "nl", csv_dialect="comma").startswith(
        "leerling,opleiding,")
    assert _csv(api, plan_id, api.consultant, "en", csv_dialect="excel-be").startswith(
        "\ufeffstudent_id;workplace_id;")
    wrong = api.client.get(f"/plans/{plan_id}", params={"csv_dialect": "tab"},
                           headers={**api.consultant, "Accept": "text/csv"})
    assert wrong.status_code == 422
    assert wrong.headers["content-type"].startswith("application/problem+json")


def test_names_stand_next_to_ids(api: Api, demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    frame = pd.read_csv(io.StringIO(_csv(api, plan_id, api.consultant)), dtype=str,
                        keep_default_na=False)
    placed = frame[frame["workplace_id"] != ""]
    employers = pd.read_csv(DEMO / "workplaces.csv", dtype=str).set_index(
        "workplace_id")["employer"]
    assert len(placed)
    assert (placed["employer"] == employers[placed["workplace_id"]].to_numpy()).all()
