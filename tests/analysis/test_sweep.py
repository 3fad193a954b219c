"""Ratio sweeps: the sample hits the ratio, runs are reproducible for a seed,
the process pool gives what a serial run gives, and the files are written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from matcher.analysis.sample import choose_workplaces, sample_scenario
from matcher.analysis.sweep import SweepResult, run_sweep
from matcher.analysis.sweep_files import read_rows
from matcher.check import check_plan
from matcher.cli import app
from matcher.pipeline import SolveSettings, run_solve
from models.scenario import Scenario
from tests.analysis.conftest import SWEEP


def test_sample_hits_the_ratio_with_clones_beyond_the_scenario(small: Scenario) -> None:
    n = len(small.students)
    for ratio in (0.5, 1.0, 3.0):
        sampled = sample_scenario(small, ratio, seed=3)
        seats = int(sampled.workplaces.seats.sum())
        assert abs(seats - ratio * n) <= 0.05 * ratio * n
        assert len(set(sampled.workplaces.ids.tolist())) == len(sampled.workplaces)
        assert len(set(sampled.mentors.ids.tolist())) == len(sampled.mentors)
    clones = sample_scenario(small, 3.0, seed=3)
    assert any("#" in str(i) for i in clones.workplaces.ids)
    run = run_solve(clones, SolveSettings())
    assert check_plan(clones, run.plan.model_dump(mode="json", exclude_none=True)) == []


def test_a_seed_gives_nested_samples_and_keeps_existing_placements(small: Scenario) -> None:
    low, high = choose_workplaces(small, 0.8, 4), choose_workplaces(small, 1.6, 4)
    assert set(zip(low.source.tolist(), low.copy.tolist(), strict=True)) <= set(
        zip(high.source.tolist(), high.copy.tolist(), strict=True))
    kept = small.workplaces.ids[small.pinned.workplace]
    sampled = sample_scenario(small, 0.3, 4)
    assert set(kept.tolist()) <= set(sampled.workplaces.ids.tolist())
    assert np.array_equal(sampled.workplaces.ids[sampled.pinned.workplace], kept)


def test_sweep_is_reproducible_and_the_pool_equals_a_serial_run(
    small: Scenario, pool_sweep: SweepResult
) -> None:
    serial = run_sweep(small, SWEEP, executor="serial")
    pd.testing.assert_frame_equal(serial.rows, pool_sweep.rows)
    tiers = serial.rows[(serial.rows["dimension"] == "all") & (serial.rows["among"] == "all")]
    assert len(tiers) == 3 * 2 * 2  # ratios × seeds × objectives
    # more seats never place fewer students (nested samples, same seed)
    placed = tiers.pivot_table(index=["objective", "seed"], columns="ratio", values="placed")
    assert (placed.diff(axis=1).fillna(0) >= 0).all().all()


def test_sweep_command_writes_csv_summary_and_plots(small_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    result = CliRunner().invoke(app, ["sweep", str(small_dir), "--ratios", "0.8,2",
                                      "--seeds", "2", "--executor", "serial", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_rows(out / "sweep.csv")
    assert set(rows["dimension"]) >= {"tier", "sector", "province", "phase", "reason", "plan"}
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["catch_up"]) == {"priority-first", "placements-first"}
    assert set(summary["catch_up_feasible"]) == {"priority-first", "placements-first"}
    assert summary["runs"] == 4
    assert all(isinstance(group, str) for group in rows["group"])
    for name in ("tiers", "sectors", "sectors_feasible", "price_of_fairness"):
        for suffix in ("svg", "png"):
            path = out / "plots" / f"{name}.{suffix}"
            assert path.stat().st_size > 1000
    assert (out / "plots" / "tiers.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (out / "plots" / "tiers.svg").read_bytes()[:500]


def test_sweep_rejects_bad_ratios(small_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["sweep", str(small_dir), "--ratios", "1,-2",
                                      "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert not (tmp_path / "x").exists()

