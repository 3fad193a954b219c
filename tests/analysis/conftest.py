"""Shared small scenarios for the analysis tests (kept small: the suite runs on 2 cores)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
