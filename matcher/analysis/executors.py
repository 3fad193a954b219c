"""Where the independent runs of a sweep execute: here, a local process pool,
or an existing Dask or Ray cluster.

Why a seam: a province-wide sweep is a handful of runs, a region-wide one
hundreds, each a few seconds of single-threaded solving. The runs share one
read-only scenario and nothing else, so they scale out as they are. Every
executor calls the same pure function ``task(scenario, item)``; results are
returned in the order of ``items`` whatever order they finish in, so the
result is the same seed for seed on any executor.

The scenario is shipped once per worker (pool initializer, Dask ``scatter``
with broadcast, Ray object store), never once per run. Dask and Ray are
optional extras (``pip install -e ".[dask]"`` / ``".[ray]"``), imported only
when asked for.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any, Literal, TypeVar

from models.scenario import Scenario

Executor = Literal["serial", "local", "dask", "ray"]
EXECUTORS: tuple[Executor, ...] = ("serial", "local", "dask", "ray")

Item = TypeVar("Item")
Result = TypeVar("Result")
Task = Callable[[Scenario, Any], Any]


class ExecutorUnavailable(RuntimeError):
    """The executor's package is not installed, or its cluster cannot be reached."""


_worker_scenario: Scenario | None = None


def _init_worker(scenario: Scenario) -> None:
    global _worker_scenario
    _worker_scenario = scenario


def _in_worker(task: Task, item: Any) -> Any:
    assert _worker_scenario is not None, "pool worker started without its scenario"
    return task(_worker_scenario, item)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def run_all(
    task: Callable[[Scenario, Item], Result],
    scenario: Scenario,
    items: Sequence[Item],
    executor: Executor = "local",
    address: str | None = None,
    workers: int | None = None,
    on_done: Callable[[int], None] = lambda i: None,
) -> list[Result]:
    """``[task(scenario, item) for item in items]``, run on ``executor``.

    ``task`` must be a module-level function (it is pickled by reference).
    ``on_done(i)`` is called in this process as item ``i`` finishes, for a
    progress bar. ``address`` names a running Dask scheduler or Ray cluster;
    without it, Dask starts a local cluster of ``workers`` processes and Ray a
    local instance.
    """
    if executor == "serial" or (executor == "local" and (workers == 1 or len(items) <= 1)):
        results = []
        for i, item in enumerate(items):
            results.append(task(scenario, item))
            on_done(i)
        return results
    if executor == "local":
        return _local(task, scenario, items, workers or default_workers(), on_done)
    if executor == "dask":
        return _dask(task, scenario, items, address, workers or default_workers(), on_done)
    if executor == "ray":
        return _ray(task, scenario, items, address, workers, on_done)
    raise ValueError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")


def _local(task: Callable[[Scenario, Item], Result], scenario: Scenario,
           items: Sequence[Item], workers: int, on_done: Callable[[int], None]) -> list[Result]:
    # spawn, not fork: the parent may run threads (a progress bar, OR-Tools), and
    # forking a threaded process can deadlock.
    context = multiprocessing.get_context("spawn")
    results: list[Any] = [None] * len(items)
    with ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=context,
                             initializer=_init_worker, initargs=(scenario,)) as pool:
        futures = {pool.submit(_in_worker, task, item): i for i, item in enumerate(items)}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            on_done(i)
    return results


def _dask(task: Callable[[Scenario, Item], Result], scenario: Scenario,
          items: Sequence[Item], address: str | None, workers: int,
          on_done: Callable[[int], None]) -> list[Result]:
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError as exc:
        raise ExecutorUnavailable(
            'the dask executor needs dask[distributed]: pip install -e ".[dask]"') from exc
    cluster = None
    if address is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        with Client(address or cluster) as client:
            shared = client.scatter(scenario, broadcast=True)
            futures = [client.submit(task, shared, item, pure=False) for item in items]
            index = {f.key: i for i, f in enumerate(futures)}
            results: list[Any] = [None] * len(items)
            for future in dask_completed(futures):
                i = index[future.key]
                results[i] = future.result()
                on_done(i)
            return results
    finally:
        if cluster is not None:
            cluster.close()


def _ray(task: Callable[[Scenario, Item], Result], scenario: Scenario,
         items: Sequence[Item], address: str | None, workers: int | None,
         on_done: Callable[[int], None]) -> list[Result]:
    try:
        import ray
    except ImportError as exc:
        raise ExecutorUnavailable('the ray executor needs ray: pip install -e ".[ray]"') from exc
    started_here = not ray.is_initialized()
    if started_here:
        options: dict[str, Any] = {"address": address, "include_dashboard": False,
                                   "log_to_driver": False}
        if address is None and workers:
            options["num_cpus"] = workers
        ray.init(**options)
    try:
        remote = ray.remote(num_cpus=1)(task)
        shared = ray.put(scenario)
        refs = [remote.remote(shared, item) for item in items]
        index = {ref: i for i, ref in enumerate(refs)}
        results: list[Any] = [None] * len(items)
        pending = list(refs)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                i = index[ref]
                results[i] = ray.get(ref)
                on_done(i)
        return results
    finally:
        if started_here:
            ray.shutdown()
