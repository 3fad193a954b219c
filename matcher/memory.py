"""Giving memory freed by large intermediate arrays back to the system.

glibc's allocator keeps memory freed in a thread's arena (and below its growing
``mmap`` threshold) for reuse instead of returning it, so after a stage that
allocated and freed millions of pairs' worth of arrays the process stays that much
larger for the rest of the run: a few hundred MB at 140,000 students, which the
later stages' peak then adds to. ``malloc_trim`` returns it.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], object] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], object] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    return trim


def release_freed_memory() -> None:
    """Return the memory this process has freed to the system, where the C library
    allows it (glibc); elsewhere nothing happens. Takes a fraction of a second after
    a large stage: call it after stages, not in loops."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
