"""The web page without a browser: logging in, CSRF, uploads, role checks, the plan page,
downloads, pins, refusals and proposals, through FastAPI's TestClient.

One app per module (with its pool of solver processes), like tests/api. Every
web user has their own client, so each keeps its own login cookie.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient  # its warning is filtered in pyproject.toml
from sqlalchemy import func, select

from api import job_texts
from api.auth import create_user
from api.tables import Job
from api.web.deps import CSRF_FIELD
from api.web.routes import consultant as consultant_routes
from api.web.routes import plans as plan_routes
from matcher.cost import uncovered_gaps, wish_rank
from matcher.rules import Pairs
from tests.api.conftest import DEMO, Api, demo_files, refuse, solve, start_api, upload_demo

COOKIE = "matcher_session"
BASE_URL = "http://127.0.0.1"


def demo_students() -> list[dict[str, str]]:
    with (DEMO / "students.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def students_of(coach_id: str) -> set[str]:
    return {row["student_id"] for row in demo_students() if row["coach_id"] == coach_id}


# In scenarios/demo: coach TB02 follows S22 (adjustment 'prikkelarm', intensive support);
# TB03 follows S07 (adjustment 'rolstoel').
TB02 = students_of("TB02")
TB03 = students_of("TB03")
ADJUSTMENT_CODES = sorted({code for row in demo_students()
                           for code in row["adjustments"].split(";") if code})
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
ROW_ID = re.compile(r'<tr id="row-([^"]+)"')


@dataclass
class WebUser:
    client: TestClient
    csrf: str

    def headers(self, htmx: bool = False) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf, **({"HX-Request": "true"} if htmx else {})}


@dataclass
class Solved:
    scenario_id: int
    plan_id: int
    job_id: int
    plan: dict[str, Any]  # plan.json as the API gives it

    @property
    def unmatched(self) -> set[str]:
        return {u["student_id"] for u in self.plan["unmatched"]}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    yield from start_api(tmp_path_factory.mktemp("web"))


def new_client(api: Api, raise_server_exceptions: bool = True) -> TestClient:
    """Another browser on the same app (the app's lifespan already runs)."""
    return TestClient(api.app, base_url=BASE_URL, follow_redirects=False,
                      raise_server_exceptions=raise_server_exceptions)


def key_of(headers: dict[str, str]) -> str:
    return headers["X-API-Key"]


def log_in(api: Api, headers: dict[str, str], raise_server_exceptions: bool = True
           ) -> WebUser:
    client = new_client(api, raise_server_exceptions)
    response = client.post("/ui/login", data={"api_key": key_of(headers)})
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    assert page.status_code == 200, page.text
    found = CSRF_INPUT.search(page.text)
    assert found, "the page has no CSRF token"
    return WebUser(client, found.group(1))


@pytest.fixture(scope="module")
def consultant(web: Api) -> WebUser:
    return log_in(web, web.consultant)


@pytest.fixture(scope="module")
def coach_tb02(web: Api) -> WebUser:
    return log_in(web, web.coach_tb02)


@pytest.fixture(scope="module")
def coach_tb03(web: Api) -> WebUser:
    return log_in(web, web.coach_tb03)


def solve_demo(api: Api) -> Solved:
    scenario_id = upload_demo(api)
    job = solve(api, scenario_id)
    plan = api.client.get(f"/jobs/{job['id']}/plan", headers=api.consultant)
    assert plan.status_code == 200, plan.text
    return Solved(scenario_id, int(job["plan_id"]), int(job["id"]), plan.json())


@pytest.fixture(scope="module")
def solved(web: Api) -> Solved:
    """The solved demo scenario; tests that pin or refuse solve their own."""
    return solve_demo(web)


def scenario_count(api: Api) -> int:
    response = api.client.get("/scenarios", headers=api.consultant)
    assert response.status_code == 200
    return len(response.json())


def row_ids(html: str) -> list[str]:
    return ROW_ID.findall(html)


def is_html(response: Any) -> bool:
    return str(response.headers["content-type"]).startswith("text/html")


# --- logging in -------------------------------------------------------------------------


def test_not_logged_in_goes_to_the_login_page(web: Api) -> None:
    client = new_client(web)
    response = client.get("/ui/scenarios")
    assert response.status_code == 303
    assert response.headers["location"] == f"/ui/login?next={quote('/ui/scenarios', safe='')}"
    htmx = client.get("/ui/scenarios", headers={"HX-Request": "true"})
    assert htmx.status_code == 204
    assert htmx.headers["HX-Redirect"] == response.headers["location"]
    forged = new_client(web)
    forged.cookies.set(COOKIE, "eyJ1IjoxLCJmIjoiMCIsImMiOiIwIn0.forged.signature")
    assert forged.get("/ui/scenarios").status_code == 303


def test_the_bare_address_leads_to_the_page(web: Api) -> None:
    client = new_client(web)
    response = client.get("/")
    assert response.is_redirect and response.headers["location"] == "/ui/"
    assert client.get("/ui/").headers["location"] == "/ui/login?next=%2Fui%2F"


def visible_text(html: str) -> str:
    main = html.split('<main id="main"', 1)[1]
    return re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", main, flags=re.S))


# Words of the command line and of file formats, which consultants and coaches do not use
JARGON = re.compile(r"matcher |users add|yaml|json|csv|parquet|xlsx|students|workplaces|"
                    r"mentors\b|_id\b", re.IGNORECASE)


def test_login_and_upload_pages_speak_without_commands_or_file_formats(
    web: Api, consultant: WebUser
) -> None:
    login = new_client(web).get("/ui/login")
    upload = consultant.client.get("/ui/scenarios")
    for page in (login, upload):
        assert page.status_code == 200
        assert "<code>" not in page.text
        assert JARGON.findall(visible_text(page.text)) == []
    assert "Excel" in visible_text(upload.text)


def test_after_login_the_user_returns_to_the_page_they_asked_for(web: Api,
                                                                solved: Solved) -> None:
    client = new_client(web)
    target = f"/ui/plans/{solved.plan_id}?status=unmatched"
    login_url = client.get(target).headers["location"]
    page = client.get(login_url)
    assert page.status_code == 200
    assert f'name="next" value="{target}"' in page.text.replace("&amp;", "&")
    response = client.post("/ui/login", data={"api_key": key_of(web.consultant),
                                              "next": target})
    assert response.status_code == 303
    assert response.headers["location"] == target
    assert client.get(target).status_code == 200


def test_unknown_key_gets_a_401_page_in_dutch(web: Api) -> None:
    client = new_client(web)
    response = client.post("/ui/login", data={"api_key": "lwm_not-a-real-key"})
    assert response.status_code == 401
    assert is_html(response)
    assert "Deze sleutel is niet gekend" in response.text
    assert COOKIE not in response.headers.get("set-cookie", "")
    assert client.get("/ui/scenarios").status_code == 303


def test_login_sets_a_safe_cookie_without_the_key(web: Api) -> None:
    client = new_client(web)
    key = key_of(web.consultant)
    response = client.post("/ui/login", data={"api_key": key})
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/scenarios"
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{COOKIE}=")
    attributes = [part.strip().lower() for part in set_cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    value = set_cookie.split(";", 1)[0].split("=", 1)[1]
    payload = value.split(".", 1)[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    for text in (value, set_cookie, decoded.decode("utf-8", "replace")):
        assert key not in text
        assert key.removeprefix("lwm_") not in text
    assert client.get("/ui/scenarios").status_code == 200


def test_coach_login_goes_to_the_coach_page(web: Api) -> None:
    response = new_client(web).post("/ui/login", data={"api_key": key_of(web.coach_tb02)})
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/coach"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example",
                                    "//evil.example/ui/scenarios", "/\\evil.example",
                                    "https://evil.example/ui/scenarios", "javascript:alert(1)"])
def test_login_next_cannot_leave_the_site(web: Api, target: str) -> None:
    for headers, home in ((web.consultant, "/ui/scenarios"), (web.coach_tb02, "/ui/coach")):
        client = new_client(web)
        response = client.post("/ui/login", data={"api_key": key_of(headers), "next": target})
        assert response.status_code == 303
        assert response.headers["location"] == home
    page = new_client(web).get("/ui/login", params={"next": target})
    assert "evil.example" not in page.text and "javascript:" not in page.text


def test_logout_needs_csrf_and_ends_the_session(web: Api) -> None:
    with web.services.sessions() as db:  # a user of its own: logging out may end them all
        key = create_user(db, "consultant", "Consultant Logout")
    user = log_in(web, {"X-API-Key": key})
    assert user.client.post("/ui/logout").status_code == 403
    assert user.client.get("/ui/scenarios").status_code == 200
    response = user.client.post("/ui/logout", data={"csrf_token": user.csrf})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/ui/login")
    assert user.client.get("/ui/scenarios").status_code == 303


def test_another_site_cannot_log_a_browser_in(web: Api) -> None:
    client = new_client(web)
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post("/ui/login", data={"api_key": key_of(web.consultant)},
                               headers=headers)
        assert response.status_code == 403 and COOKIE not in response.cookies
    same = client.post("/ui/login", data={"api_key": key_of(web.consultant)},
                       headers={"Origin": BASE_URL, "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 303


def test_logout_also_ends_a_copied_cookie_and_a_new_login_works(web: Api) -> None:
    with web.services.sessions() as db:
        key = create_user(db, "consultant", "Consultant Copied Cookie")
    user = log_in(web, {"X-API-Key": key})
    copy = new_client(web)
    copy.cookies.set(COOKIE, user.client.cookies[COOKIE])
    assert copy.get("/ui/scenarios").status_code == 200
    user.client.post("/ui/logout", data={"csrf_token": user.csrf})
    assert copy.get("/ui/scenarios").status_code == 303
    again = log_in(web, {"X-API-Key": key})  # at once: sessions are told apart to the µs
    assert again.client.get("/ui/scenarios").status_code == 200


def test_pages_are_not_kept_by_the_browser(consultant: WebUser, solved: Solved) -> None:
    for path in ("/ui/scenarios", f"/ui/plans/{solved.plan_id}",
                 f"/ui/plans/{solved.plan_id}/plan.csv"):
        assert consultant.client.get(path).headers["cache-control"] == "no-store", path
    assert "no-store" not in consultant.client.get("/ui/static/app.css").headers.get(
        "cache-control", "")


def test_an_expired_session_returns_to_the_page_not_the_fragment(web: Api,
                                                                 solved: Solved) -> None:
    stranger = new_client(web)
    page = f"/ui/plans/{solved.plan_id}?status=unmatched"
    response = stranger.get(f"/ui/plans/{solved.plan_id}/table?sort=cost",
                            headers={"HX-Request": "true",
                                     "HX-Current-URL": BASE_URL + page})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/ui/login?next=" + quote(page, safe="")
    login = stranger.get(response.headers["HX-Redirect"])
    assert "Meld je aan om verder te gaan" in login.text
    stranger.cookies.set(COOKIE, "an-old-or-forged-session")
    again = stranger.get(f"/ui/plans/{solved.plan_id}")
    assert again.headers["location"].endswith("&expired=1")
    assert "Je sessie is verlopen" in stranger.get(again.headers["location"]).text


# --- CSRF -------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused_and_stores_nothing(web: Api, consultant: WebUser,
                                                               solved: Solved) -> None:
    before = scenario_count(web)
    for headers in ({}, {"X-CSRF-Token": "not-the-token"}):
        response = consultant.client.post("/ui/scenarios", files=demo_files(),
                                          headers=headers)
        assert response.status_code == 403
        assert is_html(response)
    wrong_field = consultant.client.post("/ui/scenarios", files=demo_files(),
                                         data={"csrf_token": "not-the-token"})
    assert wrong_field.status_code == 403
    assert scenario_count(web) == before

    def jobs() -> int:
        with web.services.sessions() as db:
            return int(db.scalar(select(func.count()).select_from(Job)
                                 .where(Job.scenario_id == solved.scenario_id)) or 0)

    jobs_before = jobs()
    response = consultant.client.post(f"/ui/scenarios/{solved.scenario_id}/solve",
                                      data={"objective": ""})
    assert response.status_code == 403
    assert jobs() == jobs_before
    pin = consultant.client.post(f"/ui/plans/{solved.plan_id}/pins", data={
        "student_id": solved.plan["assignments"][0]["student_id"],
        "workplace_id": solved.plan["assignments"][0]["workplace_id"]})
    assert pin.status_code == 403
    pins = web.client.get(f"/scenarios/{solved.scenario_id}", headers=web.consultant)
    assert pins.json()["pins"] == []


def test_a_token_from_another_session_is_refused(web: Api, consultant: WebUser) -> None:
    other = log_in(web, web.consultant)
    assert other.csrf != consultant.csrf
    before = scenario_count(web)
    response = consultant.client.post("/ui/scenarios", files=demo_files(),
                                      headers={"X-CSRF-Token": other.csrf})
    assert response.status_code == 403
    assert scenario_count(web) == before


# --- uploading --------------------------------------------------------------------------


def files_with_bad_phase() -> tuple[list[tuple[str, tuple[str, bytes]]], int]:
    """The demo files with phase 'duaaal' for one student, and that student's row."""
    text = (DEMO / "students.csv").read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    phase = header.index("phase")
    row = next(i for i, line in enumerate(lines[1:], start=2)
               if next(csv.reader([line]))[phase] == "duaal")
    fields = next(csv.reader([lines[row - 1]]))
    fields[phase] = "duaaal"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    lines[row - 1] = out.getvalue()
    files = [(name, (file, "".join(lines).encode() if file == "students.csv" else body))
             for name, (file, body) in demo_files()]
    return files, row


def test_upload_with_a_mistake_points_at_file_row_and_column(web: Api,
                                                             consultant: WebUser) -> None:
    files, row = files_with_bad_phase()
    before = scenario_count(web)
    response = consultant.client.post("/ui/scenarios", files=files,
                                      headers=consultant.headers(htmx=True))
    assert response.status_code == 200
    assert "HX-Redirect" not in response.headers
    html = response.text
    assert 'id="upload-errors"' in html
    cells = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", html)
    assert ("students.csv", str(row), "phase") in cells, html
    assert "niets bewaard" in html
    assert scenario_count(web) == before
    plain = consultant.client.post("/ui/scenarios", files=files, headers=consultant.headers())
    assert plain.status_code == 422
    assert "<html" in plain.text and "students.csv" in plain.text
    assert scenario_count(web) == before


def test_fixed_upload_goes_to_the_new_scenario(web: Api, consultant: WebUser) -> None:
    before = {s["id"] for s in web.client.get("/scenarios", headers=web.consultant).json()}
    response = consultant.client.post("/ui/scenarios", files=demo_files(),
                                      headers=consultant.headers(htmx=True))
    assert response.status_code == 204
    after = {s["id"] for s in web.client.get("/scenarios", headers=web.consultant).json()}
    assert len(after - before) == 1
    (new_id,) = after - before
    assert response.headers["HX-Redirect"] == f"/ui/scenarios/{new_id}"
    page = consultant.client.get(f"/ui/scenarios/{new_id}")
    assert page.status_code == 200


# --- roles ------------------------------------------------------------------------------


def test_coach_may_not_open_consultant_pages(web: Api, coach_tb02: WebUser,
                                             solved: Solved) -> None:
    for path in ("/ui/scenarios", f"/ui/plans/{solved.plan_id}",
                 f"/ui/plans/{solved.plan_id}/plan.csv", f"/ui/scenarios/{solved.scenario_id}",
                 f"/ui/jobs/{solved.job_id}"):
        response = coach_tb02.client.get(path)
        assert response.status_code == 403, path
        assert is_html(response), path
        assert "Geen toegang" in response.text, path
    before = scenario_count(web)
    upload = coach_tb02.client.post("/ui/scenarios", files=demo_files(),
                                    headers=coach_tb02.headers(htmx=True))
    assert upload.status_code == 403
    assert scenario_count(web) == before


@pytest.mark.parametrize(("coach", "students"), [("coach_tb02", TB02), ("coach_tb03", TB03)])
def test_coach_page_lists_only_own_students_without_support_needs(
        request: pytest.FixtureRequest, solved: Solved, coach: str, students: set[str]) -> None:
    user: WebUser = request.getfixturevalue(coach)
    assert any(row["adjustments"] for row in demo_students() if row["student_id"] in students)
    response = user.client.get("/ui/coach", params={"plan": solved.plan_id})
    assert response.status_code == 200
    html = response.text
    assert set(re.findall(r'<article class="card student" id="student-([^"]+)"', html)) \
        == students
    everyone = {a["student_id"] for a in solved.plan["assignments"]} | solved.unmatched
    for other in everyone - students:
        assert f"student-{other}" not in html
        assert f'value="{other}"' not in html
    lowered = html.lower()
    for code in ADJUSTMENT_CODES:
        assert code not in lowered
    assert "prio" not in lowered  # no 'Prioriteit' column, label or tier number
    assert "intensie" not in lowered and "intensive" not in lowered
    assert "adjustment" not in lowered
    assert "redelijke aanpassing" not in lowered  # the adjustments rule's label


def test_consultant_sees_the_coach_page_of_the_coach_they_pick(consultant: WebUser,
                                                               solved: Solved) -> None:
    for coach_id in ("TB02", "TB03", "TB06"):
        html = consultant.client.get("/ui/coach", params={"plan": solved.plan_id,
                                                          "coach": coach_id}).text
        assert set(re.findall(r'<article class="card student" id="student-([^"]+)"', html)) \
            == students_of(coach_id), coach_id


def _cards(html: str) -> list[str]:
    """The student cards, each user's own form token left out."""
    cards = re.findall(r'<article class="card student".*?</article>', html, flags=re.S)
    return [re.sub(rf'name="{CSRF_FIELD}" value="[^"]*"', "", card) for card in cards]


def test_consultant_previews_exactly_what_the_coach_sees(
        consultant: WebUser, coach_tb02: WebUser, solved: Solved) -> None:
    """The preview is the coach's view, not the consultant's fuller one: no support need
    reaches the cards either way."""
    own = coach_tb02.client.get("/ui/coach", params={"plan": solved.plan_id}).text
    preview = consultant.client.get("/ui/coach", params={"plan": solved.plan_id,
                                                         "coach": "TB02"}).text
    assert _cards(own) and _cards(preview) == _cards(own)


def test_coach_cannot_pick_another_coach(coach_tb02: WebUser, solved: Solved) -> None:
    html = coach_tb02.client.get("/ui/coach", params={"plan": solved.plan_id,
                                                       "coach": "TB03"}).text
    assert set(re.findall(r'<article class="card student" id="student-([^"]+)"', html)) == TB02


# --- the plan page ----------------------------------------------------------------------


def test_plan_page_shows_the_placed_count_and_every_unmatched_student(
        consultant: WebUser, solved: Solved) -> None:
    response = consultant.client.get(f"/ui/plans/{solved.plan_id}")
    assert response.status_code == 200
    html = response.text
    summary = solved.plan["summary"]
    assert len(solved.plan["assignments"]) == summary["placed"]
    assert f"<dt>Geplaatst</dt><dd>{summary['placed']} van {summary['students']}" in html
    assert f"<dt>Niet geplaatst</dt><dd>{len(solved.unmatched)}</dd>" in html
    assert solved.unmatched, "the demo plan should leave someone unmatched"
    assert set(re.findall(r'<tr id="unmatched-([^"]+)"', html)) == solved.unmatched
    assert 'id="replan-banner"' not in html


def test_table_filters_on_status(consultant: WebUser, solved: Solved) -> None:
    base = f"/ui/plans/{solved.plan_id}/table"
    unmatched = consultant.client.get(base, params={"status": "unmatched"})
    assert unmatched.status_code == 200
    assert set(row_ids(unmatched.text)) == solved.unmatched
    assert len(row_ids(unmatched.text)) == len(solved.unmatched)
    placed = row_ids(consultant.client.get(base, params={"status": "placed"}).text)
    assert set(placed) == {a["student_id"] for a in solved.plan["assignments"]}
    assert len(row_ids(consultant.client.get(base).text)) == solved.plan["summary"]["students"]


def test_table_sorts_by_cost_descending(consultant: WebUser, solved: Solved) -> None:
    html = consultant.client.get(f"/ui/plans/{solved.plan_id}/table",
                                 params={"sort": "cost", "order": "desc"}).text
    ids = row_ids(html)
    assert len(ids) == solved.plan["summary"]["students"]
    cost_of = {a["student_id"]: a["cost"] for a in solved.plan["assignments"]}
    costs = [cost_of[s] for s in ids if s in cost_of]
    assert len(costs) == len(cost_of)
    assert costs == sorted(costs, reverse=True)
    assert costs[0] > costs[-1], "the demo plan should have different costs"
    assert set(ids[len(costs):]) == solved.unmatched  # students without a cost come last
    shown = [int(c.replace(".", "")) for c in re.findall(r"<strong>([\d.]+)</strong>", html)]
    assert shown == costs


def test_table_search_narrows_the_rows(consultant: WebUser, solved: Solved) -> None:
    base = f"/ui/plans/{solved.plan_id}/table"
    assert row_ids(consultant.client.get(base, params={"q": "S07"}).text) == ["S07"]
    workplace = solved.plan["assignments"][0]["workplace_id"]
    expected = {a["student_id"] for a in solved.plan["assignments"]
                if a["workplace_id"] == workplace}
    rows = row_ids(consultant.client.get(base, params={"q": workplace.lower()}).text)
    assert set(rows) == expected
    assert row_ids(consultant.client.get(base, params={"q": "geen-zo-een-leerling"}).text) \
        == []


# --- downloads --------------------------------------------------------------------------


def test_csv_download_has_one_row_per_student(consultant: WebUser, solved: Solved) -> None:
    """In the page's language: Dutch, as Belgian Excel opens it (';', BOM)."""
    response = consultant.client.get(f"/ui/plans/{solved.plan_id}/plan.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(response.content), sep=";", decimal=",",
                        encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert len(frame) == solved.plan["summary"]["students"]
    assert list(frame.columns[:6]) == ["leerling", "opleiding", "school", "prioriteit",
                                       "leerwerkplek", "werkgever"]
    everyone = {a["student_id"] for a in solved.plan["assignments"]} | solved.unmatched
    assert set(frame["leerling"]) == everyone


def test_csv_download_follows_the_language_and_the_dialect(consultant: WebUser,
                                                           solved: Solved) -> None:
    english = consultant.client.get(f"/ui/plans/{solved.plan_id}/plan.csv",
                                    params={"lang": "en"})
    rows = list(csv.reader(io.StringIO(english.text)))
    assert rows[0][:3] == ["student_id", "workplace_id", "mentor_id"]
    comma = consultant.client.get(f"/ui/plans/{solved.plan_id}/plan.csv",
                                  params={"lang": "nl", "csv_dialect": "comma"})
    assert comma.text.startswith("leerling,opleiding,")
    wrong = consultant.client.get(f"/ui/plans/{solved.plan_id}/plan.csv",
                                  params={"csv_dialect": "tab"})
    assert wrong.status_code == 422


def test_conflicts_download_lists_each_conflict(consultant: WebUser, solved: Solved) -> None:
    page = consultant.client.get(f"/ui/plans/{solved.plan_id}").text
    assert f"/ui/plans/{solved.plan_id}/conflicts.csv" in page
    response = consultant.client.get(f"/ui/plans/{solved.plan_id}/conflicts.csv")
    assert response.status_code == 200
    frame = pd.read_csv(io.BytesIO(response.content), sep=";", encoding="utf-8-sig")
    conflicts = solved.plan["conflicts"] + solved.plan.get("capacity_conflicts", [])
    assert list(frame["leerling"]) == [c["student_id"] for c in conflicts]
    assert list(frame.columns) == ["leerling", "opleiding", "leerwerkplek", "werkgever",
                                   "conflict", "overtreedt"]


def test_excel_download_has_the_three_tables(consultant: WebUser, solved: Solved) -> None:
    response = consultant.client.get(f"/ui/plans/{solved.plan_id}/plan.xlsx")
    assert response.status_code == 200
    sheets = pd.read_excel(io.BytesIO(response.content), sheet_name=None)
    assert set(sheets) == {"plaatsingen", "niet geplaatst", "conflicten"}
    placed, unmatched = sheets["plaatsingen"], sheets["niet geplaatst"]
    assert len(placed) == solved.plan["summary"]["placed"]
    assert len(unmatched) == len(solved.unmatched)
    assert set(placed["leerling"]) == {a["student_id"] for a in solved.plan["assignments"]}
    assert set(unmatched["leerling"]) == solved.unmatched
    assert placed["kosten"].dtype.kind == "i"  # numbers stay numbers
    assert {"werkgever", "opleiding", "prioriteit"} <= set(placed.columns)
    assert {"prioriteit", "reden", "toelichting"} <= set(unmatched.columns)


def test_json_download_is_the_apis_plan(web: Api, consultant: WebUser, solved: Solved) -> None:
    response = consultant.client.get(f"/ui/plans/{solved.plan_id}/plan.json")
    assert response.status_code == 200
    assert response.json() == solved.plan
    api_plan = web.client.get(f"/plans/{solved.plan_id}", headers=web.consultant).json()
    assert response.json() == api_plan["plan"]


# --- pins, refusals ---------------------------------------------------------------------


def test_pin_from_the_plan_page_is_stored(web: Api, consultant: WebUser) -> None:
    own = solve_demo(web)
    assignment = next(a for a in own.plan["assignments"] if not a.get("pinned"))
    response = consultant.client.post(f"/ui/plans/{own.plan_id}/pins", data={
        "csrf_token": consultant.csrf, "student_id": assignment["student_id"],
        "workplace_id": assignment["workplace_id"],
        "mentor_id": assignment.get("mentor_id") or ""}, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.text
    assert "vastgezet" in response.text
    pins = web.client.get(f"/scenarios/{own.scenario_id}", headers=web.consultant).json()["pins"]
    assert [(p["student_id"], p["workplace_id"]) for p in pins] \
        == [(assignment["student_id"], assignment["workplace_id"])]
    table = consultant.client.get(f"/ui/plans/{own.plan_id}/table",
                                  params={"q": assignment["student_id"]}).text
    assert "vastgezet" in table


def test_pin_elsewhere_from_the_plan_page_re_plans_and_says_so(web: Api,
                                                              consultant: WebUser) -> None:
    own = solve_demo(web)
    placed = {a["student_id"]: a["workplace_id"] for a in own.plan["assignments"]
              if not a.get("pinned")}
    student, workplace = next(
        (s, offer["workplace_id"]) for s in sorted(placed)
        for offer in web.client.get(f"/plans/{own.plan_id}/students/{s}/suggestions",
                                    headers=web.consultant).json()["suggestions"]
        if offer["workplace_id"] != placed[s])
    response = consultant.client.post(f"/ui/plans/{own.plan_id}/pins", data={
        "csrf_token": consultant.csrf, "student_id": student, "workplace_id": workplace},
        headers={"HX-Request": "true"})
    assert response.status_code == 200, response.text
    job = re.search(r'href="/ui/jobs/(\d+)"', response.text)
    assert job and "herrekend" in response.text  # the newest plan does not keep it yet
    target = _when_job_done(consultant, int(job.group(1)))
    found = re.fullmatch(r"/ui/plans/(\d+)\?status=changed", target)
    assert found, target
    new_id = int(found.group(1))
    page = consultant.client.get(target).text
    assert "Herplanning na vastzetten" in page
    new_plan = web.client.get(f"/plans/{new_id}", headers=web.consultant).json()["plan"]
    assert (student, workplace) in {(a["student_id"], a["workplace_id"])
                                    for a in new_plan["assignments"]}


def test_existing_placements_are_marked_and_cannot_be_refused(consultant: WebUser,
                                                              solved: Solved) -> None:
    with (DEMO / "placements.csv").open(encoding="utf-8", newline="") as handle:
        existing = {row["student_id"] for row in csv.DictReader(handle)}
    table = consultant.client.get(f"/ui/plans/{solved.plan_id}/table",
                                  params={"status": "placed"}).text
    rows = dict(re.findall(r'<tr id="row-([^"]+)"[^>]*>(.*?)</tr>', table, flags=re.S))
    placed_existing = existing & set(rows)
    assert placed_existing
    for student, row in rows.items():
        assert ("bestaande plaatsing" in row) == (student in placed_existing), student
        assert ("/refusals" in row) == (student not in placed_existing), student


def test_pin_and_refusal_can_be_undone_and_a_scenario_deleted(web: Api,
                                                              consultant: WebUser) -> None:
    own = solve_demo(web)
    first, second = [a for a in own.plan["assignments"] if not a.get("pinned")][:2]
    consultant.client.post(f"/ui/plans/{own.plan_id}/pins", data={
        "student_id": first["student_id"], "workplace_id": first["workplace_id"]},
        headers=consultant.headers(htmx=True))
    consultant.client.post(f"/ui/plans/{own.plan_id}/refusals", data={
        "student_id": second["student_id"], "workplace_id": second["workplace_id"]},
        headers=consultant.headers(htmx=True))
    page = consultant.client.get(f"/ui/scenarios/{own.scenario_id}").text
    assert "Losmaken" in page and "Intrekken" in page

    def lineage() -> tuple[list[Any], list[Any]]:
        detail = web.client.get(f"/scenarios/{own.scenario_id}", headers=web.consultant).json()
        return detail["pins"], detail["refusals"]

    assert consultant.client.post(f"/ui/scenarios/{own.scenario_id}/pins/remove",
                                  data={"student_id": first["student_id"]}).status_code == 403
    response = consultant.client.post(f"/ui/scenarios/{own.scenario_id}/pins/remove",
                                      data={"student_id": first["student_id"]},
                                      headers=consultant.headers(htmx=True))
    assert response.status_code == 204
    assert lineage()[0] == [] and len(lineage()[1]) == 1
    consultant.client.post(f"/ui/scenarios/{own.scenario_id}/refusals/remove", data={
        "student_id": second["student_id"], "workplace_id": second["workplace_id"]},
        headers=consultant.headers(htmx=True))
    assert lineage() == ([], [])
    gone = consultant.client.post(f"/ui/scenarios/{own.scenario_id}/delete",
                                  headers=consultant.headers(htmx=True))
    assert gone.headers["HX-Redirect"] == "/ui/scenarios"
    assert web.client.get(f"/scenarios/{own.scenario_id}",
                          headers=web.consultant).status_code == 404
    assert consultant.client.get(f"/ui/scenarios/{own.scenario_id}").status_code == 404


def _when_job_done(user: WebUser, job_id: int) -> str:
    """Poll a job's progress like its page does; the address it then sends the browser to."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        progress = user.client.get(f"/ui/jobs/{job_id}/progress",
                                   headers={"HX-Request": "true"})
        if "HX-Redirect" in progress.headers:
            return str(progress.headers["HX-Redirect"])
        assert "mislukte" not in progress.text, progress.text
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_refusal_shows_the_new_plan_without_the_refused_pair(
        web: Api, consultant: WebUser, monkeypatch: pytest.MonkeyPatch) -> None:
    # the re-plan outlasts the form's wait here: the browser follows the job's page
    monkeypatch.setattr(plan_routes, "JOB_PAGE_WAIT_S", 0.0)
    monkeypatch.setattr(consultant_routes, "JOB_PAGE_WAIT_S", 0.0)
    own = solve_demo(web)
    assignment = next(a for a in own.plan["assignments"] if not a.get("pinned"))
    pair = (assignment["student_id"], assignment["workplace_id"])
    response = consultant.client.post(
        f"/ui/plans/{own.plan_id}/refusals",
        data={"student_id": pair[0], "workplace_id": pair[1], "reason": "te ver"},
        headers=consultant.headers(htmx=True))
    assert response.status_code == 204, response.text
    job = re.fullmatch(r"/ui/jobs/(\d+)", response.headers["HX-Redirect"])
    assert job, response.headers["HX-Redirect"]  # the re-plan job's page, which polls
    target = _when_job_done(consultant, int(job.group(1)))
    found = re.fullmatch(r"/ui/plans/(\d+)\?status=changed", target)
    assert found, target
    new_id = int(found.group(1))
    assert new_id != own.plan_id
    page = consultant.client.get(target)
    assert page.status_code == 200
    assert 'id="replan-banner"' in page.text and "Herplanning" in page.text
    new_plan = web.client.get(f"/plans/{new_id}", headers=web.consultant).json()
    assert new_plan["parent_id"] == own.plan_id
    pairs = {(a["student_id"], a["workplace_id"]) for a in new_plan["plan"]["assignments"]}
    assert pair not in pairs
    old_page = consultant.client.get(f"/ui/plans/{own.plan_id}").text
    assert f'href="/ui/plans/{new_id}"' in old_page  # the old version points to the new one


def test_the_job_page_waits_for_a_replan_and_opens_the_new_plan(
        web: Api, consultant: WebUser, monkeypatch: pytest.MonkeyPatch) -> None:
    # The browser goes from the refusal to the job page; that page answers when the
    # re-plan ends (the job runner wakes it), sending the browser on to the new plan
    # without a poll tick. The wait is long here so a busy test machine cannot lose it.
    monkeypatch.setattr(plan_routes, "JOB_PAGE_WAIT_S", 0.0)  # the form does not wait
    monkeypatch.setattr(consultant_routes, "JOB_PAGE_WAIT_S", 120.0)
    own = solve_demo(web)
    assignment = next(a for a in own.plan["assignments"] if not a.get("pinned"))
    response = consultant.client.post(
        f"/ui/plans/{own.plan_id}/refusals", headers=consultant.headers(htmx=True),
        data={"student_id": assignment["student_id"],
              "workplace_id": assignment["workplace_id"]})
    job_page = consultant.client.get(response.headers["HX-Redirect"], follow_redirects=False)
    assert job_page.status_code == 303, job_page.text
    found = re.fullmatch(r"/ui/plans/(\d+)\?status=changed", job_page.headers["location"])
    assert found and int(found.group(1)) != own.plan_id
    job_id = int(response.headers["HX-Redirect"].rsplit("/", 1)[-1])
    job = web.client.get(f"/jobs/{job_id}", headers=web.consultant).json()
    assert job["state"] == "done" and job["plan_id"] == int(found.group(1))


def test_demo_refusal_marks_who_lost_and_who_gained_the_place(
        web: Api, consultant: WebUser, coach_tb03: WebUser,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # S25 holds W26's last seat and S26 waits for it; S25's placement is refused. The
    # refusal form waits for the re-plan (long here, so a busy machine cannot lose it)
    # and sends the browser straight to the new plan.
    monkeypatch.setattr(plan_routes, "JOB_PAGE_WAIT_S", 120.0)
    own = solve_demo(web)
    response = consultant.client.post(
        f"/ui/plans/{own.plan_id}/refusals", data={"student_id": "S25", "workplace_id": "W26"},
        headers=consultant.headers(htmx=True))
    assert response.status_code == 204, response.text
    target = response.headers["HX-Redirect"]
    assert re.fullmatch(r"/ui/plans/\d+\?status=changed", target), target
    page = consultant.client.get(target).text
    banner = page.split('id="replan-banner"')[1].split("</div>")[0]
    assert "Geen enkele andere leerling" not in banner
    lost = re.search(r'<li data-change="lost"><strong>S25</strong>.*?</li>', banner)
    gained = re.search(r'<li data-change="gained"><strong>S26</strong>.*?</li>', banner)
    assert lost and "W26 – Slagerij Wuyts" in lost.group(0) and "niet geplaatst" in lost.group(0)
    assert gained and "W26 – Slagerij Wuyts" in gained.group(0)
    assert len(re.findall(r"<li data-change=", banner)) == 2  # nobody else changed
    rows = dict(re.findall(r'<tr id="row-(S\d+)" class="([^"]*)"', page))
    assert set(rows) == {"S25", "S26"}  # the redirect shows only the changed students
    assert all("changed" in rows[s] for s in ("S25", "S26"))
    assert "verloor de plaats" in page and "kreeg een plaats" in page
    new_id = int(re.findall(r"/ui/plans/(\d+)", target)[0])

    # The two versions side by side: counts per priority, the changed students.
    compare = consultant.client.get(f"/ui/scenarios/{own.scenario_id}/compare",
                                    params={"base": own.plan_id, "plan": new_id})
    assert compare.status_code == 200, compare.text
    changed = dict(re.findall(r'<tr id="diff-(S\d+)" data-change="(\w+)"', compare.text))
    assert changed == {"S25": "lost", "S26": "gained"}
    assert "Slagerij Wuyts" in compare.text and "Per prioriteit" in compare.text
    by_default = consultant.client.get(f"/ui/scenarios/{own.scenario_id}/compare").text
    assert dict(re.findall(r'<tr id="diff-(S\d+)" data-change="(\w+)"', by_default)) == changed
    only_gained = consultant.client.get(
        f"/ui/scenarios/{own.scenario_id}/compare/table",
        params={"base": own.plan_id, "plan": new_id, "change": "gained"},
        headers=consultant.headers(htmx=True)).text
    assert re.findall(r'<tr id="diff-(S\d+)"', only_gained) == ["S26"]
    # a coach has no comparison page (it counts per priority)
    assert coach_tb03.client.get(f"/ui/scenarios/{own.scenario_id}/compare").status_code == 403


def test_compare_needs_plans_of_the_scenario(web: Api, consultant: WebUser,
                                             solved: Solved) -> None:
    single = consultant.client.get(f"/ui/scenarios/{solved.scenario_id}/compare")
    assert single.status_code == 200 and "minstens twee planversies" in single.text
    other = solve_demo(web)
    foreign = consultant.client.get(f"/ui/scenarios/{solved.scenario_id}/compare",
                                    params={"base": other.plan_id})
    assert foreign.status_code == 404


# --- proposals --------------------------------------------------------------------------


def proposable(user: WebUser, plan_id: int) -> tuple[str, str]:
    """A (student, workplace) pair the coach page offers to propose."""
    html = user.client.get("/ui/coach", params={"plan": plan_id}).text
    found = re.search(r'name="student_id" value="([^"]+)"><input type="hidden" '
                      r'name="workplace_id" value="([^"]+)"', html)
    assert found, "the coach page offers nothing to propose"
    return found.group(1), found.group(2)


def test_coach_proposal_shows_on_the_consultant_plan_page(
        web: Api, consultant: WebUser, coach_tb02: WebUser, solved: Solved) -> None:
    student, workplace = proposable(coach_tb02, solved.plan_id)
    assert student in TB02
    response = coach_tb02.client.post(f"/ui/coach/plans/{solved.plan_id}/proposals",
                                      data={"student_id": student, "workplace_id": workplace},
                                      headers=coach_tb02.headers(htmx=True))
    assert response.status_code == 200, response.text
    assert "voorgesteld" in response.text
    page = consultant.client.get(f"/ui/plans/{solved.plan_id}").text
    assert 'id="proposals-table"' in page
    assert re.search(rf'<tr id="proposal-\d+"><th scope="row">{student}</th><td>{workplace}</td>'
                     r'<td>Coach Two</td>', page)
    listed = web.client.get(f"/plans/{solved.plan_id}/proposals", headers=web.consultant)
    assert [(p["student_id"], p["workplace_id"]) for p in listed.json()] \
        == [(student, workplace)]
    again = coach_tb02.client.get("/ui/coach", params={"plan": solved.plan_id}).text
    assert "voorgesteld aan de consulent" in again


def test_a_coach_proposal_carries_its_note_to_the_consultant(
        web: Api, coach_tb02: WebUser, solved: Solved) -> None:
    student, workplace = proposable(coach_tb02, solved.plan_id)
    response = coach_tb02.client.post(
        f"/ui/coach/plans/{solved.plan_id}/proposals",
        data={"student_id": student, "workplace_id": workplace,
              "note": "  Wil graag in de winkel werken  "},
        headers=coach_tb02.headers(htmx=True))
    assert response.status_code == 200, response.text
    listed = web.client.get(f"/plans/{solved.plan_id}/proposals", headers=web.consultant)
    notes = {(p["student_id"], p["workplace_id"]): p["note"] for p in listed.json()}
    assert notes[(student, workplace)] == "Wil graag in de winkel werken"


def test_a_proposal_on_an_older_plan_version_says_which_is_newest(
        web: Api, consultant: WebUser, coach_tb02: WebUser) -> None:
    own = solve_demo(web)
    student, workplace = proposable(coach_tb02, own.plan_id)
    other = next(a for a in own.plan["assignments"]
                 if a["student_id"] != student and not a.get("pinned"))
    refuse(web, own.plan_id, other["student_id"], other["workplace_id"])
    page = coach_tb02.client.post(f"/ui/coach/plans/{own.plan_id}/proposals",
                                  data={"student_id": student, "workplace_id": workplace},
                                  headers=coach_tb02.headers(htmx=True))
    assert page.status_code == 409 and is_html(page)
    assert "nieuwere versie van dit plan (versie 2)" in page.text
    assert web.client.get(f"/plans/{own.plan_id}/proposals",
                          headers=web.consultant).json() == []


def test_proposing_a_workplace_that_is_not_allowed_is_refused(
        web: Api, coach_tb02: WebUser, solved: Solved) -> None:
    # W01 is a bakery, recognised only for 'bakker'; S04 is a winkelmedewerker.
    body = {"student_id": "S04", "workplace_id": "W01"}
    before = web.client.get(f"/plans/{solved.plan_id}/proposals", headers=web.consultant)
    page = coach_tb02.client.post(f"/ui/coach/plans/{solved.plan_id}/proposals", data=body,
                                  headers=coach_tb02.headers(htmx=True))
    assert page.status_code == 422
    assert is_html(page)
    assert 'role="alert"' in page.text and "W01" in page.text
    api = web.client.post(f"/plans/{solved.plan_id}/proposals", json=body,
                          headers=web.coach_tb02)
    assert api.status_code == 422
    assert api.headers["content-type"].startswith("application/problem+json")
    after = web.client.get(f"/plans/{solved.plan_id}/proposals", headers=web.consultant)
    assert after.json() == before.json()
    other = coach_tb02.client.post(f"/ui/coach/plans/{solved.plan_id}/proposals",
                                   data={"student_id": "S01", "workplace_id": "W01"},
                                   headers=coach_tb02.headers(htmx=True))
    assert other.status_code == 403  # S01 is followed by TB03


# --- invalid form values ---------------------------------------------------------------

@pytest.mark.parametrize("case", ["solve-objective", "solve-backend", "pin-long-id",
                                  "refusal-long-reason", "proposal-long-id"])
def test_invalid_form_values_get_a_422_page(web: Api, solved: Solved, case: str) -> None:
    role = web.coach_tb02 if case.startswith("proposal") else web.consultant
    user = log_in(web, role, raise_server_exceptions=False)
    long_id = "S" * 201  # MAX_ID_LENGTH is 200
    path, data = {
        "solve-objective": (f"/ui/scenarios/{solved.scenario_id}/solve",
                            {"objective": "bogus"}),
        "solve-backend": (f"/ui/scenarios/{solved.scenario_id}/solve", {"backend": "nope"}),
        "pin-long-id": (f"/ui/plans/{solved.plan_id}/pins",
                        {"student_id": long_id, "workplace_id": "W01"}),
        "refusal-long-reason": (f"/ui/plans/{solved.plan_id}/refusals",
                                {"student_id": "S01", "workplace_id": "W01",
                                 "reason": "x" * 2001}),
        "proposal-long-id": (f"/ui/coach/plans/{solved.plan_id}/proposals",
                             {"student_id": long_id, "workplace_id": "W06"}),
    }[case]
    response = user.client.post(path, data=data, headers=user.headers(htmx=True))
    assert response.status_code == 422, response.text
    assert is_html(response) and 'role="alert"' in response.text


# --- errors -----------------------------------------------------------------------------


def test_web_errors_are_html_and_api_errors_stay_problem_json(web: Api,
                                                              consultant: WebUser) -> None:
    for path, status in (("/ui/plans/999999", 404), ("/ui/scenarios/999999", 404),
                         ("/ui/plans/not-a-number", 422), ("/ui/no-such-page", 404)):
        response = consultant.client.get(path)
        assert response.status_code == status, path
        assert is_html(response), path
        assert "<html" in response.text and "problem" not in response.text.lower(), path
    htmx = consultant.client.get("/ui/plans/999999/table", headers={"HX-Request": "true"})
    assert htmx.status_code == 404 and is_html(htmx)
    assert 'role="alert"' in htmx.text and "<html" not in htmx.text
    api = web.client.get("/plans/999999", headers=web.consultant)
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert json.loads(api.text)["status"] == 404


def test_coach_sees_the_same_suggestions_as_the_api_with_their_reasons(
        web: Api, coach_tb02: WebUser, solved: Solved) -> None:
    html = coach_tb02.client.get("/ui/coach", params={"plan": solved.plan_id}).text
    scenario = web.services.plan_context(solved.plan_id).scenario
    checked = 0
    for student in sorted(TB02):
        card = re.search(rf'<article class="card student" id="student-{student}".*?</article>',
                         html, flags=re.S)
        assert card, student
        shown = re.findall(r'<tr><th scope="row">(\S+)<br>.*?<li>(.*?)</li><li>(.*?)</li>'
                           r'<li>(\d+) min reizen(?: \(nu \d+ min\))?</li>', card.group(0),
                           flags=re.S)
        api = web.client.get(f"/plans/{solved.plan_id}/students/{student}/suggestions",
                             params={"k": 3}, headers=web.coach_tb02).json()
        assert [w for w, *_ in shown] == [s["workplace_id"] for s in api["suggestions"]]
        position = int(np.flatnonzero(scenario.students.ids == student)[0])
        for workplace_id, wish_text, gaps_text, minutes in shown:
            workplace = int(np.flatnonzero(scenario.workplaces.ids == workplace_id)[0])
            everyone = Pairs.of_student(scenario, position)
            pair = everyone.subset(np.flatnonzero(everyone.workplace == workplace))
            assert int(minutes) == int(pair.minutes[0])
            rank, gaps = int(wish_rank(pair)[0]), int(uncovered_gaps(pair)[0])
            if rank < int(scenario.students.wish_count[position]):
                assert wish_text.startswith(f"{rank + 1}e sectorwens")
            assert (gaps == 0) == gaps_text.startswith("leert alle ontbrekende")
            checked += 1
    assert checked > 0


def test_fixes_come_while_the_page_asks_again_and_the_report_shares_them(
        web: Api, consultant: WebUser, solved: Solved) -> None:
    path = f"/ui/plans/{solved.plan_id}/fixes"
    first = consultant.client.get(path, headers={"HX-Request": "true"})
    assert first.status_code == 200
    deadline = time.monotonic() + 120
    page = first.text
    while 'id="fixes-table"' not in page:
        assert 'hx-trigger="load delay:2s"' in page  # busy: the page asks again
        assert time.monotonic() < deadline, "the fixes never came"
        time.sleep(0.5)
        page = consultant.client.get(path, headers={"HX-Request": "true"}).text
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>', page.split('id="fixes-table"')[1])
    assert sorted(rows) == sorted(solved.unmatched)
    # a fix's button tries its change as a what-if: a new version, solved
    change = re.search(r'name="change" value=\'([^\']+)\'', page)
    assert change is not None, page
    tried = consultant.client.post(f"/ui/scenarios/{solved.scenario_id}/versions",
                                   headers=consultant.headers(),
                                   data={"change": html.unescape(change.group(1))})
    assert tried.status_code == 303, tried.text
    kept = web.services.analyses.peek(solved.plan_id)
    assert kept is not None  # the report below uses it: no second run
    report = consultant.client.get(f"/ui/plans/{solved.plan_id}/report.html")
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    assert report.text == kept.report_html["nl"]  # the page's language


def _followed_job(busy: str) -> int:
    """The analysis job a busy fragment asks again for."""
    found = re.search(r"fixes\?job=(\d+)", busy)
    assert found, busy
    return int(found.group(1))


def test_a_failed_analysis_is_shown_to_its_page_once_and_asking_again_starts_afresh(
        web: Api, consultant: WebUser) -> None:
    own = solve_demo(web)
    path = f"/ui/plans/{own.plan_id}/fixes"
    first = consultant.client.get(path, headers={"HX-Request": "true"})
    job_id = _followed_job(first.text)
    web.services.runner.stop()  # as if it had failed in its solver
    with web.services.sessions() as db:
        db.query(Job).filter(Job.id == job_id).update(
            {"state": "failed",
             "error": job_texts.stored(job_texts.internal_error("MemoryError"))})
        db.commit()
    web.services.runner.start()
    failed = consultant.client.get(f"{path}?job={job_id}", headers={"HX-Request": "true"})
    assert failed.status_code == 503 and "Het narekenen mislukte" in failed.text
    assert "interne fout (MemoryError)" in failed.text  # stored as a code, shown in Dutch
    again = consultant.client.get(path, headers={"HX-Request": "true"})
    fresh = _followed_job(again.text)
    assert fresh != job_id  # a new analysis job, which the page follows
    with web.services.sessions() as db:
        job = db.get(Job, fresh)
        assert job is not None and job.kind == "analysis" and job.source_plan_id == own.plan_id


def test_report_download_waits_on_a_page_that_offers_it_when_ready(
        web: Api, consultant: WebUser) -> None:
    own = solve_demo(web)  # a plan nobody analysed yet
    path = f"/ui/plans/{own.plan_id}/report.html"
    waiting = consultant.client.get(path)
    assert waiting.status_code == 202 and "attachment" not in waiting.headers.get(
        "content-disposition", "")
    job = re.search(r'hx-get="[^"]*report\.html\?job=(\d+)"', waiting.text)
    assert job, waiting.text  # the page asks again for that analysis job
    deadline = time.monotonic() + 120
    fragment = waiting.text
    while "Het rapport is klaar" not in fragment:
        assert time.monotonic() < deadline, "the report never came"
        time.sleep(0.2)
        fragment = consultant.client.get(f"{path}?job={job.group(1)}",
                                         headers={"HX-Request": "true"}).text
    report = consultant.client.get(path)
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    assert "<html" in report.text.lower()
