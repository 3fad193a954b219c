"""Ratio sweeps: the sample hits the ratio, runs are reproducible for a seed,
the process pool gives what a serial run gives, and the files are written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
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
                                      "--seeds", "2", "--executor", "serial", "--out", str(out),
                                      "--lang", "nl"])
    assert result.exit_code == 0, result.output
    rows = read_rows(out / "sweep.csv")
    assert set(rows["dimension"]) >= {"tier", "sector", "province", "phase", "school_type",
                                      "reason", "plan"}
    assert set(rows["among"]) == {"all", "feasible"}
    assert set(rows["capacity"]) == {"workplaces"}
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["verdicts"]) == {"all", "feasible"}
    assert {v["objective"] for v in summary["verdicts"]["all"]} == {"priority-first",
                                                                   "placements-first"}
    assert summary["interval"] == {"confidence": 0.95, "method": "t-interval over seeds"}
    assert summary["runs"] == 4 and summary["capacity"] == "workplaces"
    assert all(isinstance(group, str) for group in rows["group"])
    for name in ("tiers", "sectors", "sectors_feasible", "price_of_fairness"):
        for suffix in ("svg", "png"):
            path = out / "plots" / f"{name}.{suffix}"
            assert path.stat().st_size > 1000
    assert (out / "plots" / "tiers.png").read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (out / "plots" / "tiers.svg").read_bytes()[:500]
    # printed, in Dutch: a table per population and objective
    for objective in ("voorrang eerst", "meeste plaatsingen eerst"):
        for among in ("alle leerlingen", "leerlingen met een toegelaten leerwerkplek"):
            assert f"{objective}, {among}" in result.output


def test_sweep_command_crosses_the_axes(small_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "crossed"
    result = CliRunner().invoke(app, [
        "sweep", str(small_dir), "--ratios", "scenario,0.8", "--adapted-shares", "scenario,1",
        "--travel-limits", "40", "--per", "seats", "--seeds", "2", "--executor", "serial",
        "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_rows(out / "sweep.csv")
    points = rows[["ratio", "adapted_share", "travel_limit"]].drop_duplicates()
    assert len(points) == 4  # 2 ratios × 2 shares × 1 limit
    assert set(rows["travel_limit"]) == {40} and set(rows["capacity"]) == {"seats"}
    assert rows["ratio"].isna().any() and rows["adapted_share"].isna().any()
    # every workplace offering every adjustment places at least as many priority-1 students
    tier = rows[(rows["dimension"] == "tier") & (rows["group"] == "1")
                & (rows["among"] == "all") & (rows["objective"] == "priority-first")
                & rows["ratio"].isna()]
    placed = tier.groupby(tier["adapted_share"].fillna(-1))["placed"].mean()
    assert placed[1.0] > placed[-1]
    assert len(list((out / "plots").glob("tiers-*.png"))) == 2  # one per adapted share


@pytest.mark.parametrize(("option", "value"), [
    ("--ratios", "1,-2"), ("--adapted-shares", "1.5"), ("--travel-limits", "30.5"),
    ("--ratios", "abc"), ("--per", "rooms")])
def test_sweep_rejects_bad_axes(small_dir: Path, tmp_path: Path, option: str,
                                value: str) -> None:
    result = CliRunner().invoke(app, ["sweep", str(small_dir), option, value,
                                      "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()
