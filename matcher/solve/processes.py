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
  build and solve their share from the memory they share with it. Only the
  command line asks for more than one worker: the service runs jobs side by side
  in its pool instead, one process each, so its solver processes (which run a
  watch thread) never fork.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from models.scenario import BoolArray, IndexArray, IntArray

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


# A part: its arc positions and how to solve it (its chosen flags in that order),
# or None and how to solve it when it finds its arcs itself: then its flags cover
# every arc of the problem, False outside its own.
Part = tuple[IndexArray | None, Callable[[], BoolArray]]


def solve_forked(parts: Sequence[Part], workers: int, chosen: BoolArray) -> None:
    """Mark in ``chosen`` the chosen arcs of every part, the parts shared by arcs
    among this process and ``workers`` − 1 children forked from it.

    For networks that solve in a few hundredths of a second each (LEMON's), sending
    them to a pool costs more than solving them: a forked child reads the problem
    from the memory it shares with this process, and sends back only its parts'
    chosen arcs as bits. A child that cannot start or dies (out of memory, killed)
    costs time, not the plan: its parts are solved here after all."""
    shares = _shares(parts, len(chosen), workers if hasattr(os, "fork") else 1)
    children: list[tuple[_Child | None, list[Part]]] = []
    try:
        for share in shares[1:]:
            if share:
                children.append((_Child.start(share), share))
        for arcs, solve_part in shares[0]:
            _mark(chosen, arcs, solve_part())
        for child, share in children:
            sizes = [len(chosen) if arcs is None else len(arcs) for arcs, _ in share]
            flags = child.answer(sum(sizes)) if child else None
            start = 0
            for (arcs, solve_part), size in zip(share, sizes, strict=True):
                if flags is None:  # the child did not answer: solved here
                    _mark(chosen, arcs, solve_part())
                else:
                    _mark(chosen, arcs, flags[start : start + size])
                    start += size
    finally:
        for child, _ in children:
            if child is not None:
                child.stop()


def _mark(chosen: BoolArray, arcs: IndexArray | None, flags: BoolArray) -> None:
    if arcs is None:
        chosen |= flags
    else:
        chosen[arcs] = flags


def _shares(parts: Sequence[Part], n_arcs: int, processes: int) -> list[list[Part]]:
    """The parts dealt out by arcs among the processes (``deal``)."""
    process_of, _ = deal([n_arcs if arcs is None else len(arcs) for arcs, _ in parts],
                         max(processes, 1))
    shares: list[list[Part]] = [[] for _ in range(max(processes, 1))]
    for part, process in zip(parts, process_of, strict=True):
        shares[process].append(part)
    return shares


def deal(sizes: Sequence[int], bins: int) -> tuple[list[int], list[int]]:
    """Each item's bin and each bin's total: the items dealt out largest first
    (ties in their order), each to the bin with the smallest total so far (ties:
    the lowest bin)."""
    bin_of = [0] * len(sizes)
    totals = [0] * bins
    for item in sorted(range(len(sizes)), key=lambda item: -sizes[item]):
        lightest = totals.index(min(totals))
        bin_of[item] = lightest
        totals[lightest] += sizes[item]
    return bin_of, totals


# Signals that could make a child leave ``_Child.start`` for the caller's code (a
# KeyboardInterrupt, a handler that raises) before it is inside its ``try``:
# blocked across the fork, and the child's own are the system's defaults.
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class _Child:
    """A forked child solving a share of the parts, and the pipe its answer comes on."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid, self.pipe = pid, pipe

    @classmethod
    def start(cls, share: list[Part]) -> _Child | None:
        """The child started, or None when the system would not give a pipe or a fork."""
        try:
            read_end, write_end = os.pipe()
        except OSError:
            return None
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
        try:
            pid = os.fork()
        except BaseException as error:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read_end)
            os.close(write_end)
            if isinstance(error, OSError):
                return None
            raise
        if pid == 0:  # the child: never returns into the caller's code
            status = 1
            try:
                for held in _HELD_SIGNALS:
                    signal.signal(held, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                os.close(read_end)
                flags = np.concatenate([solve_part() for _, solve_part in share])
                with os.fdopen(write_end, "wb") as pipe:
                    pipe.write(np.packbits(flags).tobytes())
                status = 0
            finally:
                os._exit(status)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(write_end)
        return cls(pid, read_end)

    def answer(self, arcs: int) -> BoolArray | None:
        """The chosen flags of the share's ``arcs`` arcs, or None if it failed."""
        with os.fdopen(self.pipe, "rb") as pipe:
            self.pipe = -1
            answer = pipe.read()
        # the child writes only once it has every answer, so a whole answer is one
        # even when something else reaped the child (a SIGCHLD handler) first
        exited = self._reap()
        if exited not in (0, None) or len(answer) != (arcs + 7) // 8:
            return None
        return np.unpackbits(np.frombuffer(answer, dtype=np.uint8), count=arcs).astype(bool)

    def stop(self) -> None:
        """Ended and reaped, if ``answer`` was not asked (this process failed first)."""
        if self.pipe >= 0:
            os.close(self.pipe)
            self.pipe = -1
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()

    def _reap(self) -> int | None:
        """The child's wait status, or None when it was reaped elsewhere."""
        pid, self.pid = self.pid, 0
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:
            return None
