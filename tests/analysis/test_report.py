"""The report is one self-contained page, says it is for the consultant only, and never
shows a student's adjustment codes."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from matcher.analysis.recruit import recruitment_curve
from matcher.analysis.report import ReportData, gather, render_report, write_report
from matcher.analysis.sweep import SweepResult
from matcher.cli import app
from matcher.io import load_scenario
from matcher.messages import LANGUAGES, Lang, Message, render
from matcher.pipeline import SolveSettings, run_solve
from models.scenario import Scenario
from tests.messages.test_catalogue import DUTCH, ENGLISH


def test_report_is_self_contained_and_private(small_dir: Path, pool_sweep: SweepResult,
                                              tmp_path: Path) -> None:
    (tmp_path / "sweep").mkdir()
    pool_sweep.rows.to_csv(tmp_path / "sweep" / "sweep.csv", index=False)
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["report", str(small_dir), "--out", str(out),
                                      "--sweep", str(tmp_path / "sweep"),
                                      "--recruit-limit", "5"])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in page  # Dutch unless asked otherwise
    for code in ("report.summary", "report.plan", "report.unmatched_title",
                 "report.recruitment_title", "report.sweep_title"):
        assert html.escape(render(Message(code), "nl")) in page
    # no external assets: every image is inline, nothing is fetched
    assert "data:image/png;base64," in page
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "<script" not in page
    # it names students with their priority and reasons: its first words say who may read it
    # (in Dutch, the users' language, and in the report's language when that is another)
    audience = html.escape(render(Message("report.audience"), "nl"))
    assert page.index(audience) < page.index("<h1>")
    english = render_report(gather(run_solve(load_scenario(small_dir), SolveSettings()),
                                   recruit_limit=0), "en")
    for lang in ("nl", "en"):
        audience = html.escape(render(Message("report.audience"), lang))
        assert english.index(audience) < english.index("<h1>")
    # privacy: no adjustment code and no intensive-support flag of anyone; only the
    # recruitment plan names the adjustment a workplace should offer
    sc = load_scenario(small_dir)
    plan_title = html.escape(render(Message("recruit.title"), "nl"))
    assert plan_title in page
    start = page.index(plan_title)
    outside_plan = page[:start] + page[page.index("</section>", start):]
    for code in sc.adjustments.codes:
        assert code not in outside_plan, code
    assert "intensive" not in page.lower()
    unmatched = (out / "fixes.csv").read_text(encoding="utf-8-sig").splitlines()
    assert unmatched[0].startswith("leerling;")


def test_report_refuses_a_folder_without_sweep(small_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(small_dir), "--out", str(tmp_path / "r"),
                                      "--sweep", str(tmp_path)])
    assert result.exit_code == 2
    assert not (tmp_path / "r").exists()


@pytest.fixture(scope="module")
def report_data(small: Scenario, pool_sweep: SweepResult) -> ReportData:
    return gather(run_solve(small, SolveSettings()), pool_sweep.rows, recruit_limit=3)


# The page's parts, in the order a consultant reads them, answers first: who may read
# it, the policy answer (over all students, then over those with an allowed workplace),
# the recruitment plan, placement per group, the unmatched students, then the details.
SECTIONS = ("report.audience", "report.summary", "report.policy_title", "cli.among_all",
            "cli.among_feasible", "report.recruit_plan_title", "report.plan",
            "report.per_tier", "report.per_province", "report.unmatched_title",
            "report.not_placed", "reason.no_feasible_workplace", "reason.capacity",
            "report.unmatched_each", "report.details", "report.recruitment_title",
            "report.sweep_title")


def _visible_text(page: str) -> str:
    """What a reader sees of the page's body."""
    body = page[page.index("<body>"):]
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_report_sections_come_in_order_in_either_language(report_data: ReportData,
                                                          lang: Lang) -> None:
    text = _visible_text(render_report(report_data, lang))
    positions = [text.find(render(Message(code), lang)) for code in SECTIONS]
    assert -1 not in positions, [c for c, p in zip(SECTIONS, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert text.find(render(Message("report.audience"), lang)) < text.find(
        report_data.run.scenario.name)  # said before anything else


@pytest.mark.parametrize(("lang", "markers"), [("nl", ENGLISH), ("en", DUTCH)])
def test_report_speaks_one_language(report_data: ReportData, lang: Lang,
                                    markers: tuple[str, ...]) -> None:
    sc = report_data.run.scenario
    text = f" {_visible_text(render_report(report_data, lang)).lower()} "
    # data, in any language, and the audience note, which is always in Dutch too
    for name in (*map(str, sc.workplaces.employer), sc.name,
                 render(Message("report.audience"), "nl")):
        text = text.replace(name.lower(), " ")
    assert [word for word in markers if word in text] == []


def test_report_answers_the_policy_question(report_data: ReportData) -> None:
    page = render_report(report_data)  # Dutch unless asked otherwise
    assert '<html lang="nl">' in page
    text = _visible_text(page)
    first = int((report_data.run.scenario.students.priority == 1).sum())
    assert f"van de {first} leerlingen met prioriteit 1 geplaatst" in text
    # one table per population, a row per swept point with its interval and verdict
    assert text.count(render(Message("col.verdict"), "nl")) == 2
    assert text.count("95 %-interval") >= 4
    verdicts = [render(Message(f"verdict.{v}"), "nl")
                for v in ("better", "worse", "as_well", "unclear")]
    assert sum(text.count(v) for v in verdicts) == 2 * 3  # 3 ratios, 2 populations


def test_report_verdicts_claim_only_what_the_intervals_show(report_data: ReportData) -> None:
    # priority-first places 88 % of the priority-1 students with an allowed workplace
    # against 79 % of the others at ratio 1, and falls behind at 2: the page must say
    # "better" at 1, not that they are never placed as well
    rows = []
    for ratio, first, others in ((1.0, (0.88, 0.89, 0.88), (0.79, 0.80, 0.78)),
                                 (2.0, (0.95, 0.95, 0.96), (0.98, 0.98, 0.99))):
        for seed in range(3):
            for among in ("all", "feasible"):
                for tier, rates, n in (("priority-1", first, 100), ("others", others, 400)):
                    rows.append({"capacity": "workplaces", "ratio": ratio,
                                 "adapted_share": float("nan"), "travel_limit": float("nan"),
                                 "seed": seed, "objective": "priority-first", "among": among,
                                 "dimension": "sector_tier", "group": f"zorg|{tier}",
                                 "students": n, "placed": round(rates[seed] * n),
                                 "value": rates[seed], "travel_min": 10.0, "wish_rank": 0.1})
    data = replace(report_data, sweep_rows=pd.DataFrame(rows))
    text = _visible_text(render_report(data, "en"))
    table = text[text.index("priority-first, students with"):]
    assert "88.3% (86.9%–89.8%)" in table  # mean and t-interval over the 3 seeds
    assert table.index("placed better") < table.index("placed less well")
    assert "100" in table and "400" in table  # group sizes next to the rates
    assert "does not show priority-1 students placed at least as well" in text
    assert "never" not in text.lower()


def test_report_text_from_files_is_escaped(report_data: ReportData) -> None:
    """Names come from uploaded files; the template escapes every one of them."""
    run = report_data.run
    hostile = replace(run.scenario, config=run.scenario.config.model_copy(
        update={"name": "<script>alert(1)</script>"}))
    page = render_report(replace(report_data, run=replace(run, scenario=hostile)), "en")
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_fixes_and_recruitment_files_in_dutch(report_data: ReportData, tmp_path: Path) -> None:
    write_report(report_data, tmp_path, "nl")
    sc = report_data.run.scenario
    fixes = pd.read_csv(tmp_path / "fixes.csv", sep=";", decimal=",", encoding="utf-8-sig",
                        dtype=str, keep_default_na=False)
    assert list(fixes.columns) == ["leerling", "opleiding", "school", "prioriteit", "oplossing",
                                   "soort", "plaatst", "plaatst ook", "ontplaatst ook",
                                   "verplaatst ook"]
    assert set(fixes["leerling"]) == {u.student_id for u in report_data.run.plan.unmatched}
    programme = {str(s): sc.programmes.codes[p] for s, p in zip(sc.students.ids,
                                                                 sc.students.programme,
                                                                 strict=True)}
    assert all(programme[s] == p for s, p in zip(fixes["leerling"], fixes["opleiding"],
                                                 strict=True))
    recruitment = pd.read_csv(tmp_path / "recruitment.csv", sep=";", encoding="utf-8-sig",
                              dtype=str, keep_default_na=False)
    assert list(recruitment.columns[:2]) == ["wijziging", "soort"]
    texts = " ".join([*fixes["oplossing"], *fixes["soort"], *recruitment["wijziging"],
                      *recruitment["soort"]]).lower()
    assert [word for word in ENGLISH if word in f" {texts} "] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_report_shows_the_recruitment_plan_beside_the_greedy_list(
        report_data: ReportData, lang: Lang) -> None:
    data = replace(report_data, curve=recruitment_curve(report_data.run, 2))
    text = _visible_text(render_report(data, lang))
    for code in ("recruit.title", "recruit.greedy_title", "recruit.not_additive",
                 "recruit.note"):
        assert render(Message(code), lang) in text
    sc = data.run.scenario
    assert data.curve is not None
    for point in data.curve.points:
        for addition in point.plan.additions:
            assert f"({sc.workplaces.ids[addition.change.workplace]})" in text


def test_report_refuses_a_sweep_of_an_older_version(small_dir: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    (old / "sweep.csv").write_text("ratio,seed,objective,dimension,group,students,placed,value\n"
                                   "1,0,priority-first,all,all,10,5,0.5\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(small_dir), "--out", str(tmp_path / "r"),
                                      "--sweep", str(old), "--lang", "en"])
    assert result.exit_code == 2
    assert "older version of matcher sweep" in result.output
    assert "among" in result.output  # names the missing columns
    assert not (tmp_path / "r").exists()


def test_crossed_sweep_says_catch_up_per_value_of_the_other_axis() -> None:
    from matcher.analysis.report import verdict_table

    rows = []
    # adapted share 1.0: priority 1 ahead at both ratios; as in the scenario: behind at 2
    for share, by_ratio in ((1.0, {1.0: (0.95, 0.90), 2.0: (0.99, 0.97)}),
                            (float("nan"), {1.0: (0.95, 0.90), 2.0: (0.80, 0.99)})):
        for ratio, (first, others) in by_ratio.items():
            for seed, wobble in enumerate((0.0, 0.002, -0.002)):
                for tier, rate, n in (("priority-1", first + wobble, 1000),
                                      ("others", others, 400)):
                    rows.append({"capacity": "workplaces", "ratio": ratio,
                                 "adapted_share": share, "travel_limit": float("nan"),
                                 "seed": seed, "objective": "priority-first", "among": "all",
                                 "dimension": "sector_tier", "group": f"bouw|{tier}",
                                 "students": n, "placed": round(rate * n), "value": rate})
    _, body, sentences = verdict_table(pd.DataFrame(rows), "priority-first", "all", "en")
    assert len(body) == 4
    assert sentences == [
        "(share of workplaces offering each adjustment: 100%) From 1 (workplaces per student) "
        "on, at every larger swept value, priority-1 students are placed at least as well as "
        "the others.",
        "(share of workplaces offering each adjustment: as in the scenario) At the largest "
        "swept value, 2 (workplaces per student), the interval does not show priority-1 "
        "students placed at least as well as the others; the table shows each swept value."]
