"""Every long computation is a job: a dispatcher thread and a pool of solver processes.

The job table is the truth: solves, re-plans (after refusals and pins) and plan
analyses (fixes and the report) are its kinds, and no request waits on anything
in memory. The dispatcher claims the oldest queued job with one conditional
UPDATE (queued → running, attempts + 1) and hands its id to the pool; the solver
process writes progress and the result itself (``api.worker``). Re-plans of one
scenario run one at a time, in the order they were asked.

What can go wrong, and what happens then:

- a solver process dies (killed, out of memory): the pool is broken, so a new one
  is made and the jobs it ran are queued again; a job that was running when this
  happened ``max_attempts`` times fails with a message that says so;
- the server dies: its solver processes see it and end (``worker.watch_server``),
  and the next start re-queues the jobs left 'running' (``recover_interrupted_jobs``);
- a job is 'running' in the table but no solver of this server runs it (one server
  serves one database): after ``stuck_seconds`` it is queued again, and until then
  ``/health`` counts it as stuck.

The pool uses the forkserver start method with the engine preloaded, so a solver
process starts in milliseconds and never inherits the server's threads or
database connections.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import json
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from api import job_texts, worker
from api.lineage import Lineage, input_hash
from api.schemas import JOB_KINDS
from api.tables import Job, StoredScenario
from matcher.messages import Message

logger = logging.getLogger("api.jobs")
ACTIVE_STATES = ("queued", "running")



def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _tries() -> Any:
    """Attempts that count towards the limit: a rebase (input changed) is no failure."""
    return Job.attempts - Job.rebases


def new_job(db: Session, *, kind: str, scenario: StoredScenario, settings: str,
            lineage: Lineage, created_by: int | None, source_plan_id: int | None = None,
            request: dict[str, Any] | None = None) -> Job:
    """Add a queued job (flushed, so it has its id); wake the runner after the commit."""
    assert kind in JOB_KINDS
    job = Job(scenario_id=scenario.id, kind=kind, state="queued", stage=job_texts.STAGE_QUEUED,
              progress=0.0, settings=settings, lineage=lineage.to_json(),
              input_hash=input_hash(scenario.content_hash, lineage, json.loads(settings)),
              attempts=0, rebases=0, created_by=created_by, source_plan_id=source_plan_id,
              request=json.dumps(request or {}, ensure_ascii=False))
    db.add(job)
    db.flush()
    return job


def recover_interrupted_jobs(write_sessions: sessionmaker[Session], max_attempts: int) -> int:
    """Re-queue the jobs a previous server left running; fail those tried too often.

    One server serves one database, so a job still 'running' at start-up lost
    its solver with the previous server. Returns how many jobs were re-queued.
    """
    with write_sessions() as db:
        requeued = db.execute(
            update(Job).where(Job.state == "running", _tries() < max_attempts)
            .values(state="queued", stage=job_texts.STAGE_REQUEUED_RESTART, progress=0.0))
        db.execute(
            update(Job).where(Job.state == "running")
            .values(state="failed", stage=job_texts.STAGE_FAILED, finished_at=_now(),
                    error=job_texts.stored(job_texts.interrupted(max_attempts))))
        db.commit()
    count = int(requeued.rowcount)  # type: ignore[attr-defined]
    if count:
        logger.warning("re-queued %d job(s) interrupted by a server restart", count)
    return count


def claim_next_job(sessions: sessionmaker[Session]) -> tuple[int, int] | None:
    """Move the oldest queued job to running; return (job id, attempt) or None.

    A re-plan waits while another re-plan of its scenario runs: each builds on the
    plan the one before it stored.
    """
    other = aliased(Job)
    replan_running = exists().where(other.scenario_id == Job.scenario_id,
                                    other.kind == "replan", other.state == "running")
    while True:
        with sessions() as db:
            job_id = db.scalar(select(Job.id).where(
                Job.state == "queued", ~((Job.kind == "replan") & replan_running))
                .order_by(Job.id).limit(1))
            if job_id is None:
                return None
            claimed = db.execute(
                update(Job).where(Job.id == job_id, Job.state == "queued")
                .values(state="running", attempts=Job.attempts + 1, started_at=_now(),
                        stage=job_texts.STAGE_STARTING, progress=0.0))
            db.commit()
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                attempts = db.scalar(select(Job.attempts).where(Job.id == job_id))
                return job_id, int(attempts or 1)


def count_jobs(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as db:
        rows = db.execute(select(Job.state, func.count()).where(
            Job.state.in_(ACTIVE_STATES)).group_by(Job.state)).all()
    return {str(state): int(n) for state, n in rows}


@dataclass(frozen=True)
class PoolStatus:
    """What /health shows of the runner."""

    workers: int
    processes_alive: int
    pids: tuple[int, ...]  # of the solver processes alive
    dispatcher_alive: bool
    pool_restarts: int
    running: frozenset[int]  # job ids a solver of this server runs now
    seconds_since_round: float  # since the dispatcher last looked for work

    def dispatching(self, stuck_seconds: float) -> bool:
        return self.dispatcher_alive and self.seconds_since_round < stuck_seconds


class JobRunner:
    """Keeps up to ``workers`` jobs running in a process pool.

    ``sessions`` must be write sessions: claiming reads, then writes.
    """

    def __init__(self, database_url: str, sessions: sessionmaker[Session], workers: int,
                 max_attempts: int, poll_seconds: float, stuck_seconds: float) -> None:
        self._url = database_url
        self._sessions = sessions
        self._workers = workers
        self._max_attempts = max_attempts
        self._poll = poll_seconds
        self._stuck = stuck_seconds
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._ended = threading.Condition()  # notified whenever a job of this server ends
        self._ends = 0  # jobs ended so far: a waiter sees every end after its check
        self._stopping = threading.Event()
        self._pool: cf.ProcessPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._running: dict[cf.Future[str], tuple[int, int, cf.ProcessPoolExecutor]] = {}
        self._restarts = 0
        self._last_reap = 0.0
        self._last_round = time.monotonic()

    @property
    def workers(self) -> int:
        return self._workers

    @property
    def stuck_seconds(self) -> float:
        return self._stuck

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["api.worker"])
        return cf.ProcessPoolExecutor(max_workers=self._workers, mp_context=context,
                                      initializer=worker.start_solver_process,
                                      initargs=(os.getpid(),))

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._stopping.clear()
            self._pool = self._new_pool()
            self._thread = threading.Thread(target=self._loop, name="job-dispatcher",
                                            daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self.start()
        self._wake.set()

    def wait(self, over: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``over()`` (say: a job is no longer queued or running), asking it
        again each time a job of this server ends, at most ``timeout`` seconds; returns
        its last answer. A page waits here instead of asking again at its next poll."""
        deadline = time.monotonic() + timeout
        while True:
            with self._ended:
                ends = self._ends
            if over():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            with self._ended:
                if self._ends == ends:
                    self._ended.wait(left)

    def _job_ended(self) -> None:
        with self._ended:
            self._ends += 1
            self._ended.notify_all()

    def stop(self) -> None:
        with self._lock:
            thread, pool = self._thread, self._pool
            self._thread, self._pool = None, None
        if thread is None:
            return
        self._stopping.set()
        self._wake.set()
        thread.join(timeout=10)
        if pool is not None:
            self._terminate(pool)

    @staticmethod
    def _terminate(pool: cf.ProcessPoolExecutor) -> None:
        """Stop at once, without waiting for a solve that may take an hour: the jobs stay
        'running' in the database and the next start re-queues them."""
        handles = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in handles:
            process.terminate()
        for process in handles:
            process.join(timeout=5)

    def status(self) -> PoolStatus:
        with self._lock:
            pool, thread = self._pool, self._thread
            running = frozenset(job_id for job_id, _, _ in self._running.values())
        processes = (getattr(pool, "_processes", None) or {}) if pool is not None else {}
        alive = tuple(pid for pid, process in list(processes.items()) if process.is_alive())
        dispatcher_alive = thread is not None and thread.is_alive()
        return PoolStatus(self._workers, len(alive), alive, dispatcher_alive, self._restarts,
                          running, time.monotonic() - self._last_round)

    def orphaned_jobs(self, db: Session) -> list[int]:
        """Jobs 'running' in the table for longer than ``stuck_seconds`` that no solver of
        this server runs (one server serves one database)."""
        before = _now() - dt.timedelta(seconds=self._stuck)
        candidates = db.scalars(select(Job.id).where(Job.state == "running",
                                                     Job.started_at < before)).all()
        running = self.status().running
        return [job_id for job_id in candidates if job_id not in running]

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._last_round = time.monotonic()
            try:
                self._reap()
                self._fill()
            except Exception as exc:  # keep dispatching whatever one round hit
                logger.error("job dispatcher: %s", type(exc).__name__, exc_info=exc)
            self._wake.wait(self._poll)
            self._wake.clear()

    def _reap(self) -> None:
        """Queue again the jobs 'running' without a solver (see ``orphaned_jobs``)."""
        if time.monotonic() - self._last_reap < min(self._stuck, 5.0):
            return
        self._last_reap = time.monotonic()
        with self._sessions() as db:
            orphans = self.orphaned_jobs(db)
        for job_id in orphans:
            logger.error("job %s was running without a solver; re-queued", job_id)
            with self._sessions() as db:
                attempt = db.scalar(select(Job.attempts).where(Job.id == job_id))
            self._requeue(job_id, int(attempt or 0))

    def _fill(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                if len(self._running) >= self._workers or self._pool is None:
                    return
            claimed = claim_next_job(self._sessions)
            if claimed is None:
                return
            with self._lock:
                pool = self._pool
                if pool is None:  # stopping: give the job back
                    self._give_back(*claimed)
                    return
                try:
                    future = pool.submit(worker.run_job, self._url, *claimed)
                except (cf.process.BrokenProcessPool, RuntimeError):
                    # the pool broke since the last job ended: a new one, the job back
                    self._give_back(*claimed)
                    self._replace_pool(pool)
                    continue
                self._running[future] = (*claimed, pool)
            future.add_done_callback(self._finished)

    def _replace_pool(self, broken: cf.ProcessPoolExecutor) -> None:
        """Call with the lock held: a new pool instead of a broken one (once per break)."""
        if self._pool is broken and not self._stopping.is_set():
            self._pool = self._new_pool()
            self._restarts += 1
            broken.shutdown(wait=False, cancel_futures=True)

    def _finished(self, future: cf.Future[str]) -> None:
        with self._lock:
            job_id, attempt, pool = self._running.pop(future)
        try:
            if future.cancelled():
                self._give_back(job_id, attempt)
            elif isinstance(future.exception(), cf.process.BrokenProcessPool):
                # A solver process died (killed, out of memory): this job may be the cause.
                logger.error("solver process died running job %s", job_id)
                self._requeue(job_id, attempt)
                with self._lock:
                    self._replace_pool(pool)
            elif (error := future.exception()) is not None:
                logger.error("job %s: %s", job_id, type(error).__name__)
                self._fail(job_id, attempt, job_texts.internal_error(type(error).__name__))
        finally:
            self._job_ended()
            self._wake.set()

    def _give_back(self, job_id: int, attempt: int) -> None:
        """The job never reached a solver: queued again, this attempt not counted."""
        with self._sessions() as db:
            db.execute(update(Job).where(Job.id == job_id, Job.attempts == attempt,
                                         Job.state == "running")
                       .values(state="queued", stage=job_texts.STAGE_REQUEUED, progress=0.0,
                               attempts=Job.attempts - 1))
            db.commit()

    def _requeue(self, job_id: int, attempt: int) -> None:
        """The job's solver stopped: run it again, unless it has been tried too often."""
        with self._sessions() as db:
            db.execute(update(Job).where(Job.id == job_id, Job.attempts == attempt,
                                         Job.state == "running",
                                         _tries() < self._max_attempts)
                       .values(state="queued", stage=job_texts.STAGE_REQUEUED, progress=0.0))
            db.commit()
        self._fail(job_id, attempt, job_texts.interrupted(self._max_attempts))

    def _fail(self, job_id: int, attempt: int, error: Message) -> None:
        with self._sessions() as db:
            db.execute(update(Job).where(Job.id == job_id, Job.attempts == attempt,
                                         Job.state == "running")
                       .values(state="failed", stage=job_texts.STAGE_FAILED, finished_at=_now(),
                               error=job_texts.stored(error)))
            db.commit()
