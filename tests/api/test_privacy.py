"""The coach-view policy, end to end: a scenario full of support needs is solved through
the API, then a coach walks every route and page the app has, and no answer may reveal an
adjustment, intensive support, a priority, or a conflict's rules.

Students, all followed by coach TB02 unless said otherwise (W1-W3: LOG, W5: VERK, W7: BAK):

* ADJ needs adjustment 'rolstoel', which no workplace offers: the adjustments rule is the
  only one that fails. EXC is the same student without it, but excluded from W1-W3. A coach
  may see neither fact, so both must read the same.
* INT needs intensive support, like PINT (TB03's), who lives nearer W5: W5's only mentor
  may take one intensive-support student, PINT, so INT waits on that limit. PLAIN1
  (explicit priority 1) takes W5's other seat, so PLAIN2 (explicit priority 4, living where
  INT lives) finds W5 full. INT and PLAIN2 differ only in sensitive facts.
* PIN needs 'prikkelarm' and is an existing placement at W1, which does not offer it: a
  conflict on the adjustments rule.
* FAR lives out of reach of every LOG workplace (a reason a coach may read).
* '=1+2' is an id a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient  # its warning is filtered in pyproject.toml
from starlette.routing import Mount

from api.privacy import (
    COACH_SENTENCES,
    OTHER,
    SHOWN_RULES,
    coach_actions,
    coach_why,
    rule_label,
)
from matcher.messages import Lang, Message, Param, render
from matcher.pipeline import SolveSettings, run_solve
from models.scenario import Scenario
from tests import builders
from tests.api.conftest import Api, solve, start_api


def sentence(key: str, lang: Lang, **params: Param) -> str:
    """One of the coach's sentence forms, as a reader in ``lang`` sees it."""
    return render(Message(COACH_SENTENCES[key], **params), lang)


STUDENT_COLUMNS = ("student_id,school_id,coach_id,programme,phase,grade,adjustments,lat,lon,"
                   "intensive_support,priority")
STUDENTS = {
    "ADJ": "SC1,TB02,LOG,duaal,3,rolstoel,51.0,4.4,,",
    "EXC": "SC1,TB02,LOG,duaal,3,,51.0,4.4,,",
    "FAR": "SC1,TB02,LOG,duaal,3,,50.0,5.9,,",
    "PIN": "SC1,TB02,LOG,duaal,3,prikkelarm,51.0,4.4,,",
    "INT": "SC1,TB02,VERK,duaal,3,,51.03,4.4,true,",
    "PLAIN1": "SC1,TB02,VERK,duaal,3,,51.0,4.4,,1",
    "PLAIN2": "SC1,TB02,VERK,duaal,3,,51.03,4.4,,4",
    "PINT": "SC1,TB03,VERK,duaal,3,,51.0,4.4,true,",
    "=1+2": "SC1,TB02,BAK,duaal,3,,51.0,4.4,,",
    "BAKER": "SC1,TB03,BAK,duaal,3,,51.0,4.4,,2",
}
WORKPLACES = """workplace_id,employer,sector,recognised_programmes,seats,adjustments_offered,lat,lon
W1,Magazijn Een,logistiek,LOG,1,,51.01,4.41
W2,Magazijn Twee,logistiek,LOG,1,,51.01,4.39
W3,Magazijn Drie,logistiek,LOG,1,language_support,50.99,4.41
W5,Winkel Vijf,handel,VERK,2,,51.0,4.42
W7,Bakkerij Zeven,voeding,BAK,3,,51.0,4.38
"""
MENTORS = """mentor_id,workplace_id,capacity
M1,W1,1
M2,W2,1
M3,W3,1
M5,W5,2
M7,W7,3
"""
PLACEMENTS = "student_id,workplace_id,mentor_id\nPIN,W1,M1\n"
EXCLUSIONS = "student_id,workplace_id,reason\nEXC,W1,ruzie\nEXC,W2,ruzie\nEXC,W3,ruzie\n"
SCENARIO = """format_version: 1
name: "Privacy"
reference_date: 2026-09-01
tables: {students: students.csv, workplaces: workplaces.csv, mentors: mentors.csv,
         placements: placements.csv, exclusions: exclusions.csv}
policy: {objective: priority-first, default_max_travel_min: 45, max_intensive_per_mentor: 1}
"""
TB02 = {s for s, row in STUDENTS.items() if ",TB02," in f",{row}"}
TWINS = [("ADJ", "EXC"), ("INT", "PLAIN2")]

# What no coach may read. Allowed look-alikes: the objective's name 'priority-first', and
# the Dutch-level rule's 'language support' / 'taalondersteuning'.
SENSITIVE = [re.compile(pattern, re.IGNORECASE) for pattern in (
    r"rolstoel", r"prikkelarm", r"adjust", r"aanpassing", r"intensi", r"begeleiding",
    r"(?<!language )support", r"(?<!taal)ondersteuning", r"priorit(?!y-first)",
    r"conflict", r"excluded", r"uitgesloten", r"\bruzie\b")]
# Routes that describe the API (field names, not data) or serve static files.
NOT_DATA = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


@dataclass
class Solved:
    api: Api
    scenario_id: int
    plan_id: int
    job_id: int
    web: TestClient  # logged in as coach TB02
    proposal_id: int


def _upload(api: Api) -> int:
    students = STUDENT_COLUMNS + "\n" + "".join(f"{sid},{row}\n" for sid, row in
                                                STUDENTS.items())
    files = [("files", (name, text.encode())) for name, text in (
        ("scenario.yaml", SCENARIO), ("students.csv", students),
        ("workplaces.csv", WORKPLACES), ("mentors.csv", MENTORS),
        ("placements.csv", PLACEMENTS), ("exclusions.csv", EXCLUSIONS))]
    response = api.client.post("/scenarios", files=files, headers=api.consultant)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Solved]:
    for api in start_api(tmp_path_factory.mktemp("privacy")):
        scenario_id = _upload(api)
        job = solve(api, scenario_id)
        plan_id = int(job["plan_id"])
        proposal = api.client.post(f"/plans/{plan_id}/proposals", headers=api.coach_tb02,
                                   json={"student_id": "PLAIN2", "workplace_id": "W5"})
        assert proposal.status_code == 201, proposal.text
        web = TestClient(api.app, base_url="http://127.0.0.1", follow_redirects=False)
        login = web.post("/ui/login", data={"api_key": api.coach_tb02["X-API-Key"]})
        assert login.status_code == 303, login.text
        yield Solved(api, scenario_id, plan_id, int(job["id"]), web, proposal.json()["id"])


def _consultant_plan(solved: Solved) -> dict[str, Any]:
    response = solved.api.client.get(f"/plans/{solved.plan_id}",
                                     headers=solved.api.consultant)
    plan: dict[str, Any] = response.json()["plan"]
    return plan


def test_the_scenario_holds_every_leak_the_policy_must_stop(solved: Solved) -> None:
    """The consultant sees each sensitive fact, so the coach's silence below means
    something."""
    plan = _consultant_plan(solved)
    unmatched = {u["student_id"]: u for u in plan["unmatched"]}
    assert set(unmatched) == {"ADJ", "EXC", "INT", "PLAIN2", "FAR"}
    assert unmatched["ADJ"]["rules"]["adjustments"] == len(WORKPLACES.splitlines()) - 1
    assert "intensive-support" in unmatched["INT"]["detail"]
    assert {"student_id": "PIN", "workplace_id": "W1", "rules": ["adjustments"]} \
        in plan["conflicts"]
    assert "placed_by_priority" in plan["summary"]


def _coach_get(solved: Solved, path: str, **headers: str) -> Any:
    if path.startswith("/ui"):
        return solved.web.get(path, headers=headers)
    return solved.api.client.get(path, headers={**solved.api.coach_tb02, **headers})


def _fill(path: str, solved: Solved) -> list[str]:
    """Every address of a route template, with this scenario's ids."""
    values = {"plan_id": [str(solved.plan_id)], "scenario_id": [str(solved.scenario_id)],
              "job_id": [str(solved.job_id)], "proposal_id": [str(solved.proposal_id)],
              "student_id": sorted(STUDENTS), "workplace_id": ["W1", "W2", "W3", "W5", "W7"]}
    paths = [path]
    for name, options in values.items():
        paths = [p.replace(f"{{{name}}}", option) for p in paths for option in options] \
            if f"{{{name}}}" in path else paths
    assert not any("{" in p for p in paths), paths
    return paths


def _scan(where: str, text: str) -> None:
    text = re.sub(r'"\w+": ?null', "", text)  # a field left empty tells nothing
    for pattern in SENSITIVE:
        found = pattern.search(text)
        assert found is None, f"{where} shows {found.group(0)!r}: " \
            f"…{text[max(0, found.start() - 80):found.end() + 80]}…"


def _get_routes(app: Any) -> set[str]:
    """The path of every GET route, also of included routers (FastAPI >= 0.165 wraps
    them; each then lists its routes with their full paths)."""
    paths = set()
    for route in app.routes:
        if isinstance(route, Mount):
            continue
        contexts = route.effective_route_contexts() if hasattr(
            route, "effective_route_contexts") else [route]
        paths |= {c.path for c in contexts if "GET" in c.methods}
    return paths


def test_no_coach_answer_reveals_a_support_need(solved: Solved) -> None:
    walked = _get_routes(solved.api.app) - NOT_DATA
    for route in sorted(walked):
        for path in _fill(route, solved):
            for accept in ("application/json", "text/csv"):
                response = _coach_get(solved, path, Accept=accept)
                assert response.status_code < 500, (path, response.text)
                # the address the coach asked for, echoed back (a 403 page links to it in
                # the other language), tells them nothing they did not type
                _scan(f"GET {path} ({accept}, {response.status_code})",
                      response.text.replace(path, "ADDRESS"))
    assert {"/plans/{plan_id}", "/plans/{plan_id}/students/{student_id}",
            "/plans/{plan_id}/students/{student_id}/suggestions",
            "/plans/{plan_id}/workplaces/{workplace_id}/suggestions",
            "/plans/{plan_id}/proposals", "/jobs/{job_id}/plan", "/ui/coach",
            "/ui/plans/{plan_id}/report.html", "/ui/plans/{plan_id}/plan.xlsx",
            "/ui/plans/{plan_id}/conflicts.csv"} <= walked
    # the coach's own writes: proposals, and one the rules refuse says no more than that
    refused = solved.api.client.post(f"/plans/{solved.plan_id}/proposals",
                                     headers=solved.api.coach_tb02,
                                     json={"student_id": "ADJ", "workplace_id": "W1"})
    assert refused.status_code == 422
    _scan("POST a refused proposal", refused.text)
    page = _coach_get(solved, f"/ui/coach?plan={solved.plan_id}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token is not None
    proposed = solved.web.post(f"/ui/coach/plans/{solved.plan_id}/proposals",
                               data={"student_id": "INT", "workplace_id": "W5"},
                               headers={"X-CSRF-Token": token.group(1), "HX-Request": "true"})
    assert proposed.status_code == 200, proposed.text
    _scan("POST a proposal on the coach page", proposed.text)


def test_coach_reads_their_plan_without_conflicts_or_hidden_rules(solved: Solved) -> None:
    response = _coach_get(solved, f"/plans/{solved.plan_id}")
    plan = response.json()["plan"]
    assert "conflicts" not in plan
    assert plan["summary"] == {"students": len(TB02), "placed": len(plan["assignments"])}
    assert "objective_value" not in plan["solver"]
    unmatched = {u["student_id"]: u for u in plan["unmatched"]}
    assert set(unmatched) == {"ADJ", "EXC", "INT", "PLAIN2", "FAR"}
    for entry in unmatched.values():
        assert set(entry["rules"]) <= {*SHOWN_RULES, OTHER}
    # ADJ: three workplaces pass every rule a coach sees; all are closed for other reasons
    assert unmatched["ADJ"]["rules"][OTHER] == 3
    assert unmatched["ADJ"]["detail"] == sentence("other_reasons", "en", workplaces=3)
    # FAR: the shown rules alone close every workplace, and the sentence says which
    assert unmatched["FAR"]["rules"][OTHER] == 0
    assert unmatched["FAR"]["detail"] == sentence("shown_rule", "en",
                                                  rule=rule_label("travel"))
    assert unmatched["INT"]["detail"] == sentence("capacity", "en")
    assert OTHER not in unmatched["INT"]["rules"]  # it could hint at a need when allowed


def test_other_reasons_are_counted_only_for_students_nothing_is_open_to(solved: Solved
                                                                         ) -> None:
    """PIN's pinned placement breaks the adjustments rule and no workplace is allowed for
    PIN: 'other' on a placed student would give that away."""
    for student, counted in (("ADJ", True), ("EXC", True), ("FAR", True), ("PIN", False),
                             ("INT", False), ("PLAIN1", False), ("=1+2", False)):
        rejected = _coach_get(solved, f"/plans/{solved.plan_id}/students/{student}"
                                      "/suggestions").json()["rejected"]
        assert (OTHER in rejected) == counted, student
        assert set(rejected) <= {*SHOWN_RULES, OTHER}


def test_students_differing_only_in_hidden_facts_read_the_same(solved: Solved) -> None:
    page = _coach_get(solved, f"/ui/coach?plan={solved.plan_id}").text
    csv_rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(_coach_get(
        solved, f"/plans/{solved.plan_id}", Accept="text/csv").text))}
    for first, second in TWINS:
        views = []
        for student in (first, second):
            base = f"/plans/{solved.plan_id}/students/{student}"
            answers = [_coach_get(solved, base).json(),
                       _coach_get(solved, f"{base}/suggestions").json()]
            card = re.search(rf'<article class="card student" id="student-{student}".*?'
                             r"</article>", page, re.DOTALL)
            assert card is not None
            text = json.dumps(answers, sort_keys=True) + card.group(0) + str(csv_rows[student])
            views.append(text.replace(student, "STUDENT"))
        assert views[0] == views[1], (first, second)


def test_the_coach_page_names_other_reasons_in_dutch(solved: Solved) -> None:
    page = _coach_get(solved, f"/ui/coach?plan={solved.plan_id}").text
    assert sentence("other_reasons", "nl", workplaces=3) in page
    assert render(rule_label(OTHER), "nl") in page


def test_consultant_only_routes_answer_a_coach_403(solved: Solved) -> None:
    for path in (f"/ui/plans/{solved.plan_id}/report.html",
                 f"/ui/plans/{solved.plan_id}/fixes", f"/ui/plans/{solved.plan_id}/plan.csv",
                 f"/ui/plans/{solved.plan_id}/plan.xlsx", f"/jobs/{solved.job_id}/plan",
                 f"/ui/plans/{solved.plan_id}/conflicts.csv",
                 f"/plans/{solved.plan_id}/audit", f"/scenarios/{solved.scenario_id}"):
        assert _coach_get(solved, path).status_code == 403, path


def test_formula_like_ids_are_text_in_the_csv(solved: Solved) -> None:
    rows = list(csv.reader(io.StringIO(_coach_get(solved, f"/plans/{solved.plan_id}",
                                                  Accept="text/csv").text)))
    ids = [row[0] for row in rows[1:]]
    assert "'=1+2" in ids and "=1+2" not in ids


def test_every_coach_sentence_has_dutch_words() -> None:
    english = (" workplace", " rule", " the ", " other ")
    dutch = [sentence(key, "nl", rule=rule_label(OTHER), workplaces=3)
             for key in COACH_SENTENCES]
    for shown in [*dutch, render(rule_label(OTHER), "nl")]:
        assert not any(word in f" {shown} " for word in english), shown
    for rule in (*SHOWN_RULES, OTHER):
        assert render(rule_label(rule), "nl") != render(rule_label(rule), "en")


def test_the_main_reason_is_found_among_the_programmes_workplaces() -> None:
    """Most workplaces reject any student by programme recognition; the coach's sentence
    names the shown rule that stops the student at the workplaces of their programme."""
    near = {"lat": 51.0, "lon": 4.4}
    sc = builders.scenario(
        [builders.student("S1", **near)],
        [builders.workplace("LOG1", lat=50.0, lon=5.9),  # the only LOG workplace: far
         *(builders.workplace(f"BAK{i}", recognised_programmes="BAK", **near)
           for i in range(3))])
    entry = run_solve(sc, SolveSettings()).plan.unmatched[0]
    assert max(entry.rules, key=entry.rules.__getitem__) == "recognised_for_programme"
    why = coach_why(entry, sc, 0)
    assert why.text("en") == sentence("shown_rule", "en", rule=rule_label("travel"))
    assert why.rules[OTHER] == 0


def _action_codes(sc: Scenario, student: int = 0) -> list[str]:
    return [action.code for action in coach_actions(sc, student)]


def test_a_wider_travel_limit_is_offered_with_the_fewest_extra_minutes() -> None:
    """Travel times come from the table: W1 is 10 minutes beyond the 30-minute limit,
    W2 20 minutes (beyond the 15-minute cap of policy.max_travel_fix_min)."""
    sc = builders.scenario(
        [builders.student("S1", max_travel_min=30)],
        [builders.workplace("W1"), builders.workplace("W2")],
        travel_times=[{"student_id": "S1", "workplace_id": "W1", "minutes": 40},
                      {"student_id": "S1", "workplace_id": "W2", "minutes": 50}])
    widen = [a for a in coach_actions(sc, 0) if a.code == "coach.action.widen_travel"]
    assert [a.to_json()["params"] for a in widen] == [{"workplaces": 1, "minutes": 10}]
    assert "coach.action.other_sector" not in _action_codes(sc)
    capped = builders.scenario(
        [builders.student("S1", max_travel_min=30)], [builders.workplace("W2")],
        travel_times=[{"student_id": "S1", "workplace_id": "W2", "minutes": 50}])
    assert _action_codes(capped) == ["coach.action.other_sector",
                                     "coach.action.ask_consultant"]


def test_missing_data_is_asked_for_only_where_a_workplace_needs_it() -> None:
    asks = builders.scenario([builders.student("S1")],
                             [builders.workplace("W1", min_dutch_level="B1", min_age=16)])
    assert _action_codes(asks)[:2] == ["coach.action.complete_dutch_level",
                                       "coach.action.complete_birth_date"]
    needs_nothing = builders.scenario([builders.student("S1")], [builders.workplace("W1")])
    assert _action_codes(needs_nothing) == ["coach.action.ask_consultant"]


def test_coach_actions_read_no_support_need() -> None:
    """The same shown facts give the same actions, whatever the adjustments, intensive
    support or priority."""
    workplaces = [builders.workplace("W1", adjustments_offered="rolstoel"),
                  builders.workplace("W2", lat=51.2)]
    plain = builders.scenario([builders.student("S1")], workplaces)
    for hidden in ({"adjustments": "prikkelarm"}, {"intensive_support": "true"},
                   {"priority": 1}):
        other = builders.scenario([builders.student("S1", **hidden)], workplaces)
        assert coach_actions(other, 0) == coach_actions(plain, 0), hidden


def test_the_coach_reads_actions_for_an_unplaced_student_and_none_for_a_placed_one(
        solved: Solved) -> None:
    base = f"/plans/{solved.plan_id}/students"
    far = _coach_get(solved, f"{base}/FAR").json()["actions"]
    assert [a["code"] for a in far] == ["coach.action.other_sector",
                                        "coach.action.ask_consultant"]
    assert _coach_get(solved, f"{base}/PLAIN1").json()["actions"] == []
    page = _coach_get(solved, f"/ui/coach?plan={solved.plan_id}").text
    card = re.search(r'id="student-FAR".*?</article>', page, re.DOTALL)
    assert card is not None
    assert render(Message("coach.action.other_sector"), "nl") in card.group(0)


def test_a_placed_students_travel_stands_next_to_each_suggestion(solved: Solved) -> None:
    page = _coach_get(solved, f"/ui/coach?plan={solved.plan_id}").text
    card = re.search(r'id="student-PLAIN1".*?</article>', page, re.DOTALL)
    assert card is not None
    assert re.search(r"nu \d+ min reizen", card.group(0))
