"""The report is one self-contained page, says it is for the consultant only, and never
shows a student's adjustment codes."""

from __future__ import annotations

import html
import re
from pathlib import Path

from typer.testing import CliRunner

from matcher.analysis.sweep import SweepResult
from matcher.cli import app
from matcher.io import load_scenario
from matcher.messages import Message, render


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
    for section in ("Summary", "Placement per group", "Unmatched students", "Recruitment list",
                    "ratio sweep"):
        assert section in page
    # no external assets: every image is inline, nothing is fetched
    assert "data:image/png;base64," in page
    assert not re.search(r'(src|href)="(?!data:)', page)
    assert "<script" not in page
    # it names students with their priority and reasons: its first words say who may read it
    # (in Dutch, the users' language, and in the report's language)
    for lang in ("nl", "en"):
        audience = html.escape(render(Message("report.audience"), lang))
        assert page.index(audience) < page.index("<h1>")
    # privacy: no adjustment code and no intensive-support flag of anyone
    sc = load_scenario(small_dir)
    for code in sc.adjustments.codes:
        assert code not in page, code
    assert "intensive" not in page.lower()
    unmatched = (out / "fixes.csv").read_text(encoding="utf-8").splitlines()
    assert unmatched[0].startswith("student_id,priority,fix")


def test_report_refuses_a_folder_without_sweep(small_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(small_dir), "--out", str(tmp_path / "r"),
                                      "--sweep", str(tmp_path)])
    assert result.exit_code == 2
    assert not (tmp_path / "r").exists()
