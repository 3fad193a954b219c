"""A ratio sweep: the same students against more and more workplace seats.

Why: the question behind the product is "how many workplaces per student are
needed so that vulnerable students are not crowded out?". One run samples the
scenario's workplaces to a seats/students ratio with one seed
(``matcher.analysis.sample``) and solves that sample under both objectives;
a sweep repeats this for every ratio and seed. Runs are independent, so they
execute on any ``matcher.analysis.executors`` executor, and the rows are
sorted by (ratio, seed, objective) so the result is the same on all of them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from matcher.analysis import DEFAULT_RATIOS
from matcher.analysis.executors import Executor, run_all
from matcher.analysis.groups import student_groups
from matcher.analysis.metrics import Row, plan_rows
from matcher.analysis.sample import sample_scenario
from matcher.pipeline import SolveSettings, run_solve
from models.config import OBJECTIVES, Objective
from models.scenario import Scenario

COLUMNS = ("ratio", "seed", "objective", "dimension", "group", "students", "placed", "value")


@dataclass(frozen=True)
class RunSpec:
    """One run: a sample at ``ratio`` seats per student drawn with ``seed``."""

    ratio: float
    seed: int
    objectives: tuple[Objective, ...] = OBJECTIVES


@dataclass(frozen=True)
class SweepSettings:
    ratios: tuple[float, ...] = DEFAULT_RATIOS
    seeds: int = 10
    first_seed: int = 0
    objectives: tuple[Objective, ...] = OBJECTIVES

    def __post_init__(self) -> None:
        if not self.ratios or any(not math.isfinite(r) or r <= 0 for r in self.ratios):
            raise ValueError("ratios must be positive numbers")
        if self.seeds < 1 or self.first_seed < 0:
            raise ValueError("seeds must be at least 1 and first_seed at least 0")
        if not self.objectives:
            raise ValueError("at least one objective is needed")

    def runs(self) -> list[RunSpec]:
        return [RunSpec(ratio, seed, self.objectives) for ratio in sorted(set(self.ratios))
                for seed in range(self.first_seed, self.first_seed + self.seeds)]


@dataclass(frozen=True)
class RunResult:
    spec: RunSpec
    rows: list[Row]
    seconds: float  # wall time of the run in its worker (not part of the rows)


def run_one(scenario: Scenario, spec: RunSpec) -> RunResult:
    """Sample, solve under each objective, and measure (a pure function of its inputs)."""
    started = time.perf_counter()
    groups = student_groups(scenario)  # judged on the full scenario, the same for every run
    sample = sample_scenario(scenario, spec.ratio, spec.seed)
    rows: list[Row] = []
    for objective in spec.objectives:
        run = run_solve(sample, SolveSettings(objective=objective))
        rows += [{"ratio": spec.ratio, "seed": spec.seed, "objective": objective, **row}
                 for row in plan_rows(run, groups)]
    return RunResult(spec, rows, time.perf_counter() - started)


@dataclass
class SweepResult:
    settings: SweepSettings
    rows: pd.DataFrame
    run_seconds: list[float]
    wall_seconds: float
    executor: str
    meta: dict[str, object] = field(default_factory=dict)


def run_sweep(
    scenario: Scenario,
    settings: SweepSettings,
    executor: Executor = "local",
    address: str | None = None,
    workers: int | None = None,
    on_done: Callable[[int], None] = lambda i: None,
) -> SweepResult:
    """Every run of ``settings`` on ``executor``; rows in (ratio, seed, objective) order."""
    specs = settings.runs()
    started = time.perf_counter()
    results = run_all(run_one, scenario, specs, executor=executor, address=address,
                      workers=workers, on_done=on_done)
    wall = time.perf_counter() - started
    frame = pd.DataFrame([row for result in results for row in result.rows],
                         columns=list(COLUMNS))
    return SweepResult(settings, frame, [r.seconds for r in results], wall, executor,
                       {"runs": len(specs), "students": len(scenario.students),
                        "scenario": scenario.name})
