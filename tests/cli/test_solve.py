"""``matcher solve SCENARIO --changes changes.yaml``: a what-if from the command line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matcher.cli import app

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"
runner = CliRunner()

# W25 has seats but no mentor (S24 may go only there); M27 has one slot left (S26)
CHANGES = """note: een mentor voor W25
changes:
  - {kind: add_mentor, workplace: W25}
  - {kind: mentor_capacity, mentor: M27, capacity: 3}
"""


def _files_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _change_file(tmp_path: Path, text: str = CHANGES) -> Path:
    path = tmp_path / "changes.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_changes_solve_write_the_plan_the_version_and_the_comparison(tmp_path: Path) -> None:
    before = _files_hash(DEMO)
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(DEMO), "--changes", str(_change_file(tmp_path)),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    diff = json.loads((out / "diff.json").read_text(encoding="utf-8"))
    assert {(c["student_id"], c["change"], c["after"]) for c in diff["changes"]} == {
        ("S24", "gained", "W25"), ("S26", "gained", "W26")}
    assert "S24" in result.output and "S26" in result.output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["summary"]["placed"] == 35
    assert _files_hash(DEMO) == before  # the original scenario is untouched
    # the saved version solves the same with a plain `matcher solve`
    again = runner.invoke(app, ["solve", str(out / "scenario"), "--out", str(tmp_path / "again")])
    assert again.exit_code == 0, again.output
    replan = json.loads((tmp_path / "again" / "plan.json").read_text(encoding="utf-8"))
    assert replan["summary"] == plan["summary"]


def test_changes_compare_with_a_given_base_plan(tmp_path: Path) -> None:
    base = tmp_path / "base"
    assert runner.invoke(app, ["solve", str(DEMO), "--out", str(base)]).exit_code == 0
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(DEMO), "--changes", str(_change_file(
        tmp_path, "changes:\n  - {kind: remove_mentor, mentor: M28}\n")),
        "--base", str(base / "plan.json"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    diff = json.loads((out / "diff.json").read_text(encoding="utf-8"))
    assert ("S27", "W27") in {(c["student_id"], c["before"]) for c in diff["changes"]}


def test_without_out_the_comparison_is_printed_only(tmp_path: Path) -> None:
    result = runner.invoke(app, ["solve", str(DEMO), "--changes", str(_change_file(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "S24" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changes.yaml"]


@pytest.mark.parametrize(("text", "located"), [
    ("changes:\n  - {kind: seats, workplce: W01, add: 1}\n",
     "changes.yaml entry 1, field workplce: unknown field; did you mean 'workplace'?"),
    ("changes:\n  - {kind: seats, workplace: W99, add: 1}\n",
     "changes.yaml entry 1, field workplace: 'W99' is not a known workplace_id"),
    ("changes:\n  - {kind: accept_grade2, workplace: W01}\n"
     "  - {kind: seats, workplace: W01, set: -1}\n",
     "changes.yaml entry 2, field set: must be at least 0"),
])
def test_a_bad_change_file_exits_2_located_and_writes_nothing(tmp_path: Path, text: str,
                                                              located: str) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["solve", str(DEMO), "--changes",
                                 str(_change_file(tmp_path, text)), "--out", str(out)])
    assert result.exit_code == 2
    assert located in result.output
    assert not out.exists()


def test_solve_without_out_or_changes_exits_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["solve", str(DEMO)]).exit_code == 2
    base_only = runner.invoke(app, ["solve", str(DEMO), "--base", str(tmp_path / "plan.json"),
                                    "--out", str(tmp_path / "out")])
    assert base_only.exit_code == 2
    assert not (tmp_path / "out").exists()
