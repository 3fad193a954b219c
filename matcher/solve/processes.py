"""Independent networks of one problem solved on several processes.

Both exact network backends hold the GIL while they solve, so a large problem's
independent parts go to processes; a part's optimum does not depend on where it
is solved, so plans stay identical. Two ways, after what a part costs:

- ``solve_on_processes`` (the flow backend, seconds per network): a pool. Each
  network is built in this process just before it is sent and dropped once
  solved, so this process never holds every part's network (nor its pickled
  copy) at once; ``ahead`` more than there are workers may be in flight, so the
  next network is ready when a worker frees up.
- ``solve_forked`` (LEMON, hundredths of a second per network, where pickling
  the networks cost more than solving them): children forked from this process
  build and solve their share from the memory they share with it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

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


def solve_forked(parts: Sequence[tuple[IntArray, Callable[[], BoolArray]]], workers: int,
                 chosen: BoolArray) -> None:
    """Mark in ``chosen`` the chosen arcs of every part: (its arc positions, how to
    solve it), the parts shared by arcs among this process and ``workers`` − 1
    children forked from it.

    For networks that solve in a few hundredths of a second each (LEMON's), sending
    them to a pool costs more than solving them: a forked child reads the problem
    from the memory it shares with this process, and sends back only its parts'
    chosen arcs as bits. A child that dies (out of memory, killed) costs time, not
    the plan: its parts are solved here after all."""
    shares: list[list[int]] = [[] for _ in range(max(workers, 1) if hasattr(os, "fork") else 1)]
    load = [0] * len(shares)
    for part in sorted(range(len(parts)), key=lambda p: -len(parts[p][0])):
        lightest = load.index(min(load))
        shares[lightest].append(part)
        load[lightest] += len(parts[part][0])
    children = [(_fork(parts, share), share) for share in shares[1:] if share]
    for part in shares[0]:
        arcs, solve_part = parts[part]
        chosen[arcs] = solve_part()
    for (pid, pipe), share in children:
        _collect(pid, pipe, [parts[part] for part in share], chosen)


def _fork(parts: Sequence[tuple[IntArray, Callable[[], BoolArray]]],
          share: list[int]) -> tuple[int, int]:
    """A child solving ``share``; its process id and the pipe its answer comes on."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        status = 1
        try:
            os.close(read_end)
            flags = np.concatenate([parts[part][1]() for part in share])
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(np.packbits(flags).tobytes())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, read_end: int, share: list[tuple[IntArray, Callable[[], BoolArray]]],
             chosen: BoolArray) -> None:
    with os.fdopen(read_end, "rb") as pipe:
        answer = pipe.read()
    _, status = os.waitpid(pid, 0)
    arcs = sum(len(part[0]) for part in share)
    if status != 0 or len(answer) != (arcs + 7) // 8:
        for part_arcs, solve_part in share:  # the child did not answer: solved here
            chosen[part_arcs] = solve_part()
        return
    flags = np.unpackbits(np.frombuffer(answer, dtype=np.uint8), count=arcs).astype(bool)
    start = 0
    for part_arcs, _ in share:
        chosen[part_arcs] = flags[start : start + len(part_arcs)]
        start += len(part_arcs)
