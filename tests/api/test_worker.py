"""A job whose input changed while it ran is rebased: run again on what is in force.
Re-plans share their scenario's warm engine in the solver process."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from api import worker
from api.jobs import claim_next_job
from api.lineage import Lineage
from api.scenario_store import load_stored
from api.tables import Job, Refusal, StoredPlan, StoredScenario
from matcher.candidates import Candidates, build_candidates
from matcher.check import check_plan
from matcher.io import load_scenario
from matcher.pipeline import SolveSettings, run_solve
from matcher.replan import with_pins
from matcher.rules import Pairs
from matcher.solve.warm import EngineCache, WarmEngine
from models.plan import Plan
from models.scenario import Scenario
from tests.api.conftest import Api, solve, start_api, upload_demo, wait_for_job

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_a_solve_that_would_break_a_refusal_made_meanwhile_runs_again_with_it(
        tmp_path: Path) -> None:
    running = start_api(tmp_path)
    api = next(running)
    try:
        scenario_id = upload_demo(api)
        first = solve(api, scenario_id)
        plan = api.client.get(f"/plans/{first['plan_id']}", headers=api.consultant).json()
        refused = next(a for a in plan["plan"]["assignments"] if not a.get("pinned"))
        pair = (refused["student_id"], refused["workplace_id"])
        api.services.runner.stop()  # this test runs the job itself
        with api.services.sessions() as db:
            # claimed before the refusal came (so without it), and the refusal since
            job = Job(scenario_id=scenario_id, kind="solve", state="running", stage="",
                      settings=json.dumps({**first["settings"], "seed": 3}),
                      lineage=Lineage().to_json(), input_hash="3" * 64, attempts=1)
            db.add(job)
            db.add(Refusal(scenario_id=scenario_id, student_id=pair[0], workplace_id=pair[1]))
            db.commit()
            job_id = job.id
        assert worker.run_job(api.services.database_url, job_id, 1) == "rebased"
        with api.services.sessions() as db:
            again = db.get(Job, job_id)
            assert again is not None and again.state == "queued" and again.rebases == 1
            assert Lineage.from_json(again.lineage).refusals == (pair,)
            assert again.plan_id is None  # nothing stored from the stale run
        api.services.runner.start()
        done = wait_for_job(api.client, job_id, api.consultant)
        assert done["state"] == "done" and done["attempts"] == 2 and done["rebases"] == 1
        new_plan = api.client.get(f"/plans/{done['plan_id']}", headers=api.consultant).json()
        assert pair not in {(a["student_id"], a["workplace_id"])
                            for a in new_plan["plan"]["assignments"]}
    finally:
        running.close()


def _placed_pair(plan: Plan, skip: int = 0) -> tuple[str, str]:
    placed = [a for a in plan.assignments if not a.pinned]
    return placed[skip].student_id, placed[skip].workplace_id


def test_replans_of_a_scenario_share_its_warm_engine_until_its_content_changes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The second refusal re-plans in the engine the first one built (nothing is
    evaluated again), pins included; another content of the scenario drops it."""
    monkeypatch.setattr(worker, "_process", dataclasses.replace(
        worker._process, warm=EngineCache(worker.WARM_ENGINES_KEPT, worker.WARM_ARCS_KEPT)))
    scenario = load_scenario(SCENARIOS / "demo")
    settings = SolveSettings()  # a flow plan: its re-plans are warm too
    plan = run_solve(scenario, settings).plan
    run = SimpleNamespace(scenario_id=1, content_hash="first")
    first = worker._warm_replan(run, scenario, plan, [_placed_pair(plan)], settings)  # type: ignore[arg-type]
    key = (1, "first", scenario.config.policy.objective)
    assert first.warm is not None and worker._process.warm.get(key) is first.warm
    pinned = with_pins(first.run.scenario, [(*_placed_pair(first.run.plan, 1), None)])
    second = worker._warm_replan(run, pinned, first.run.plan,  # type: ignore[arg-type]
                                 [_placed_pair(first.run.plan, 2)], settings)
    assert second.warm is first.warm
    assert "candidates" not in second.run.stage_seconds
    assert check_plan(second.run.scenario, second.run.plan.as_contract()) == []
    changed = SimpleNamespace(scenario_id=1, content_hash="second")
    third = worker._warm_replan(changed, scenario, plan, [_placed_pair(plan)], settings)  # type: ignore[arg-type]
    assert worker._process.warm.get(key) is None and third.warm is not first.warm


def test_the_engine_cache_keeps_the_most_recent_within_its_count_and_arcs() -> None:
    scenario = load_scenario(SCENARIOS / "demo")
    candidates = build_candidates(scenario)
    engines = [WarmEngine.start(scenario, candidates, "priority-first") for _ in range(3)]
    cache: EngineCache[int] = EngineCache(count=2, arcs=10 * engines[0].arcs)
    for key, engine in enumerate(engines):
        cache.put(key, engine)
    assert len(cache) == 2 and cache.get(0) is None and cache.get(2) is engines[2]
    small: EngineCache[int] = EngineCache(count=5, arcs=engines[0].arcs)
    small.put(0, engines[0])
    small.put(1, engines[1])  # the two together are beyond the arcs: the older goes
    assert small.get(0) is None and small.get(1) is engines[1]
    small.drop(lambda key: key != 1)
    assert len(small) == 0
    # an engine beyond the arcs alone is not kept, and the others stay
    bigger = WarmEngine.start(scenario, candidates, "priority-first",
                              spare=Pairs.of_workplace(scenario, 0), build=False)
    assert bigger.arcs > engines[0].arcs
    small.put(0, engines[0])
    small.put(1, bigger)
    assert small.get(1) is None and small.get(0) is engines[0]


def test_an_analysis_reads_the_warm_engine_and_finds_what_a_cold_solve_finds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After a re-plan, the analysis of its plan is solved in the same warm engine (no
    pair evaluated again) and gives the cold solve's solution and the same fixes and
    recruitment values; an engine whose pairs changed order leaves it to a cold solve."""
    from matcher.analysis.report import gather
    from matcher.replan import previous_workplaces

    monkeypatch.setattr(worker, "_process", dataclasses.replace(
        worker._process, warm=EngineCache(worker.WARM_ENGINES_KEPT, worker.WARM_ARCS_KEPT)))
    scenario = load_scenario(SCENARIOS / "demo")
    settings = SolveSettings()
    plan = run_solve(scenario, settings).plan
    run = SimpleNamespace(scenario_id=1, content_hash="first")
    refused = [_placed_pair(plan)]
    replanned = worker._warm_replan(run, scenario, plan, refused, settings)  # type: ignore[arg-type]
    updated = replanned.run.scenario
    keep = previous_workplaces(updated, replanned.run.plan)
    warm = worker._analysed_run(run, updated, keep, settings)  # type: ignore[arg-type]
    cold = run_solve(updated, settings, keep=keep)
    assert warm is not None and "candidates" not in warm.stage_seconds
    assert (warm.solution.backend, warm.solution.objective_value) == (
        cold.solution.backend, cold.solution.objective_value)
    for field in ("workplace", "mentor", "candidate"):
        assert getattr(warm.solution, field).tolist() == getattr(cold.solution, field).tolist()
    assert warm.candidates.student.tolist() == cold.candidates.student.tolist()
    warm_data, cold_data = gather(warm, recruit_limit=6), gather(cold, recruit_limit=6)
    assert cold_data.fixes.fixes and cold_data.recruits
    assert ([(f.student, f.change, f.affected) for f in warm_data.fixes.fixes]
            == [(f.student, f.change, f.affected) for f in cold_data.fixes.fixes])
    assert ([(r.change, r.placed, r.by_priority) for r in warm_data.recruits]
            == [(r.change, r.placed, r.by_priority) for r in cold_data.recruits])
    # the refusal withdrawn: the engine, started with it in force, adds its pair last
    lifted = dataclasses.replace(updated, exclusions=scenario.exclusions)
    assert worker._analysed_run(run, lifted, keep, settings) is None  # type: ignore[arg-type]


def _run_queued_here(api: Api) -> list[str]:
    """Run every queued job in this process, oldest first (the runner is stopped), so
    the test reads this process's warm engines; what became of each."""
    outcomes = []
    while (claimed := claim_next_job(api.services.sessions)) is not None:
        outcomes.append(worker.run_job(api.services.database_url, *claimed))
    return outcomes


def _stored_plan(api: Api, plan_id: int) -> dict[str, Any]:
    """plan.json as stored (the solver's objective value included)."""
    with api.services.sessions() as db:
        stored = db.get(StoredPlan, plan_id)
        assert stored is not None
        plan: dict[str, Any] = json.loads(stored.document)
    return plan


def solving_job(api: Api, job: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = api.client.get(f"/jobs/{job['id']}", headers=api.consultant).json()
    return found


def _level_values(plan: dict[str, Any], base: dict[str, Any]) -> tuple[object, ...]:
    """A stored plan's value of each level: placements per priority, students kept in
    their place in ``base``, the plan's cost."""
    before = {a["student_id"]: a["workplace_id"] for a in base["assignments"]}
    kept = sum(before.get(a["student_id"]) == a["workplace_id"] for a in plan["assignments"])
    return (plan["summary"]["placed_by_priority"], kept,
            sum(a["cost"] for a in plan["assignments"]))


def test_a_version_after_a_solve_of_its_base_is_solved_in_the_warm_engine(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plain solve leaves an engine of the base; a version's solve copies it (no
    pair searched again), stores a plan with the cold solve's objective value, keeps
    the copy for the version, whose next refusal re-plans in it; without a base engine,
    or with a change the engine cannot take, the version is solved cold."""
    import matcher.pipeline
    import matcher.replan

    monkeypatch.setattr(worker, "_process", dataclasses.replace(
        worker._process, warm=EngineCache(worker.WARM_ENGINES_KEPT, worker.WARM_ARCS_KEPT)))
    searches: list[int] = []
    from matcher.candidates import build_candidates as search

    def counted(scenario: Scenario) -> Candidates:
        searches.append(len(scenario.students))
        return search(scenario)

    monkeypatch.setattr(matcher.pipeline, "build_candidates", counted)
    monkeypatch.setattr(matcher.replan, "build_candidates", counted)  # a re-plan's search
    running = start_api(tmp_path)
    api = next(running)
    try:
        api.services.runner.stop()  # the jobs run in this process
        monkeypatch.setattr(api.services.runner, "wake", lambda: None)
        scenario_id = upload_demo(api)
        solving = api.client.post(f"/scenarios/{scenario_id}/solve", json={},
                                  headers=api.consultant).json()
        assert _run_queued_here(api) == ["done"] and len(searches) == 1
        objective = load_scenario(SCENARIOS / "demo").config.policy.objective

        def key(stored_id: int) -> tuple[int, str, str]:
            with api.services.sessions() as db:
                stored = db.get(StoredScenario, stored_id)
                assert stored is not None
                return stored_id, stored.content_hash, objective

        base = worker._process.warm.get(key(scenario_id))
        assert base is not None

        def version(changes: list[dict[str, Any]]) -> tuple[int, int, dict[str, Any]]:
            """The version's id, its plan's id and the plan."""
            made = api.client.post(f"/scenarios/{scenario_id}/versions",
                                   json={"changes": changes}, headers=api.consultant)
            assert made.status_code == 201, made.text
            assert _run_queued_here(api) == ["done"]
            job = api.client.get(f"/jobs/{made.json()['job']['id']}",
                                 headers=api.consultant).json()
            return (int(made.json()["scenario"]["id"]), int(job["plan_id"]),
                    _stored_plan(api, job["plan_id"]))

        seats = [{"kind": "add_mentor", "workplace": "W25"},
                 {"kind": "accept_grade2", "workplace": "W08"}]
        warm_id, plan_id, warm_plan = version(seats)
        assert len(searches) == 1  # no pair searched again
        engine = worker._process.warm.get(key(warm_id))
        assert engine is not None and engine is not base
        assert worker._process.warm.get(key(scenario_id)) is base
        # the same change set without the base's engine: solved cold, the same optimum
        worker._process.warm.drop(lambda k: k[0] != scenario_id)
        cold_id, _, cold_plan = version(seats)
        assert len(searches) == 2 and worker._process.warm.get(key(cold_id)) is None
        base_plan = _stored_plan(api, int(solving_job(api, solving)["plan_id"]))
        assert _level_values(warm_plan, base_plan) == _level_values(cold_plan, base_plan)
        with api.services.sessions() as db:
            stored = db.get(StoredScenario, warm_id)
            assert stored is not None
            scenario = load_stored(stored.document, source="version")
        assert check_plan(scenario, warm_plan) == []
        # a refusal on the version's plan is re-planned in the version's engine
        placed = next(a for a in warm_plan["assignments"] if not a.get("pinned"))
        refused = api.client.post(f"/plans/{plan_id}/refusals", headers=api.consultant,
                                  json={"student_id": placed["student_id"],
                                        "workplace_id": placed["workplace_id"]})
        assert refused.status_code == 202, refused.text
        assert _run_queued_here(api) == ["done"]
        assert len(searches) == 2 and worker._process.warm.get(key(warm_id)) is engine
        # a change the engine cannot take (a student's intensive support): cold, none kept
        worker._process.warm.put(key(scenario_id), base)
        intensive_id, _, _ = version([{"kind": "student_data", "student": "S01",
                                       "values": {"intensive_support": True}}])
        assert len(searches) == 3 and worker._process.warm.get(key(intensive_id)) is None
    finally:
        running.close()
