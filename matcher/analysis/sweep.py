"""A sweep: the same students against more or fewer workplaces, more adapted
workplaces, and other travel limits.

Why: the question behind the product is "how many more workplaces than students
does dual learning need, so that vulnerable students are not crowded out?"
(the Vlor advice; its measure is workplaces per student). One run takes one
**point** — workplaces (or seats) per student, a share of adapted workplaces,
a travel limit; an axis left out stays as in the scenario — and one seed:
it samples the scenario's workplaces to the ratio
(``matcher.analysis.sample``), lets more workplaces offer each adjustment,
sets the travel limit, and solves the result under both objectives. A sweep
is every point of the axes crossed, times every seed. Runs are independent, so
they execute on any ``matcher.analysis.executors`` executor, and the rows are
sorted by (point, seed, objective) so the result is the same on all of them.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pandas as pd

from matcher.analysis import DEFAULT_RATIOS
from matcher.analysis.executors import Executor, run_all
from matcher.analysis.groups import student_groups
from matcher.analysis.metrics import Row, plan_rows
from matcher.analysis.sample import (
    CAPACITIES,
    Capacity,
    adapt_workplaces,
    sample_scenario,
    with_travel_limit,
)
from matcher.pipeline import SolveSettings, run_solve
from models.config import OBJECTIVES, Objective
from models.scenario import Scenario

# The axes of a point; an empty cell (NaN) means "as in the scenario".
AXES = ("ratio", "adapted_share", "travel_limit")
POINT = ("capacity", *AXES)
Value = TypeVar("Value", float, int)
COLUMNS = (*POINT, "seed", "objective", "among", "dimension", "group", "students", "placed",
           "value", "travel_min", "wish_rank")


@dataclass(frozen=True)
class RunSpec:
    """One run: one point of the axes (``None``: as in the scenario), one seed."""

    ratio: float | None
    seed: int
    objectives: tuple[Objective, ...] = OBJECTIVES
    capacity: Capacity = "workplaces"
    adapted_share: float | None = None
    travel_limit: int | None = None


@dataclass(frozen=True)
class SweepSettings:
    """The axes (each a tuple of values; ``None`` in one means "as in the scenario"),
    crossed, and the seeds. ``capacity`` says what ``ratios`` count: workplaces per
    student (the Vlor measure) or seats per student."""

    ratios: tuple[float | None, ...] = DEFAULT_RATIOS
    seeds: int = 10
    first_seed: int = 0
    objectives: tuple[Objective, ...] = OBJECTIVES
    capacity: Capacity = "workplaces"
    adapted_shares: tuple[float | None, ...] = (None,)
    travel_limits: tuple[int | None, ...] = (None,)

    def __post_init__(self) -> None:
        if not self.ratios or any(r is not None and (not math.isfinite(r) or r <= 0)
                                  for r in self.ratios):
            raise ValueError("ratios must be positive numbers")
        if not self.adapted_shares or any(a is not None and not 0 <= a <= 1
                                          for a in self.adapted_shares):
            raise ValueError("adapted shares must be between 0 and 1")
        if not self.travel_limits or any(t is not None and t < 0 for t in self.travel_limits):
            raise ValueError("travel limits must be at least 0 minutes")
        if self.seeds < 1 or self.first_seed < 0:
            raise ValueError("seeds must be at least 1 and first_seed at least 0")
        if not self.objectives:
            raise ValueError("at least one objective is needed")
        if self.capacity not in CAPACITIES:
            raise ValueError(f"capacity must be one of {', '.join(CAPACITIES)}")

    def runs(self) -> list[RunSpec]:
        return [RunSpec(ratio, seed, self.objectives, self.capacity, share, limit)
                for ratio, share, limit in itertools.product(
                    _axis(self.ratios), _axis(self.adapted_shares), _axis(self.travel_limits))
                for seed in range(self.first_seed, self.first_seed + self.seeds)]


def _axis(values: tuple[Value | None, ...]) -> list[Value | None]:
    """The axis's values once each, "as in the scenario" first, then ascending."""
    present = sorted({v for v in values if v is not None})
    return ([None] if None in values else []) + list(present)


@dataclass(frozen=True)
class RunResult:
    spec: RunSpec
    rows: list[Row]
    seconds: float  # wall time of the run in its worker (not part of the rows)


def point_scenario(scenario: Scenario, spec: RunSpec) -> Scenario:
    """The scenario of one run: sampled, adapted and with the travel limit of ``spec``."""
    changed = scenario
    if spec.ratio is not None:
        changed = sample_scenario(changed, spec.ratio, spec.seed, spec.capacity)
    if spec.adapted_share is not None:
        changed = adapt_workplaces(changed, spec.adapted_share, spec.seed)
    if spec.travel_limit is not None:
        changed = with_travel_limit(changed, spec.travel_limit)
    return changed


def run_one(scenario: Scenario, spec: RunSpec) -> RunResult:
    """Change, solve under each objective, and measure (a pure function of its inputs)."""
    started = time.perf_counter()
    groups = student_groups(scenario)  # judged on the full scenario, the same for every run
    changed = point_scenario(scenario, spec)
    point = {"capacity": spec.capacity,
             "ratio": math.nan if spec.ratio is None else spec.ratio,
             "adapted_share": math.nan if spec.adapted_share is None else spec.adapted_share,
             "travel_limit": math.nan if spec.travel_limit is None else spec.travel_limit}
    rows: list[Row] = []
    for objective in spec.objectives:
        run = run_solve(changed, SolveSettings(objective=objective))
        rows += [{**point, "seed": spec.seed, "objective": objective, **row}
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
    """Every run of ``settings`` on ``executor``; rows in (point, seed, objective) order."""
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
