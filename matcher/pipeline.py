"""The main job, shared by the CLI and the API: scenario in, plan out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from matcher.candidates import Candidates, build_candidates
from matcher.plan import build_plan
from matcher.solve import Backend, Solution, solve
from models.config import Objective
from models.plan import Plan
from models.scenario import IntArray, Scenario


@dataclass(frozen=True)
class SolveSettings:
    backend: Backend = "flow"
    objective: Objective | None = None  # None: the scenario's policy.objective
    time_limit_s: float = 60.0
    seed: int = 0
    workers: int = 1  # processes for independent parts of a large flow or lemon problem

    def __post_init__(self) -> None:
        if self.time_limit_s <= 0:
            raise ValueError("time limit must be positive")




@dataclass
class SolveRun:
    scenario: Scenario
    candidates: Candidates
    solution: Solution
    plan: Plan
    stage_seconds: dict[str, float] = field(default_factory=dict)


def run_solve(
    scenario: Scenario,
    settings: SolveSettings,
    on_stage: Callable[[str], None] = lambda stage: None,  # told each stage's catalogue code
    keep: IntArray | None = None,
) -> SolveRun:
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    on_stage("stage.candidates")
    candidates = build_candidates(scenario)
    seconds["candidates"] = time.perf_counter() - started

    started = time.perf_counter()
    on_stage("stage.solving")
    solution = solve(scenario, candidates, backend=settings.backend,
                     objective=settings.objective, time_limit_s=settings.time_limit_s,
                     seed=settings.seed, keep=keep, workers=settings.workers)
    seconds["solve"] = time.perf_counter() - started

    started = time.perf_counter()
    on_stage("stage.explaining")
    plan = build_plan(scenario, candidates, solution)
    seconds["explain"] = time.perf_counter() - started
    return SolveRun(scenario, candidates, solution, plan, seconds)
