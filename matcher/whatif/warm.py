"""A what-if version solved from the warm engine of the scenario it was made from.

A version differs from its base scenario by its change set, and the change set
says what changed, by id: so each change is made as an engine change in a trial
of the base's warm engine (``matcher.solve.warm``: its allowed pairs, their
costs, its last optimum), re-solved from there, and undone, instead of searching
every pair of the version again and solving from scratch. What each kind of
change does to the network is written once, in ``ENGINE_CHANGES``:

- seats and mentors change room only: the version's capacities (``set_scenario``);
- a recognition, an adjustment or placement type offered, grade 2 accepted: the
  workplace's pairs are evaluated again with the rules (``reevaluate``);
- a travel limit, a student's data: the student's pairs, likewise; a priority
  also every placement weight (``reprice_placements``).

Loaded scenarios are never compared to find what changed (a new adjustment
code renumbers the vocabulary's bits, so equal rows need not hold equal
numbers); only their ids are checked to be the same, in the same order. A
change the engine cannot take is solved cold by the caller, as are versions
whose ids differ: the optimum is the same either way (tests/whatif/test_warm.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from matcher.pipeline import SolveRun
from matcher.replan import engine_run, id_positions
from matcher.solve.warm import WarmEngine
from matcher.whatif.changes import (
    AcceptGrade2,
    AddMentor,
    AddRecognition,
    ChangeSet,
    MentorCapacity,
    OfferAdjustments,
    OfferPlacementType,
    RemoveMentor,
    RemoveRecognition,
    Seats,
    StudentData,
    TravelLimit,
)
from models.scenario import IntArray, Scenario

# Students' columns the engine cannot take: intensive support decides the network's
# shape (an intensive student's pairs pass the workplace's gate).
COLD_STUDENT_COLUMNS = frozenset({"intensive_support"})


@dataclass(frozen=True)
class Touched:
    """What a change does to the engine: its room (always recomputed from the
    version), the pairs of these students and workplaces (ids) to evaluate again, and
    whether the placement weights change (a priority: they depend on every student's)."""

    students: tuple[str, ...] = ()
    workplaces: tuple[str, ...] = ()
    priorities: bool = False


ROOM_ONLY = Touched()


def _student_data(change: StudentData) -> Touched | None:
    columns = change.cells().keys()
    if COLD_STUDENT_COLUMNS & columns:
        return None
    return Touched(students=(change.student,), priorities="priority" in columns)


# Each kind of change, as an engine change (None: only a cold solve takes it).
ENGINE_CHANGES: dict[type[Any], Callable[[Any], Touched | None]] = {
    Seats: lambda change: ROOM_ONLY,
    AddMentor: lambda change: ROOM_ONLY,
    MentorCapacity: lambda change: ROOM_ONLY,
    RemoveMentor: lambda change: ROOM_ONLY,
    AddRecognition: lambda change: Touched(workplaces=(change.workplace,)),
    RemoveRecognition: lambda change: Touched(workplaces=(change.workplace,)),
    OfferAdjustments: lambda change: Touched(workplaces=(change.workplace,)),
    OfferPlacementType: lambda change: Touched(workplaces=(change.workplace,)),
    AcceptGrade2: lambda change: Touched(workplaces=(change.workplace,)),
    TravelLimit: lambda change: Touched(students=(change.student,)),
    StudentData: _student_data,
}


def touched(change_set: ChangeSet) -> Touched | None:
    """What the whole change set does to an engine, or None when a change needs a
    cold solve."""
    students: list[str] = []
    workplaces: list[str] = []
    priorities = False
    for change in change_set.changes:
        effect = ENGINE_CHANGES[type(change)](change)
        if effect is None:
            return None
        students += effect.students
        workplaces += effect.workplaces
        priorities |= effect.priorities
    return Touched(tuple(dict.fromkeys(students)), tuple(dict.fromkeys(workplaces)),
                   priorities)


def same_rows(base: Scenario, version: Scenario) -> bool:
    """Whether ``version`` has ``base``'s students and workplaces, in the same order,
    and what no change set changes (settings, reference date, measured travel
    times): then pair keys and every untouched pair mean the same in both."""
    return (np.array_equal(base.students.ids, version.students.ids)
            and np.array_equal(base.workplaces.ids, version.workplaces.ids)
            and base.config.policy == version.config.policy
            and base.config.weights == version.config.weights
            and base.reference_days == version.reference_days
            and np.array_equal(base.travel_keys, version.travel_keys)
            and np.array_equal(base.travel_minutes, version.travel_minutes))


def _change_into(engine: WarmEngine, version: Scenario, effect: Touched,
                 keep: IntArray | None) -> None:
    """Make ``engine`` (of the version's base, with any pins and refusals) the
    version's: its change set's ``effect``, its own pins and refusals, staying close
    to ``keep``."""
    students = id_positions(version.students.ids, version.extras, "students")
    workplaces = id_positions(version.workplaces.ids, version.extras, "workplaces")
    # a refusal lifted: its student's pairs are evaluated again
    again = np.union1d(np.asarray([students[s] for s in effect.students], dtype=np.int64),
                       engine.take_refusals(version))
    engine.reevaluate(version, students=again.astype(np.int64),
                      workplaces=np.asarray([workplaces[w] for w in effect.workplaces],
                                            dtype=np.int64))
    if effect.priorities:
        engine.reprice_placements()
    engine.stay_close_to(keep)


def warm_version_run(base: WarmEngine, version: Scenario, change_set: ChangeSet,
                     keep: IntArray | None,
                     on_stage: Callable[[str], None] = lambda stage: None
                     ) -> tuple[SolveRun, WarmEngine] | None:
    """The version solved in ``base`` (an engine of the scenario it was made from,
    with any pins and refusals) and its plan, with an engine of the version for its
    re-plans; None when only a cold solve takes ``change_set``, or the version's rows
    are not the base's.

    The version is a ``trial`` of ``base``: re-solved from the base's last optimum
    (warm) and undone, so ``base`` serves the next what-if or re-plan of its own
    scenario. The version's engine is a copy made in the trial, its network built at
    its first answer (``pylmcf`` cannot copy a basis)."""
    effect = touched(change_set)
    if effect is None or not same_rows(base.scenario, version):
        return None
    started = time.perf_counter()
    with base.trial():
        _change_into(base, version, effect, keep)
        on_stage("stage.solving")
        run = engine_run(base, started, {}, on_stage)
        engine = base.copy()
    return run, engine
