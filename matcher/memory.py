"""How the matcher's large intermediate arrays use the system's memory: freed
memory given back, and no huge-page advice for NumPy's arrays (see
``no_huge_page_advice_for_numpy``).

glibc's allocator keeps memory freed in a thread's arena (and below its growing
``mmap`` threshold) for reuse instead of returning it, so after a stage that
allocated and freed millions of pairs' worth of arrays the process stays that much
larger for the rest of the run: a few hundred MB at 140,000 students, which the
later stages' peak then adds to. ``malloc_trim`` returns it.
"""

from __future__ import annotations

import ctypes
import os
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


def no_huge_page_advice_for_numpy() -> None:
    """Ask NumPy not to advise transparent huge pages for its large arrays, unless
    the user chose otherwise (``NUMPY_MADVISE_HUGEPAGE``, NumPy's documented switch,
    read when NumPy is imported: call this before that).

    Why: with the common kernel setting ``transparent_hugepage/defrag = madvise``,
    the first touch of an advised region may compact memory synchronously. A
    solve allocates and frees hundreds of short-lived arrays of tens of MB, so the
    stalls cost more than the fewer TLB misses save. Measured at 140,000 students
    (a fresh ``matcher solve`` each): the lemon backend's solve stage 2.62–2.73 s
    with the advice, 2.19–2.20 s without; end to end with flow 0.55 s less."""
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
