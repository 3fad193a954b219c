"""The web page speaks Dutch by default and English after the switch, in every word:
its own labels, the engine's explanations, fixes and mistakes, numbers and dates."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

from tests.api.conftest import Api, start_api
from tests.web.test_pages import Solved, log_in, solve_demo

ENGLISH = (" the ", " students", " workplace", " placed", " not ", " rule", " every ",
           " seat", " within ", " version ", " summary")
DUTCH = (" leerling", " leerwerkplek", " niet ", " geen ", " plaatsen", " opleiding",
         " berekening", " versie ", " weigering", " vastzetten", " samenvatting")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    yield from start_api(tmp_path_factory.mktemp("web-lang"))


@pytest.fixture(scope="module")
def demo_plan(site: Api) -> Solved:
    return solve_demo(site)


def visible_text(page: str) -> str:
    """What a reader sees: no scripts, no tags, the brand name left out."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    text = html.unescape(page).replace("Leerwerkplek matcher", " ")
    return " " + re.sub(r"\s+", " ", text).lower() + " "


def leaks(page: str, markers: tuple[str, ...]) -> list[str]:
    text = visible_text(page)
    return [marker for marker in markers if marker in text]


def test_the_plan_page_is_dutch_by_default(site: Api, demo_plan: Solved) -> None:
    page = log_in(site, site.consultant).client.get(f"/ui/plans/{demo_plan.plan_id}").text
    assert '<html lang="nl">' in page
    assert "Samenvatting" in page and "geen enkele leerwerkplek" in page
    assert leaks(page, ENGLISH) == []


def test_the_english_switch_holds_for_the_next_pages(site: Api, demo_plan: Solved) -> None:
    user = log_in(site, site.consultant)
    page = user.client.get(f"/ui/plans/{demo_plan.plan_id}", params={"lang": "en"})
    assert '<html lang="en">' in page.text
    assert "Summary" in page.text and "no workplace holds a valid recognition" in page.text
    assert leaks(page.text, DUTCH) == []
    again = user.client.get(f"/ui/scenarios/{demo_plan.scenario_id}")  # the cookie remembers
    assert "Calculate a plan" in again.text and leaks(again.text, DUTCH) == []
    table = user.client.get(f"/ui/plans/{demo_plan.plan_id}/table", headers={"HX-Request": "true"})
    assert leaks(table.text, DUTCH) == []
    back = user.client.get("/ui/scenarios", params={"lang": "nl"})
    assert "Scenario opladen" in back.text


@pytest.mark.parametrize(("lang", "words", "markers"), [
    ("nl", "er is niets bewaard", ENGLISH), ("en", "nothing was stored", DUTCH)])
def test_upload_mistakes_are_in_the_page_language(site: Api, lang: str, words: str,
                                                  markers: tuple[str, ...]) -> None:
    user = log_in(site, site.consultant)
    user.client.get("/ui/scenarios", params={"lang": lang})
    files = [("files", ("scenario.yaml", b"format_version: 2\nreference_date: 2026-13-01\n"
                        b"tables: {students: students.csv}\n", "application/x-yaml"))]
    page = user.client.post("/ui/scenarios", files=files, headers=user.headers(htmx=True)).text
    assert 'id="upload-errors"' in page and words in page
    # file names are the user's own words, not the page's
    shown = re.sub(r"\b\w+\.(csv|yaml)\b", " ", page)
    assert leaks(shown, markers) == []


def test_the_coach_page_switches_too(site: Api, demo_plan: Solved) -> None:
    coach = log_in(site, site.coach_tb02)
    dutch = coach.client.get("/ui/coach").text
    english = coach.client.get("/ui/coach", params={"lang": "en"}).text
    assert "Mijn leerlingen" in dutch and leaks(dutch, ENGLISH) == []
    assert "My students" in english and leaks(english, DUTCH) == []
