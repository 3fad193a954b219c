"""The command line as a consultant uses it: solve, explain, validate, determinism."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.check import check_plan
from matcher.cli import app
from matcher.io import load_scenario
from matcher.messages import Message, render

DEMO = Path(__file__).resolve().parents[1] / "scenarios" / "demo"
runner = CliRunner()


def _solve(out: Path, *extra: str) -> dict[str, object]:
    return _solve_dir(DEMO, out, *extra)


def test_solve_writes_the_plan_and_both_csvs(tmp_path: Path) -> None:
    plan = _solve(tmp_path, "--export-candidates")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "assignments.csv", "candidates.csv", "conflicts.csv", "plan.json", "unmatched.csv"]
    assert check_plan(load_scenario(DEMO), plan) == []
    assignments = (tmp_path / "assignments.csv").read_text(encoding="utf-8").splitlines()
    assert len(assignments) == 1 + len(plan["assignments"])  # type: ignore[arg-type]
    candidates = (tmp_path / "candidates.csv").read_text(encoding="utf-8").splitlines()
    assert candidates[0].startswith("student_id,workplace_id,cost")


def test_same_input_and_seed_give_byte_identical_plans(tmp_path: Path) -> None:
    for backend in ("flow", "lemon", "cpsat"):
        first = _solve(tmp_path / f"{backend}1", "--backend", backend, "--seed", "7")
        second = _solve(tmp_path / f"{backend}2", "--backend", backend, "--seed", "7")
        for plan in (first, second):
            plan["solver"]["seconds"] = 0  # type: ignore[index]
        assert json.dumps(first) == json.dumps(second)
        assert (tmp_path / f"{backend}1" / "assignments.csv").read_bytes() == (
            tmp_path / f"{backend}2" / "assignments.csv").read_bytes()


def test_lemon_backend_writes_the_same_optimum_on_the_demo(tmp_path: Path) -> None:
    flow = _solve(tmp_path / "flow")
    lemon = _solve(tmp_path / "lemon", "--backend", "lemon")
    assert lemon["solver"]["backend"] == "lemon"  # type: ignore[index]
    assert lemon["solver"]["status"] == "optimal"  # type: ignore[index]
    assert lemon["summary"] == flow["summary"]
    total = sum(a["cost"] for a in flow["assignments"])  # type: ignore[attr-defined]
    assert sum(a["cost"] for a in lemon["assignments"]) == total  # type: ignore[attr-defined]
    assert check_plan(load_scenario(DEMO), lemon) == []


def test_cpsat_backend_proves_the_same_optimum_on_the_demo(tmp_path: Path) -> None:
    flow = _solve(tmp_path / "flow")
    cpsat = _solve(tmp_path / "cpsat", "--backend", "cpsat", "--time-limit", "30")
    assert cpsat["solver"]["status"] == "optimal"  # type: ignore[index]
    assert cpsat["summary"] == flow["summary"]
    total = sum(a["cost"] for a in flow["assignments"])  # type: ignore[attr-defined]
    assert sum(a["cost"] for a in cpsat["assignments"]) == total  # type: ignore[attr-defined]


def test_objective_option_overrides_the_policy(tmp_path: Path) -> None:
    plan = _solve(tmp_path, "--objective", "placements-first")
    assert plan["solver"]["objective"] == "placements-first"  # type: ignore[index]


@pytest.mark.parametrize("option", [["--backend", "gurobi"], ["--objective", "fairest"],
                                    ["--time-limit", "0"]])
def test_bad_options_exit_2_and_write_nothing(tmp_path: Path, option: list[str]) -> None:
    result = runner.invoke(app, ["solve", str(DEMO), "--out", str(tmp_path / "out"), *option])
    assert result.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_validate_reports_ok_on_the_demo() -> None:
    result = runner.invoke(app, ["validate", str(DEMO)])
    assert result.exit_code == 0
    assert "OK" in result.output


def test_explain_tells_why_an_unmatched_student_has_no_place(tmp_path: Path) -> None:
    plan = _solve(tmp_path)
    unmatched = plan["unmatched"][0]  # type: ignore[index]
    result = runner.invoke(app, ["explain", str(DEMO), "--student", unmatched["student_id"]])
    assert result.exit_code == 0, result.output
    assert f"({render(Message('reason.' + unmatched['reason']), 'en')})" in result.output
    assert unmatched["detail"] in result.output
    assert "recognised_for_programme" in result.output


def test_explain_shows_the_placement_and_its_cost(tmp_path: Path) -> None:
    plan = _solve(tmp_path)
    placed = plan["assignments"][0]  # type: ignore[index]
    result = runner.invoke(app, ["explain", str(DEMO), "--student", placed["student_id"]])
    assert result.exit_code == 0, result.output
    assert placed["workplace_id"] in result.output
    assert f"cost {placed['cost']}" in result.output


def test_explain_an_unknown_student_exits_2() -> None:
    result = runner.invoke(app, ["explain", str(DEMO), "--student", "NOBODY"])
    assert result.exit_code == 2


def test_generate_then_solve_round_trip(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--students", "60", "--ratio", "1.5", "--seed", "3",
                                 "--out", str(tmp_path / "gen")])
    assert result.exit_code == 0, result.output
    plan = _solve_dir(tmp_path / "gen", tmp_path / "out")
    assert check_plan(load_scenario(tmp_path / "gen"), plan) == []


def _solve_dir(scenario: Path, out: Path, *extra: str) -> dict[str, object]:
    result = runner.invoke(app, ["solve", str(scenario), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return json.loads((out / "plan.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_a_failed_solve_leaves_no_partial_output(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(DEMO, broken)
    students = broken / "students.csv"
    students.write_text(students.read_text(encoding="utf-8").replace(",duaal,", ",duaaal,", 1),
                        encoding="utf-8")
    result = runner.invoke(app, ["solve", str(broken), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "duaaal" in result.output
    assert not (tmp_path / "out").exists()


def _demo_with_s25_refused_at_w26(tmp_path: Path) -> Path:
    changed = tmp_path / "refused"
    shutil.copytree(DEMO, changed)
    with (changed / "exclusions.csv").open("a", encoding="utf-8") as table:
        table.write("S25,W26,werkgever weigerde\n")
    return changed


def test_diff_lists_exactly_the_students_whose_place_differs(tmp_path: Path) -> None:
    old = _solve(tmp_path / "old")
    new = _solve_dir(_demo_with_s25_refused_at_w26(tmp_path), tmp_path / "new")
    result = runner.invoke(app, ["diff", str(tmp_path / "old" / "plan.json"),
                                 str(tmp_path / "new"), "--json", "--scenario", str(DEMO)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)

    def place(plan: dict[str, object]) -> dict[str, tuple[str, str] | None]:
        placed = {a["student_id"]: (a["workplace_id"], a["mentor_id"])
                  for a in plan["assignments"]}  # type: ignore[attr-defined]
        return {u["student_id"]: None for u in plan["unmatched"]} | placed  # type: ignore[attr-defined]

    before, after = place(old), place(new)
    differing = {s for s in before if before[s] != after[s]}
    assert {c["student_id"] for c in data["changes"]} == differing
    kinds = {c["student_id"]: c["change"] for c in data["changes"]}
    assert kinds["S25"] == "lost" and kinds["S26"] == "gained"
    s26 = next(c for c in data["changes"] if c["student_id"] == "S26")
    assert (s26["before"], s26["after"], s26["priority"]) == (None, "W26", 3)
    summary = data["summary"]
    assert sum(summary["changes"].values()) == summary["students"] == len(before)
    assert summary["by_priority"]["2"]["changes"]["lost"] >= 1
    assert sum(level["students"] for level in summary["by_priority"].values()) == len(before)

    table = runner.invoke(app, ["diff", str(tmp_path / "old"), str(tmp_path / "new")])
    assert table.exit_code == 0
    assert "S25" in table.stdout and "lost their place" in table.stdout
    assert "gained a place" in table.stdout


def test_diff_lists_students_of_only_one_plan_and_warns_of_another_scenario(
        tmp_path: Path) -> None:
    plan = _solve(tmp_path)
    other = dict(plan, scenario="another scenario")
    gone = other["assignments"][0]["student_id"]  # type: ignore[index]
    other["assignments"] = other["assignments"][1:]  # type: ignore[index]
    (tmp_path / "other.json").write_text(json.dumps(other), encoding="utf-8")
    result = runner.invoke(app, ["diff", str(tmp_path), str(tmp_path / "other.json"), "--json"])
    assert result.exit_code == 0
    assert "different scenarios" in result.stderr
    assert json.loads(result.stdout)["changes"] == [{
        "student_id": gone, "change": "removed",
        "before": plan["assignments"][0]["workplace_id"],  # type: ignore[index]
        "after": None, "before_mentor_id": plan["assignments"][0]["mentor_id"],  # type: ignore[index]
        "after_mentor_id": None, "before_reason": None, "after_reason": None}]


def test_diff_of_a_plan_with_itself_says_nothing_changed(tmp_path: Path) -> None:
    _solve(tmp_path)
    result = runner.invoke(app, ["diff", str(tmp_path), str(tmp_path / "plan.json"), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["changes"] == [] and "by_priority" not in data["summary"]


@pytest.mark.parametrize(("content", "expected"), [
    (None, "Cannot read"),
    ("not json", "is not a plan.json"),
    ('{"scenario": "demo"}', "solver: Field required"),
])
def test_diff_of_a_missing_or_broken_plan_exits_2(tmp_path: Path, content: str | None,
                                                  expected: str) -> None:
    _solve(tmp_path / "good")
    broken = tmp_path / "broken.json"
    if content is not None:
        broken.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["diff", str(tmp_path / "good"), str(broken)])
    assert result.exit_code == 2
    assert expected in result.output and "broken.json" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("host", "address"), [
    ("127.0.0.1", "http://127.0.0.1:8123/ui/"),
    ("0.0.0.0", "http://127.0.0.1:8123/ui/"),  # every interface: this machine's browser
    ("::", "http://[::1]:8123/ui/"),
    ("matcher.local", "http://matcher.local:8123/ui/"),
])
def test_serve_says_where_the_page_is(monkeypatch: pytest.MonkeyPatch, host: str,
                                      address: str) -> None:
    import uvicorn

    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(kwargs))
    result = runner.invoke(app, ["serve", "--host", host, "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert address in result.output
    assert started == [{"factory": True, "host": host, "port": 8123}]


ENGLISH_WORDS = (" students ", " placed ", " unmatched", " workplace", " written", " of ",
                 " rule", " existing placement")


def test_solve_in_dutch_prints_dutch_and_no_english(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(DEMO), "--out", str(tmp_path / "out"),
                                 "--lang", "nl"])
    assert result.exit_code == 0, result.output
    assert "van 40 leerlingen geplaatst" in result.output
    assert "Niet geplaatst: 3 toegelaten plaatsen zijn vol, 4 geen toegelaten leerwerkplek" \
        in result.output
    text = f" {result.output.lower()} "
    assert [w for w in ENGLISH_WORDS if w in text] == []
    unmatched = (tmp_path / "out" / "unmatched.csv").read_text(encoding="utf-8")
    assert "geen enkele leerwerkplek" in unmatched  # the explanations too


def test_the_language_may_come_from_matcher_lang(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(DEMO)], env={"MATCHER_LANG": "nl"})
    assert result.exit_code == 0
    assert "40 leerlingen, 60 leerwerkplekken" in result.output


def test_mistakes_are_told_in_dutch_with_row_and_column(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(DEMO, broken)
    students = broken / "students.csv"
    students.write_text(students.read_text(encoding="utf-8").replace(",duaal,", ",duaaal,", 1),
                        encoding="utf-8")
    result = runner.invoke(app, ["validate", str(broken), "--lang", "nl"])
    assert result.exit_code == 2
    assert "Het scenario heeft 1 probleem; er is niets geschreven." in result.output
    assert "students.csv rij 2, kolom phase: 'duaaal' is geen geldige waarde" in result.output


def test_an_unknown_language_exits_2() -> None:
    result = runner.invoke(app, ["validate", str(DEMO), "--lang", "fr"])
    assert result.exit_code == 2
