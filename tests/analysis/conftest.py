"""Shared small scenarios for the analysis tests (kept small: the suite runs on 2 cores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.analysis.sweep import SweepResult, SweepSettings, run_sweep
from matcher.generate import GeneratorSettings, write_scenario
from matcher.io import load_scenario
from models.scenario import Scenario


@pytest.fixture(scope="session")
def small_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated scenario of 150 students, 1.2 workplaces per student."""
    return write_scenario(GeneratorSettings(students=150, ratio=1.2, seed=7),
                          tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="session")
def small(small_dir: Path) -> Scenario:
    return load_scenario(small_dir)


# Small enough for CI, big enough to clone workplaces (2.5 seats per student).
SWEEP = SweepSettings(ratios=(0.6, 1.5, 2.5), seeds=2)


@pytest.fixture(scope="session")
def pool_sweep(small: Scenario) -> SweepResult:
    """The reference sweep, on the local process pool (two workers)."""
    return run_sweep(small, SWEEP, executor="local", workers=2)
