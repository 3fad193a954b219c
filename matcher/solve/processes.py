"""Independent networks of one problem solved on worker processes.

Both exact network backends hold the GIL while they solve, so a large problem's
independent parts go to processes. Each network is built in this process just
before it is sent and dropped once solved, so this process never holds every
part's network (nor its pickled copy) at once; ``ahead`` more than there are
workers may be in flight, so the next network is ready when a worker frees up.
A part's optimum does not depend on where it is solved, so plans stay identical.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from models.scenario import BoolArray, IntArray

# What building one part gives: a network with the function that solves it on a
# worker, or the part's chosen arcs already (a part solved here instead).
Built = tuple[Callable[[Any], BoolArray], Any] | BoolArray


def solve_on_processes(parts: Iterable[tuple[IntArray, Callable[[], Built]]], workers: int,
                       ahead: int, chosen: BoolArray) -> None:
    """Mark in ``chosen`` the chosen arcs of every part: (its arc positions, how to
    build it), built in the order given."""
    import multiprocessing  # the pool only for large problems: imported here
    from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        running: dict[Future[BoolArray], IntArray] = {}
        waiting = iter(parts)
        while True:
            for arcs, build in waiting:
                built = build()
                if not isinstance(built, tuple):
                    chosen[arcs] = built
                    continue
                solver, network = built
                running[pool.submit(solver, network)] = arcs
                if len(running) >= workers + ahead:
                    break
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                chosen[running.pop(future)] = future.result()
