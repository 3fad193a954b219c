"""``matcher recruit``: the curve as a table or JSON, the plan as a what-if change file
that places what it promises, and exit 2 for a wrong budget."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from matcher.analysis.recruit import placed_of
from matcher.candidates import build_candidates
from matcher.cli import app
from matcher.io.document import read_inline
from matcher.messages import Message, render
from matcher.solve import solve
from matcher.whatif.apply import changed_scenario
from matcher.whatif.changes import read_change_set

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"
runner = CliRunner()


def test_json_curve_and_change_file_place_what_is_promised(tmp_path: Path) -> None:
    changes = tmp_path / "changes.yaml"
    result = runner.invoke(app, ["recruit", str(DEMO), "--budget", "2", "--json",
                                 "--changes", str(changes)])
    assert result.exit_code == 0, result.output
    curve = json.loads(result.output)
    assert [p["budget"] for p in curve["points"]] == [1, 2]
    last = curve["points"][-1]
    assert last["plan"]["optimal"] and last["plan"]["gap"] is None
    assert last["plan"]["priority_1"] >= last["greedy"]["priority_1"]
    # the change file, applied to the files as a what-if, places what the JSON says
    document, scenario = read_inline(DEMO)
    changed = changed_scenario(document, read_change_set(changes)).scenario
    after = solve(changed, build_candidates(changed)).workplace
    placed = placed_of(scenario, after[: len(scenario.students)])
    assert placed.total == last["plan"]["placed"]
    assert placed.priority_1 == last["plan"]["priority_1"]


def test_table_in_dutch() -> None:
    result = runner.invoke(app, ["recruit", str(DEMO), "--budget", "1", "--lang", "nl"])
    assert result.exit_code == 0, result.output
    for code in ("recruit.title", "recruit.greedy_title"):
        assert render(Message(code), "nl") in result.output
    assert "optimaal" in result.output


def test_a_budget_out_of_range_exits_2() -> None:
    for budget in ("0", "51"):
        result = runner.invoke(app, ["recruit", str(DEMO), "--budget", budget])
        assert result.exit_code == 2
        assert "--budget" in result.output
