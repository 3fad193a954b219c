"""Fixes and reports of plans, computed in the solver pool while the page polls.

One analysis runs per plan however often it is asked for; a finished one is
kept in ``Services.analyses``. A failed one is reported once, then forgotten,
so asking again starts afresh.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading

from api import worker
from api.services import Services


class PlanAnalyses:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._running: dict[int, cf.Future[worker.PlanAnalysis]] = {}
        self._lock = threading.Lock()

    def start(self, plan_id: int) -> cf.Future[worker.PlanAnalysis]:
        """The plan's analysis: finished when kept, else the one running, else a new one."""
        kept = self._services.analyses.peek(plan_id)
        if kept is not None:
            finished: cf.Future[worker.PlanAnalysis] = cf.Future()
            finished.set_result(kept)
            return finished
        with self._lock:
            running = self._running.get(plan_id)
            if running is not None:
                return running
            future = self._services.runner.run(worker.analyse_plan,
                                               self._services.database_url, plan_id)
            self._running[plan_id] = future
        future.add_done_callback(lambda done: self._finished(plan_id, done))
        return future

    def _finished(self, plan_id: int, future: cf.Future[worker.PlanAnalysis]) -> None:
        if future.cancelled() or future.exception() is not None:
            return  # kept in _running until the page has shown the failure
        self._services.analyses.put(plan_id, future.result())
        with self._lock:
            self._running.pop(plan_id, None)

    def forget(self, plan_id: int) -> None:
        with self._lock:
            self._running.pop(plan_id, None)
