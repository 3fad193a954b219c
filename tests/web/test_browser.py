"""The whole round trip in a real browser, as a consultant and as a coach.

upload with a mistake → the mistake shown at file/row/column → fixed upload →
solve with live progress → plan (summary, sorting, filtering, map, fixes) →
pin → refusal → re-plan with the changed students marked → the two versions compared →
coach suggestions →
proposal → the consultant accepts it. Every page is checked with axe-core
against WCAG 2.1 AA, and screenshots are kept as test artefacts.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.browser import (
    LiveServer,
    artifacts_dir,
    axe_violations,
    launch_browser,
    run_live_server,
)

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"
SOLVE_TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from run_live_server(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Any:
    folder = artifacts_dir()

    def take(page: Any, name: str) -> None:
        page.screenshot(path=str(folder / f"{request.node.name}-{name}.png"), full_page=True)

    return take


def scenario_files(folder: Path, broken: bool) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for source in sorted(DEMO.iterdir()):
        if source.suffix not in (".csv", ".yaml"):
            continue
        target = folder / source.name
        shutil.copy(source, target)
        if broken and source.name == "students.csv":
            text = target.read_text(encoding="utf-8")
            target.write_text(text.replace(",duaal,", ",duaaal,", 1), encoding="utf-8")
        paths.append(str(target))
    return paths


def log_in(page: Any, server: LiveServer, key: str) -> None:
    page.goto(server.url + "/ui/")
    assert "/ui/login" in page.url
    page.get_by_label("Sleutel").fill(key)
    page.get_by_role("button", name="Aanmelden").click()


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], f"WCAG AA violations on {page.url}: {violations}"


def test_consultant_and_coach_round_trip(server: LiveServer, browser: Any, shots: Any,
                                         tmp_path: Path) -> None:
    consultant = browser.new_context(viewport={"width": 1366, "height": 900},
                                     accept_downloads=True)
    page = consultant.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith((server.url, "data:")) else None)

    # Log in; the upload page is the consultant's home.
    log_in(page, server, server.consultant_key)
    page.wait_for_url("**/ui/scenarios")
    assert_accessible(page)

    # A scenario with a mistake: the page names file, row and column; nothing is stored.
    page.set_input_files("#files", scenario_files(tmp_path / "broken", broken=True))
    page.get_by_role("button", name="Opladen en controleren").click()
    errors = page.locator("#upload-errors")
    errors.wait_for()
    row = errors.locator("tbody tr").first
    assert [c.strip() for c in row.locator("td").all_inner_texts()][:3] == [
        "students.csv", "2", "phase"]
    assert "'duaaal' is geen geldige waarde; kies uit aanloop, duaal" in row.inner_text()
    assert page.get_by_text("Nog geen scenario's.").is_visible()
    assert_accessible(page)
    shots(page, "1-upload-errors")

    # The fixed files: stored, and the scenario page opens.
    page.set_input_files("#files", scenario_files(tmp_path / "fixed", broken=False))
    page.get_by_role("button", name="Opladen en controleren").click()
    page.wait_for_url(re.compile(r"/ui/scenarios/\d+$"))
    assert page.locator("h1").inner_text().strip() != ""
    shots(page, "2-scenario")

    # Solve: the job page shows progress, then the plan opens by itself.
    page.get_by_role("button", name="Plan berekenen").click()
    page.wait_for_url(re.compile(r"/ui/plans/\d+$"), timeout=SOLVE_TIMEOUT_MS)
    plan_url = page.url
    summary = page.locator("#summary-title").locator("xpath=..")
    placed_text = summary.locator("dd").first.inner_text()
    placed, total = (int(n) for n in re.findall(r"\d+", placed_text)[:2])
    assert total == 40 and 0 < placed <= total
    assert_accessible(page)
    shots(page, "3-plan")

    # Sorting by cost, both ways, announced with aria-sort.
    cost_header = page.locator("#plan-table thead th", has_text="Kost")
    cost_header.get_by_role("button").click()
    page.wait_for_selector("#plan-table th[aria-sort='ascending']")
    cost_header = page.locator("#plan-table thead th", has_text="Kost")
    cost_header.get_by_role("button").click()
    page.wait_for_selector("#plan-table th[aria-sort='descending']")
    costs = [int(t.replace(".", "")) for t in
             page.locator("#plan-table tbody tr:not(.unplaced) td.n strong").all_inner_texts()]
    assert costs == sorted(costs, reverse=True) and costs

    # Filtering: only the unmatched students; the sort and the filter stay in the
    # address, so a reload shows the same table.
    page.get_by_label("Toon").select_option("unmatched")
    page.wait_for_function(
        "() => document.querySelectorAll('#plan-table tbody tr:not(.unplaced)').length === 0")
    unmatched_rows = page.locator("#plan-table tbody tr.unplaced").count()
    assert unmatched_rows == total - placed
    assert "status=unmatched" in page.url and "sort=cost" in page.url
    page.reload()
    assert page.locator("#plan-table tbody tr.unplaced").count() == unmatched_rows
    assert page.locator("#plan-table tbody tr:not(.unplaced)").count() == 0
    assert page.locator("#plan-table th[aria-sort='descending']").inner_text().startswith("Kost")
    page.get_by_label("Toon").select_option("all")
    page.wait_for_function(
        "() => document.querySelectorAll('#plan-table tbody tr:not(.unplaced)').length > 0")

    # The map: the outline of Flanders and the points, without any tile server.
    page.wait_for_selector("#map[data-points-drawn][data-outline-features]")
    assert page.locator("#map").get_attribute("data-outline-features") == "6"
    workplaces = sum(1 for _ in (DEMO / "workplaces.csv").open(encoding="utf-8")) - 1
    assert page.locator("#map").get_attribute("data-points-drawn") == str(total + workplaces)
    assert page.locator("#map-note").inner_text().startswith(f"{total} leerlingen")
    assert page.locator("#map img.leaflet-tile").count() == 0

    # A verified fix for each unmatched student.
    if total > placed:
        page.get_by_role("button", name="Zoek per leerling de kleinste oplossing").click()
        page.locator("#fixes-table").wait_for(timeout=SOLVE_TIMEOUT_MS)
        assert page.locator("#fixes-table tbody tr").count() == total - placed

    # Download the plan as CSV: one row per student.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Plan als CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert len(rows) == total

    # Pin the first placed student.
    first = page.locator("#plan-table tbody tr:not(.unplaced)").first
    pinned_student = first.locator("th").inner_text().split()[0]
    first.get_by_role("button", name=re.compile("vastzetten")).click()
    page.locator(f"#row-{pinned_student} .badge.ok").wait_for()

    # Refuse the placement of another student: its re-plan job runs, then a new plan
    # version opens, with a banner.
    second = page.locator("#plan-table tbody tr:not(.unplaced)").nth(1)
    refused_student = second.locator("th").inner_text().split()[0]
    refused_workplace = second.locator("td").nth(2).inner_text().split()[0]
    second.locator("summary").click()
    second.get_by_label("Reden (optioneel)").fill("werkgever koos een andere leerling")
    second.get_by_role("button", name="Weigering registreren en herplannen").click()
    # the new plan opens: at once after a quick re-plan, else through the job's page
    page.wait_for_url(lambda url: "/ui/plans/" in url and url.split("?")[0] != plan_url,
                      timeout=SOLVE_TIMEOUT_MS)
    banner = page.locator("#replan-banner")
    banner.wait_for()
    assert "Herplanning na een weigering" in banner.inner_text()
    new_row = page.locator(f"#row-{refused_student}")
    if new_row.count():  # still listed (moved rows may be filtered): not at the refused place
        assert refused_workplace not in new_row.inner_text()
    # every student the banner lists is a marked row of the table (it shows only them)
    listed = page.locator("#replan-changes li[data-change]").count()
    assert listed >= 1  # the refused student at least
    assert page.locator("#plan-table tbody tr.changed").count() == listed
    new_plan_url = page.url.split("?")[0]
    assert_accessible(page)
    shots(page, "4-replan")

    # The two versions side by side, filtered to one kind of change.
    page.get_by_role("link", name="vergelijk de twee versies").click()
    page.locator("#diff-table").wait_for()
    kinds = page.locator("#diff-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.change)")
    assert len(kinds) == listed
    page.get_by_label("Verandering").select_option(kinds[0])
    page.wait_for_function(
        "kind => [...document.querySelectorAll('#diff-table tbody tr')]"
        ".every(r => r.dataset.change === kind)", arg=kinds[0])
    assert page.locator("#diff-table tbody tr").count() == kinds.count(kinds[0])
    assert_accessible(page)
    shots(page, "4b-compare")
    page.goto(new_plan_url)

    # The coach: their students with suggestions and reasons; one click to propose.
    coach = browser.new_context(viewport={"width": 1366, "height": 900})
    coach_page = coach.new_page()
    log_in(coach_page, server, server.coach_key)
    coach_page.wait_for_url("**/ui/coach")
    articles = coach_page.locator("article.student")
    assert articles.count() > 0
    demo_students = list(csv.DictReader((DEMO / "students.csv").open(encoding="utf-8")))
    mine = {r["student_id"] for r in demo_students if r["coach_id"] == server.coach_id}
    shown = {a.get_attribute("id").removeprefix("student-") for a in articles.all()}
    assert shown == mine
    html = coach_page.content()
    for student in demo_students:  # never a support need on the coach's page
        for code in filter(None, student["adjustments"].split(";")):
            assert code not in html, f"adjustment {code} shown to a coach"
    propose = coach_page.get_by_role("button", name=re.compile("voorstellen voor")).first
    label = propose.get_attribute("aria-label") or ""
    proposed_workplace, proposed_student = re.match(r"(\S+) voorstellen voor (\S+)",
                                                    label).groups()  # type: ignore[union-attr]
    propose.click()
    coach_page.get_by_text("voorgesteld aan de consulent").first.wait_for()
    assert_accessible(coach_page)
    shots(coach_page, "5-coach")

    # The coach may not open consultant pages.
    response = coach_page.goto(server.url + "/ui/scenarios")
    assert response is not None and response.status == 403

    # Back to the consultant: the proposal is on the newest plan; accepting pins it.
    page.goto(new_plan_url)
    proposals = page.locator("#proposals-table")
    proposals.wait_for()
    proposal_row = proposals.locator("tbody tr", has_text=proposed_student)
    assert proposed_workplace in proposal_row.inner_text()
    proposal_row.get_by_role("button", name=re.compile("aanvaarden")).click()
    proposal_row.locator(".badge.ok").wait_for()
    shots(page, "6-proposal-accepted")

    assert console_errors == []
    assert outside == [], f"the page fetched from outside the service: {outside[:3]}"
    consultant.close()
    coach.close()


def test_keyboard_and_tablet(server: LiveServer, browser: Any, shots: Any) -> None:
    """The first Tab reaches the skip link; a tablet shows the pages without sideways
    scrolling of the whole page (wide tables scroll inside their box)."""
    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
    page = context.new_page()
    log_in(page, server, server.consultant_key)
    page.wait_for_url("**/ui/scenarios")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Tab through the upload form: every control is reachable and labelled.
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(page.evaluate(
            "document.activeElement.labels && document.activeElement.labels.length ? "
            "document.activeElement.labels[0].textContent.trim() : "
            "document.activeElement.textContent.trim()"))
    assert "Bestanden van het scenario" in reached
    assert "Opladen en controleren" in reached
    for path in ("/ui/scenarios", "/ui/coach"):
        page.goto(server.url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{path} scrolls sideways on a tablet ({overflow}px)"
        shots(page, "tablet" + path.replace("/", "-"))
    context.close()


def test_the_accessibility_check_can_fail(server: LiveServer, browser: Any) -> None:
    """axe-core really reports: an unlabelled field and low contrast are caught."""
    page = browser.new_page()
    page.goto(server.url + "/ui/login")
    page.evaluate("""() => {
        const input = document.createElement('input');
        document.querySelector('main').appendChild(input);
        const faint = document.createElement('p');
        faint.textContent = 'nauwelijks leesbaar';
        faint.style.color = '#ccc';
        document.querySelector('main').appendChild(faint);
    }""")
    found = {v["id"] for v in axe_violations(page)}
    assert {"label", "color-contrast"} <= found
    page.close()


def test_a_workbook_dragged_onto_the_page(server: LiveServer, browser: Any, shots: Any) -> None:
    """One Excel workbook, dropped on the upload box: a mistake is named by workbook,
    sheet, row and column; the corrected workbook is stored."""
    import base64

    from openpyxl import load_workbook

    from matcher.io.workbook import folder_workbook

    good = folder_workbook(DEMO)
    book = load_workbook(io.BytesIO(good))
    header = [c.value for c in book["students"][1]]
    book["students"].cell(row=3, column=header.index("grade") + 1, value=4)
    buffer = io.BytesIO()
    book.save(buffer)
    bad = buffer.getvalue()

    page = browser.new_page()
    log_in(page, server, server.consultant_key)
    page.wait_for_url("**/ui/scenarios")

    def drop(content: bytes) -> None:
        page.evaluate("""([name, data]) => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name));
            const zone = document.getElementById('dropzone');
            zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer, bubbles: true}));
            zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, bubbles: true}));
        }""", ["plaatsing.xlsx", base64.b64encode(content).decode()])
        assert page.locator("#chosen").inner_text() == "Gekozen: plaatsing.xlsx"
        page.get_by_role("button", name="Opladen en controleren").click()

    drop(bad)
    row = page.locator("#upload-errors tbody tr").first
    row.wait_for()
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[:3] == ["[plaatsing.xlsx]students", "3", "grade"]
    shots(page, "workbook-error")
    drop(good)
    page.wait_for_url(re.compile(r"/ui/scenarios/\d+$"))
    assert "Demo" in page.locator("h1").inner_text()
    page.close()
