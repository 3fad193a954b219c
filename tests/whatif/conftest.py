"""The demo scenario as an inline document, read once (tests copy nothing into it:
``changed_scenario`` never changes the document it is given)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from matcher.io.document import read_inline
from matcher.pipeline import SolveSettings, run_solve
from models.plan import Plan
from models.scenario import Scenario

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"


@pytest.fixture(scope="session")
def demo() -> tuple[dict[str, Any], Scenario]:
    return read_inline(DEMO)


@pytest.fixture(scope="session")
def demo_plan(demo: tuple[dict[str, Any], Scenario]) -> Plan:
    return run_solve(demo[1], SolveSettings()).plan
