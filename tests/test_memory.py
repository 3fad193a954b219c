"""Memory freed by a large stage goes back to the system where glibc allows it."""

from __future__ import annotations

import platform
import sys
import threading

import numpy as np
import psutil
import pytest

from matcher.memory import release_freed_memory
from models.scenario import FloatArray


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is glibc's")
def test_memory_a_thread_freed_is_returned() -> None:
    """Arrays a thread allocated and freed below one it keeps stay in its arena, as
    candidate search's groups do, until trimmed."""
    me = psutil.Process()
    first = np.ones(100_000)  # 800 kB, freed: glibc's mmap threshold rises above it
    del first
    kept: list[FloatArray] = []

    def work() -> None:
        arrays = [np.ones(100_000) for _ in range(1_000)]  # 800 MB in all
        kept.append(np.ones(100_000))  # allocated after them, in the same arena
        del arrays

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    before = me.memory_info().rss
    release_freed_memory()
    assert me.memory_info().rss < before - 400 * 2**20
    assert kept[0].sum() == 100_000
