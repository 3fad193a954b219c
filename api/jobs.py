"""Solve jobs outside the request: a dispatcher thread and a pool of solver processes.

The job table is the truth. The dispatcher claims the oldest queued job with
one conditional UPDATE (queued → running, attempts + 1) and hands its id to
the pool; the solver process writes progress and the plan itself. Nothing
about a job lives only in memory, so a server that dies mid-solve loses
nothing: on start-up, ``recover_interrupted_jobs`` puts its running jobs back
in the queue (or fails those interrupted too often).

The pool uses the forkserver start method with the engine preloaded, so a
solver process starts in milliseconds and never inherits the server's
threads or database connections.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import logging
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from api import worker
from api.tables import Job

logger = logging.getLogger("api.jobs")
T = TypeVar("T")
ACTIVE_STATES = ("queued", "running")
FINAL_STATES = ("done", "failed", "cancelled")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def recover_interrupted_jobs(write_sessions: sessionmaker[Session], max_attempts: int) -> int:
    """Re-queue the jobs a previous server left running; fail those tried too often.

    One server serves one database, so a job still 'running' at start-up lost
    its solver with the previous server. Returns how many jobs were re-queued.
    """
    with write_sessions() as db:
        requeued = db.execute(
            update(Job).where(Job.state == "running", Job.attempts < max_attempts)
            .values(state="queued", stage="Re-queued after a server restart", progress=0.0))
        db.execute(
            update(Job).where(Job.state == "running")
            .values(state="failed", stage="Failed", finished_at=_now(),
                    error=f"interrupted {max_attempts} times by a server restart"))
        db.commit()
    count = int(requeued.rowcount)  # type: ignore[attr-defined]
    if count:
        logger.warning("re-queued %d job(s) interrupted by a server restart", count)
    return count


def claim_next_job(sessions: sessionmaker[Session]) -> tuple[int, int] | None:
    """Move the oldest queued job to running; return (job id, attempt) or None."""
    while True:
        with sessions() as db:
            job_id = db.scalar(select(Job.id).where(Job.state == "queued")
                               .order_by(Job.id).limit(1))
            if job_id is None:
                return None
            claimed = db.execute(
                update(Job).where(Job.id == job_id, Job.state == "queued")
                .values(state="running", attempts=Job.attempts + 1, started_at=_now(),
                        stage="Starting", progress=0.0))
            db.commit()
            if claimed.rowcount == 1:  # type: ignore[attr-defined]
                attempts = db.scalar(select(Job.attempts).where(Job.id == job_id))
                return job_id, int(attempts or 1)


def count_jobs(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as db:
        rows = db.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    return {str(state): int(n) for state, n in rows}


class JobRunner:
    """Keeps up to ``workers`` jobs running in a process pool.

    ``sessions`` must be write sessions: claiming reads, then writes.
    """

    def __init__(self, database_url: str, sessions: sessionmaker[Session], workers: int,
                 max_attempts: int, poll_seconds: float) -> None:
        self._url = database_url
        self._sessions = sessions
        self._workers = workers
        self._max_attempts = max_attempts
        self._poll = poll_seconds
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._pool: cf.ProcessPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._running: dict[cf.Future[str], tuple[int, int, cf.ProcessPoolExecutor]] = {}

    @property
    def workers(self) -> int:
        return self._workers

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["api.worker"])
        return cf.ProcessPoolExecutor(max_workers=self._workers, mp_context=context)

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
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)

    def run(self, function: Callable[..., T], *args: Any) -> cf.Future[T]:
        """Run other solver work (a re-plan) in the same pool."""
        self.start()
        with self._lock:
            assert self._pool is not None
            return self._pool.submit(function, *args)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._fill()
            except Exception as exc:  # keep dispatching whatever one round hit
                logger.error("job dispatcher: %s", type(exc).__name__, exc_info=exc)
            self._wake.wait(self._poll)
            self._wake.clear()

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
                    self._requeue(*claimed)
                    return
                future = pool.submit(worker.run_job, self._url, *claimed)
                self._running[future] = (*claimed, pool)
            future.add_done_callback(self._finished)

    def _finished(self, future: cf.Future[str]) -> None:
        with self._lock:
            job_id, attempt, pool = self._running.pop(future)
        if future.cancelled():
            self._requeue(job_id, attempt)
        elif isinstance(future.exception(), BrokenProcessPool):
            # A solver process died (killed, out of memory): this job may be the cause.
            logger.error("solver process died running job %s", job_id)
            self._requeue(job_id, attempt)
            with self._lock:
                if self._pool is pool and not self._stopping.is_set():
                    self._pool = self._new_pool()
                    pool.shutdown(wait=False, cancel_futures=True)
        elif future.exception() is not None:
            logger.error("job %s: %s", job_id, type(future.exception()).__name__)
            self._fail(job_id, attempt, "internal error; see the server log")
        self._wake.set()

    def _requeue(self, job_id: int, attempt: int) -> None:
        with self._sessions() as db:
            db.execute(update(Job).where(Job.id == job_id, Job.attempts == attempt,
                                         Job.state == "running", Job.attempts < self._max_attempts)
                       .values(state="queued", stage="Re-queued", progress=0.0))
            db.commit()
        self._fail(job_id, attempt, f"its solver process died {attempt} times")

    def _fail(self, job_id: int, attempt: int, error: str) -> None:
        with self._sessions() as db:
            db.execute(update(Job).where(Job.id == job_id, Job.attempts == attempt,
                                         Job.state == "running")
                       .values(state="failed", stage="Failed", finished_at=_now(), error=error))
            db.commit()
