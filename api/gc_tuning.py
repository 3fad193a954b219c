"""The garbage collector's thresholds for the service's long-lived processes.

A plan is thousands of small objects (a row per student, its cost breakdown) and the
service keeps recent plans parsed: per-plan caches in the server, the plans it stored
last in each solver process. With CPython's default thresholds (700, 10, 10) a
refusal re-plan on scenarios/flanders-2023 set off about one full collection per
refusal, each walking every cached object: 0.3 to 0.6 s of a refusal's time
(docs/benchmarks.md, "Refusals through the page"). Reference counting frees almost
every object at once; the collector only finds cycles, so collecting the youngest
generation after 50,000 net allocations instead of 700 loses nothing but a little
memory held by cyclic garbage between collections, and full collections become rare.
"""

from __future__ import annotations

import gc

YOUNG_COLLECTION_AFTER = 50_000  # net allocations of container objects
MIDDLE_COLLECTION_AFTER = 20  # young collections
FULL_COLLECTION_AFTER = 10  # middle collections


def tune_garbage_collector() -> None:
    """Set the thresholds above, for a server or solver process (not for tests)."""
    gc.set_threshold(YOUNG_COLLECTION_AFTER, MIDDLE_COLLECTION_AFTER, FULL_COLLECTION_AFTER)
