"""What runs in the solver processes: every kind of job in the job table.

- ``solve``: a plan for the scenario with the pins and refusals of the job;
- ``replan``: the scenario's newest plan again, with every pin and refusal in force,
  moving as few students as possible (after a refusal, or a pin the plan breaks),
  solved in the process's warm engine of that scenario (``matcher.solve.warm``);
- ``analysis``: the verified fixes and the HTML report of a stored plan.

Each job gets the database URL and its id, never a live object, so it runs in any
process of the pool. A job writes its own progress and result: the job row is the
truth. Every write names the attempt it belongs to, so a cancelled job, or one
claimed again, stores nothing.

A plan is stored under the scenario's change lock, and only when it respects every
pin and refusal in force then (and, for a re-plan, is still based on the newest
plan); otherwise the job is *rebased*: queued again to run on what is in force now.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import select
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy import select as sql_select
from sqlalchemy.orm import Session, sessionmaker

from api import job_texts
from api.db import make_engine, session_factory, write_session_factory
from api.gc_tuning import tune_garbage_collector
from api.lineage import Lineage, current_lineage, effective_scenario, input_hash, unmet
from api.records import newest_plan, store_plan
from api.scenario_store import load_stored
from api.tables import Job, StoredPlan, StoredScenario
from matcher.messages import LANGUAGES, Lang, Message
from matcher.pipeline import SolveRun, SolveSettings, run_solve
from matcher.plan import plan_json
from matcher.replan import Replan, previous_workplaces, replan_after_refusals, warm_run
from matcher.solve.warm import EngineCache, WarmEngine
from matcher.whatif.changes import parse_change_set
from matcher.whatif.warm import warm_version_run
from models.plan import Plan
from models.scenario import IntArray, Scenario

logger = logging.getLogger("api.worker")
SCENARIOS_KEPT = 2
MAX_REBASES = 20  # pins and refusals changing faster than a job runs: give up, say so
SERVER_POLL_SECONDS = 1.0
# Warm engines kept per solver process (one per recently re-planned scenario version
# and objective), and their network arcs in all: about 150 bytes an arc, so at most
# some 750 MB; flanders-2023 is 141k arcs, a 6k × 30k scenario about 450k.
WARM_ENGINES_KEPT = 4
WARM_ARCS_KEPT = 5_000_000
# Re-planned plans kept parsed per solver process (the newest of the scenarios
# re-planned last): the next refusal builds on one of them. A parsed plan takes about
# 1 kB a student, so at most 100,000 students' rows are kept in all.
PLANS_KEPT = 2
PLAN_ROWS_KEPT = 100_000

# Progress shown for each stage of matcher.pipeline.run_solve, in order.
STAGE_PROGRESS = (0.15, 0.35, 0.8)



class JobCancelled(Exception):
    """The job was cancelled, deleted or claimed again: stop and store nothing."""


class JobFailed(Exception):
    """The job cannot be done; its message says why (for the consultant)."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.code)
        self.message = message


class InputChanged(Exception):
    """Pins, refusals or the newest plan changed while the job ran: run it again."""

    def __init__(self, lineage: Lineage) -> None:
        super().__init__("input changed")
        self.lineage = lineage


# A warm engine's key: scenario id, its content hash, the objective.
WarmKey = tuple[int, str, str]


@dataclass
class _Process:
    engines: dict[str, Engine]
    scenarios: OrderedDict[str, Scenario]
    warm: EngineCache[WarmKey]
    # the plans this process stored last, by database and stored plan id
    plans: OrderedDict[tuple[str, int], Plan]


_process = _Process({}, OrderedDict(), EngineCache(WARM_ENGINES_KEPT, WARM_ARCS_KEPT),
                    OrderedDict())


def start_solver_process(server_pid: int) -> None:
    """Pool initializer: the service's collector thresholds, and end with the server."""
    tune_garbage_collector()
    watch_server(server_pid)


def watch_server(server_pid: int) -> None:
    """Pool initializer: end this solver process as soon as the server process dies.

    A solver's parent is the forkserver, not the server, and the forkserver lives as
    long as any solver holds its pipe, so neither a parent-death signal nor watching
    ``getppid`` would fire: the solver watches the server itself, through a pidfd on
    Linux (woken the moment it exits) or by polling elsewhere. Jobs it was running stay
    'running' in the table and the next start re-queues them.
    """
    try:
        handle: int | None = os.pidfd_open(server_pid)
    except (AttributeError, OSError):
        handle = None

    def wait_for_server() -> None:
        if handle is not None:
            select.select([handle], [], [])
        else:
            while _alive(server_pid):
                time.sleep(SERVER_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=wait_for_server, name="server-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _engine(database_url: str) -> Engine:
    if database_url not in _process.engines:
        _process.engines[database_url] = make_engine(database_url)
    return _process.engines[database_url]


def _scenario(sessions: sessionmaker[Session], scenario_id: int, content_hash: str) -> Scenario:
    """The parsed scenario, kept per content hash: jobs on one scenario parse it once."""
    cached = _process.scenarios.get(content_hash)
    if cached is not None:
        _process.scenarios.move_to_end(content_hash)
        return cached
    with sessions() as db:
        stored = db.get(StoredScenario, scenario_id)
        if stored is None:
            raise JobCancelled("scenario deleted")
        text = stored.document
    scenario = load_stored(text, source=f"scenario {scenario_id}")
    _process.scenarios[content_hash] = scenario
    while len(_process.scenarios) > SCENARIOS_KEPT:
        _process.scenarios.popitem(last=False)
    return scenario


def solve_settings(settings: dict[str, Any]) -> SolveSettings:
    return SolveSettings(backend=settings["backend"], objective=settings.get("objective"),
                         time_limit_s=float(settings["time_limit_s"]),
                         seed=int(settings["seed"]))


@dataclass
class JobRun:
    """One claimed attempt of a job, as read when it started."""

    job_id: int
    attempt: int
    kind: str
    scenario_id: int
    content_hash: str
    settings: str
    lineage: str
    input_hash: str
    request: dict[str, Any]
    source_plan_id: int | None
    rebases: int
    created_by: int | None
    sessions: sessionmaker[Session]
    writes: sessionmaker[Session]
    database_url: str = ""

    def mine(self) -> Any:
        return (Job.id == self.job_id) & (Job.attempts == self.attempt) & \
            (Job.state == "running")

    def report(self, stage: str, progress: float) -> None:
        """Show progress; stop here when the job is no longer this attempt's to run."""
        with self.sessions() as db:
            changed = db.execute(update(Job).where(self.mine()).values(stage=stage,
                                                                       progress=progress))
            db.commit()
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise JobCancelled(stage)

    def scenario(self, lineage: Lineage) -> Scenario:
        return effective_scenario(_scenario(self.sessions, self.scenario_id,
                                            self.content_hash), lineage)

    def finish(self, db: Session, **values: Any) -> bool:
        done = db.execute(update(Job).where(self.mine()).values(
            state="done", stage=job_texts.STAGE_DONE, progress=1.0,
            finished_at=dt.datetime.now(dt.UTC),
            **values))
        return bool(done.rowcount == 1)  # type: ignore[attr-defined]

    def check_current(self, db: Session, plan: Plan, used: Lineage) -> None:
        """Under the change lock: the plan must respect every pin and refusal in force,
        unless it was already made with all of them (then it is the engine's answer)."""
        now = current_lineage(db, self.scenario_id)
        if now.to_json() != used.to_json() and (unmet(plan, now).pins or
                                                unmet(plan, now).refusals):
            raise InputChanged(now)


def run_job(database_url: str, job_id: int, attempt: int) -> str:
    """Run one claimed job; returns what became of it (done, failed, cancelled,
    rebased or skipped)."""
    engine = _engine(database_url)
    sessions, writes = session_factory(engine), write_session_factory(engine)
    with sessions() as db:
        job = db.get(Job, job_id)
        stored = db.get(StoredScenario, job.scenario_id) if job else None
        if job is None or stored is None or job.attempts != attempt or \
                job.state != "running":
            return "skipped"
        run = JobRun(job_id=job_id, attempt=attempt, kind=job.kind, scenario_id=stored.id,
                     content_hash=stored.content_hash, settings=job.settings,
                     lineage=job.lineage, input_hash=job.input_hash,
                     request=json.loads(job.request or "{}"),
                     source_plan_id=job.source_plan_id, rebases=job.rebases,
                     created_by=job.created_by, sessions=sessions, writes=writes,
                     database_url=database_url)
    try:
        RUNNERS[run.kind](run)
        return "done"
    except JobCancelled:
        return "cancelled"
    except JobFailed as failed:
        _fail(run, failed.message)
        return "failed"
    except InputChanged as changed:
        return _rebase(run, changed.lineage)
    except Exception as exc:
        # A bug or a scenario the engine cannot handle: the job fails, the server lives.
        logger.error("job %s failed: %s", job_id, type(exc).__name__, exc_info=exc)
        _fail(run, job_texts.internal_error(type(exc).__name__))
        return "failed"


def _fail(run: JobRun, error: Message) -> None:
    with run.sessions() as db:
        db.execute(update(Job).where(run.mine()).values(
            state="failed", stage=job_texts.STAGE_FAILED, finished_at=dt.datetime.now(dt.UTC),
            error=job_texts.stored(error)))
        db.commit()


def _rebase(run: JobRun, lineage: Lineage) -> str:
    """Queue the job again to run on what is in force now (a solve takes the new pins
    and refusals as its own input)."""
    if run.rebases + 1 >= MAX_REBASES:
        _fail(run, job_texts.rebased_too_often(run.rebases + 1))
        return "failed"
    values: dict[str, Any] = {"state": "queued", "stage": job_texts.STAGE_REQUEUED_CHANGED,
                              "progress": 0.0,
                              "rebases": Job.rebases + 1}
    if run.kind == "solve":
        values.update(lineage=lineage.to_json(),
                      input_hash=input_hash(run.content_hash, lineage,
                                            json.loads(run.settings)))
    with run.sessions() as db:
        db.execute(update(Job).where(run.mine()).values(**values))
        db.commit()
    return "rebased"


def _solve(run: JobRun) -> None:
    """Solve the scenario with the job's pins and refusals; store the plan.

    A what-if version's solve starts from this process's warm engine of the scenario
    it was made from when there is one (``_warm_version``); a plain solve leaves an
    engine of its scenario behind for the what-ifs, re-plans and analyses after it."""
    run.report(job_texts.STAGE_READING, 0.05)
    lineage = Lineage.from_json(run.lineage)
    stages = iter(STAGE_PROGRESS)
    scenario = run.scenario(lineage)
    settings = solve_settings(json.loads(run.settings))

    def on_stage(stage: str) -> None:
        run.report(stage, next(stages, 0.9))

    keep = _kept(run, scenario)
    solved = None if keep is None else _warm_version(run, scenario, settings, keep, on_stage)
    if solved is None:
        solved = run_solve(scenario, settings, on_stage=on_stage, keep=keep)
        if keep is None:
            _leave_engine(run, solved, settings)
    run.report(job_texts.STAGE_STORING, 0.95)

    def finish(db: Session, plan: StoredPlan) -> bool:
        run.check_current(db, solved.plan, lineage)
        return run.finish(db, plan_id=plan.id)

    store_plan(run.writes, scenario_id=run.scenario_id, kind="solve",
               document=plan_json(solved.plan), parent_id=None, job_id=run.job_id,
               settings=run.settings, lineage=run.lineage, input_hash=run.input_hash,
               moved=[], created_by=run.created_by, also=finish)


def _kept(run: JobRun, scenario: Scenario) -> IntArray | None:
    """For a what-if version's solve (``api.operations.versions``): the workplace of each
    student in the base plan, to keep where an optimal plan allows; else None."""
    plan_id = run.request.get("keep_plan_id")
    if not isinstance(plan_id, int):
        return None
    with run.sessions() as db:
        base = db.get(StoredPlan, plan_id)
        document = base.document if base is not None else None
    if document is None:  # the base plan was deleted with its scenario: a plain solve
        return None
    return previous_workplaces(scenario, Plan.model_validate_json(document))


def _warm_key(run: JobRun, scenario: Scenario, settings: SolveSettings) -> WarmKey | None:
    """The key of the job's scenario's warm engine in this process, or None for CP-SAT
    (its plans are never solved in the engine). Engines of the scenario's other
    contents are dropped."""
    if settings.backend == "cpsat":
        return None
    _process.warm.drop(lambda k: k[0] != run.scenario_id or k[1] == run.content_hash)
    return run.scenario_id, run.content_hash, settings.objective or \
        scenario.config.policy.objective


def _leave_engine(run: JobRun, solved: SolveRun, settings: SolveSettings) -> None:
    """After a plain solve: an engine of its scenario from the pairs just found, its
    network built when first used (a what-if version of it, a re-plan, an analysis),
    unless this process has one already or it would not fit the bound."""
    key = _warm_key(run, solved.scenario, settings)
    if key is None or _process.warm.get(key) is not None:
        return
    objective = settings.objective or solved.scenario.config.policy.objective
    _process.warm.put(key, WarmEngine.start(solved.scenario, solved.candidates, objective,
                                            build=False))


def _warm_version(run: JobRun, scenario: Scenario, settings: SolveSettings, keep: IntArray,
                  on_stage: Callable[[str], None]) -> SolveRun | None:
    """A what-if version solved in this process's warm engine of the scenario it was
    made from, its change set made as engine changes in a trial undone afterwards
    (``matcher.whatif.warm``), and an engine of the version kept for its re-plans; None
    when there is no such engine or the change set needs a cold solve. The optimum is
    the cold solve's (tests/whatif/test_warm.py); the plan names the lemon backend that
    made it, as a re-plan's does."""
    key = _warm_key(run, scenario, settings)
    if key is None:
        return None
    with run.sessions() as db:
        version = db.get(StoredScenario, run.scenario_id)
        parent = db.get(StoredScenario, version.parent_id) if (
            version is not None and version.parent_id is not None) else None
        if version is None or parent is None or version.changes is None:
            return None
        base_key: WarmKey = (parent.id, parent.content_hash, key[2])
        changes = version.changes
    base = _process.warm.get(base_key)
    if base is None:
        return None
    made = warm_version_run(base, scenario, parse_change_set(json.loads(changes)), keep,
                            on_stage)
    if made is None:
        return None
    solved, engine = made
    _process.warm.put(key, engine)
    return solved


def _replan(run: JobRun) -> None:
    """The newest plan again, keeping every pin and refusal in force, moving as few
    students as possible. Run on the plan that is newest when the job starts, so
    changes made together build on each other instead of on one old plan."""
    with run.sessions() as db:
        base = newest_plan(db, run.scenario_id, with_document=False)
        lineage = current_lineage(db, run.scenario_id)
        if base is None:
            raise JobFailed(job_texts.no_plan_to_replan())
        previous = _stored_plan(db, run.database_url, base.id)
    run.report(job_texts.STAGE_READING, 0.05)
    scenario = run.scenario(lineage)
    broken = unmet(previous, lineage)
    settings = json.loads(base.settings)
    run.report(job_texts.STAGE_REPLANNING, 0.3)
    result = _warm_replan(run, scenario, previous, list(broken.refusals),
                          solve_settings(settings))
    new_plan = result.run.plan
    causes = {p[0] for p in broken.pins}  # they moved because they were pinned elsewhere
    moved = [s for s in result.moved if s not in causes]
    run.report(job_texts.STAGE_STORING, 0.95)
    refusal = run.request.get("refusal")
    outcome: dict[str, Any] = {"base_plan_id": base.id, "moved": moved,
                               "changes": [c.as_json(with_priority=True)
                                           for c in result.changes]}
    if refusal is not None:
        outcome["student_id"], outcome["refused_workplace_id"] = refusal[0], refusal[1]
        outcome["new_workplace_id"] = next((a.workplace_id for a in new_plan.assignments
                                            if a.student_id == refusal[0]), None)
    digest = input_hash(run.content_hash, lineage, settings)

    def finish(db: Session, plan: StoredPlan) -> bool:
        if plan.version != base.version + 1:  # a plan was stored meanwhile: build on it
            raise InputChanged(current_lineage(db, run.scenario_id))
        run.check_current(db, new_plan, lineage)
        return run.finish(db, plan_id=plan.id, lineage=lineage.to_json(), input_hash=digest,
                          result=json.dumps({**outcome, "plan_id": plan.id,
                                             "version": plan.version}))

    stored = store_plan(run.writes, scenario_id=run.scenario_id,
                        kind="refusal" if refusal is not None else "pins",
                        document=plan_json(new_plan), parent_id=base.id, job_id=run.job_id,
                        settings=base.settings, lineage=lineage.to_json(), input_hash=digest,
                        moved=moved, created_by=run.created_by, also=finish)
    if stored is not None:
        _remember_plan(run.database_url, stored.id, new_plan)


def _stored_plan(db: Session, database_url: str, plan_id: int) -> Plan:
    """A stored plan, parsed; the plans this process stored are kept parsed (a plan is
    never changed once stored, and its id never reused), so the next re-plan of the
    scenario starts from the one before without reading and parsing it again."""
    kept = _process.plans.get((database_url, plan_id))
    if kept is not None:
        _process.plans.move_to_end((database_url, plan_id))
        return kept
    document = db.scalar(sql_select(StoredPlan.document).where(StoredPlan.id == plan_id))
    if document is None:
        raise JobCancelled("plan deleted")
    return Plan.model_validate_json(document)


def _remember_plan(database_url: str, plan_id: int, plan: Plan) -> None:
    _process.plans[database_url, plan_id] = plan
    while len(_process.plans) > PLANS_KEPT or sum(
            _rows(kept) for kept in _process.plans.values()) > PLAN_ROWS_KEPT:
        _process.plans.popitem(last=False)


def _rows(plan: Plan) -> int:
    return len(plan.assignments) + len(plan.unmatched)


def _warm_replan(run: JobRun, scenario: Scenario, previous: Plan,
                 refusals: list[tuple[str, str]], settings: SolveSettings) -> Replan:
    """The re-plan in this process's warm engine of the scenario (built on demand,
    dropped when the scenario's content changes): a network backend's re-plan is
    solved by LEMON's network simplex from the last optimum, the same optimum as a
    cold solve (tests/solve/test_warm.py). CP-SAT's re-plans stay cold."""
    key = _warm_key(run, scenario, settings)
    if key is None:
        return replan_after_refusals(scenario, previous, refusals, settings)
    result = replan_after_refusals(scenario, previous, refusals,
                                   dataclasses.replace(settings, backend="lemon"),
                                   _process.warm.get(key))
    if result.warm is not None:
        _process.warm.put(key, result.warm)
    return result


@dataclass(frozen=True)
class PlanAnalysis:
    """What the web page shows beyond the plan: a verified fix per unmatched student
    and the self-contained HTML report."""

    fixes: list[dict[str, object]]
    report_html: dict[Lang, str]  # the same report in each language

    def to_json(self) -> str:
        """The fixes' messages as code and parameters, rendered again when read."""
        fixes = [{**row, "fix": fix.to_json()} if isinstance(fix := row.get("fix"), Message)
                 else row for row in self.fixes]
        return json.dumps({"fixes": fixes, "report_html": self.report_html},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> PlanAnalysis:
        data = json.loads(text)
        fixes = [{**row, "fix": Message.from_json(row["fix"]["code"], row["fix"]["params"])}
                 if isinstance(row.get("fix"), dict) else row for row in data["fixes"]]
        reports = data["report_html"]
        if isinstance(reports, str):  # stored before the report came in two languages
            reports = dict.fromkeys(LANGUAGES, reports)
        return cls(fixes, {lang: str(reports[lang]) for lang in LANGUAGES})


# The report's recruitment plan: the best additions for budgets 1…3 (matcher recruit).
REPORT_RECRUIT_BUDGET = 3


def _analyse(run: JobRun) -> None:
    """Fixes and the report for a stored plan.

    The analyses need the solver's state, which is not stored, so the plan is solved
    again on the same input with the stored plan as the one to keep: among optimal
    plans that is the stored plan itself. It is solved in this process's warm engine
    of the scenario when it can be (``_analysed_run``), else cold.
    """
    from matcher.analysis.fixes import fix_rows
    from matcher.analysis.report import gather, render_report

    with run.sessions() as db:
        stored = db.get(StoredPlan, run.source_plan_id) if run.source_plan_id else None
        if stored is None:
            raise JobCancelled("plan deleted")
        document, lineage_text, settings = stored.document, stored.lineage, stored.settings
    run.report(job_texts.STAGE_READING, 0.05)
    scenario = run.scenario(Lineage.from_json(lineage_text))
    keep = previous_workplaces(scenario, Plan.model_validate_json(document))
    run.report(job_texts.STAGE_SOLVING_AGAIN, 0.2)
    solve_with = solve_settings(json.loads(settings))
    solved = (_analysed_run(run, scenario, keep, solve_with)
              or run_solve(scenario, solve_with, keep=keep))
    run.report(job_texts.STAGE_LOOKING_FOR_FIXES, 0.5)
    data = gather(solved, recruit_budget=REPORT_RECRUIT_BUDGET)
    analysis = PlanAnalysis(fix_rows(scenario, data.fixes, private=True),
                            {lang: render_report(data, lang) for lang in LANGUAGES})
    with run.sessions() as db:
        run.finish(db, result=analysis.to_json())
        db.commit()


def _analysed_run(run: JobRun, scenario: Scenario, keep: IntArray,
                  settings: SolveSettings) -> SolveRun | None:
    """The stored plan (``keep``) solved again in this process's warm engine of the
    scenario (the one re-plans use, or a new one kept for them), or None when only a
    cold solve gives what the analyses read: CP-SAT's plans, or an engine whose pairs
    are no longer in the order ``build_candidates`` gives (the recruitment model's
    choice among equally good additions may follow that order). Keeping the stored
    plan, the optimum is that plan whatever the solver, so the solution names the
    stored plan's backend: a fix confirmed by a full re-plan uses it."""
    key = _warm_key(run, scenario, settings)
    if key is None:
        return None
    solved, engine = warm_run(scenario, scenario, dataclasses.replace(settings, backend="lemon"),
                              keep, _process.warm.get(key))
    _process.warm.put(key, engine)
    if not engine.candidates_in_start_order:
        return None
    return dataclasses.replace(solved, solution=dataclasses.replace(
        solved.solution, backend=settings.backend))


RUNNERS: dict[str, Callable[[JobRun], None]] = {
    "solve": _solve, "replan": _replan, "analysis": _analyse}
