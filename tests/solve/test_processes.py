"""Parts solved in forked children come back intact, and a child that dies costs
time, not the plan: its parts are solved in the parent."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from functools import partial

import numpy as np
import pytest

from matcher.solve.processes import solve_forked
from models.scenario import BoolArray, IntArray

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


Part = tuple[IntArray, Callable[[], BoolArray]]


def _parts(answer: BoolArray, sizes: list[int],
           solve: Callable[[IntArray], BoolArray]) -> list[Part]:
    order = np.random.default_rng(5).permutation(len(answer))
    ends = np.cumsum(sizes)
    return [(arcs, partial(solve, arcs)) for arcs in np.split(order, ends[:-1])]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_every_part_comes_back_where_it_belongs(workers: int) -> None:
    answer = np.random.default_rng(1).random(1_000) < 0.3
    sizes = [1, 7, 8, 9, 200, 275, 500]  # odd sizes: the bits of each are unpacked apart
    chosen = np.zeros(len(answer), dtype=bool)
    solve_forked(_parts(answer, sizes, lambda arcs: answer[arcs]), workers, chosen)
    assert np.array_equal(chosen, answer)


def _killed() -> None:
    os._exit(9)  # killed midway (out of memory, a signal)


def _raising() -> None:
    raise MemoryError


@pytest.mark.parametrize("failing", [_killed, _raising], ids=["killed", "raising"])
def test_a_child_that_fails_leaves_its_parts_to_the_parent(failing: Callable[[], None]) -> None:
    answer = np.random.default_rng(2).random(500) < 0.5
    parent = os.getpid()

    def solve(arcs: IntArray) -> BoolArray:
        if os.getpid() != parent:
            failing()
        return answer[arcs]

    chosen = np.zeros(len(answer), dtype=bool)
    solve_forked(_parts(answer, [100, 100, 150, 150], solve), 2, chosen)
    assert np.array_equal(chosen, answer)


@pytest.mark.parametrize("refused", ["fork", "pipe"])
def test_without_a_child_every_part_is_solved_here(refused: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> int:
        raise OSError("resource temporarily unavailable")

    monkeypatch.setattr(os, refused, refuse)
    answer = np.random.default_rng(4).random(400) < 0.5
    chosen = np.zeros(len(answer), dtype=bool)
    solve_forked(_parts(answer, [100, 100, 200], lambda arcs: answer[arcs]), 3, chosen)
    assert np.array_equal(chosen, answer)


def test_a_failure_here_stops_and_reaps_the_children(monkeypatch: pytest.MonkeyPatch) -> None:
    """The error reaches the caller, and no child is left running or unreaped."""
    forked: list[int] = []
    fork = os.fork

    def recording_fork() -> int:
        pid = fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording_fork)
    parent = os.getpid()

    def solve(arcs: IntArray) -> BoolArray:
        if os.getpid() == parent:
            raise RuntimeError("this process failed")
        time.sleep(30)  # a child still busy when its parent fails
        return np.zeros(len(arcs), dtype=bool)

    chosen = np.zeros(300, dtype=bool)
    with pytest.raises(RuntimeError, match="this process failed"):
        solve_forked(_parts(chosen, [100, 200], solve), 2, chosen)
    assert len(forked) == 1
    with pytest.raises(ProcessLookupError):
        os.kill(forked[0], 0)


def test_a_part_that_finds_its_own_arcs_answers_for_every_arc() -> None:
    """Parts without positions (each finds its arcs itself, in its own process)
    flag every arc, False outside their own: the flags are merged."""
    answer = np.random.default_rng(6).random(900) < 0.4
    side = np.arange(len(answer)) % 3

    def solve(k: int) -> BoolArray:
        own: BoolArray = answer & (side == k)
        return own

    chosen = np.zeros(len(answer), dtype=bool)
    solve_forked([(None, partial(solve, k)) for k in range(3)], 2, chosen)
    assert np.array_equal(chosen, answer)
