"""A validated scenario, encoded as numpy arrays for vectorised rules.

Each table becomes one dataclass of equal-length arrays (one row per record, in
file order). Codes of list columns become bitmasks (``uint64`` words) over a
shared vocabulary, so subset and overlap tests are single array operations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.config import ScenarioConfig
from models.message import Message

IntArray = NDArray[np.int64]
# Positions of students or workplaces: int32 where a large pair set is stored (half the
# memory), int64 elsewhere; both index the same way.
IndexArray = NDArray[np.signedinteger[Any]]


# Whole numbers stored as int32 when they all fit (``narrowed``), else as int64.
NarrowIntArray = NDArray[np.signedinteger[Any]]


def narrowed(values: IntArray) -> NarrowIntArray:
    """``values`` as int32 when every value fits (half the memory of the millions of
    candidate pairs' minutes and costs), else as they are; arithmetic that could leave
    int32 casts back to int64 first."""
    low, high = np.iinfo(np.int32).min, np.iinfo(np.int32).max
    if len(values) and (int(values.min()) < low or int(values.max()) > high):
        return values
    return values.astype(np.int32)
BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]
MaskArray = NDArray[np.uint64]
ObjArray = NDArray[np.object_]

NO_DATE = np.iinfo(np.int64).max  # a missing expiry date: never expires
UNKNOWN = -1  # missing minimum age, unknown age
LANGUAGE_SUPPORT = "language_support"


@dataclass(frozen=True)
class Vocabulary:
    """Codes of one kind (sectors, competences…) in first-seen order.

    A list of codes is stored as a bitmask row: code ``i`` is bit ``i % 64`` of
    ``uint64`` word ``i // 64``. This class is the one place that encodes and
    decodes those bits (the plan checker's reference decodes them again on its own,
    to stay independent).
    """

    codes: tuple[str, ...]

    @property
    def words(self) -> int:
        """uint64 words needed to hold one bit per code (at least one)."""
        return max(1, (len(self.codes) + 63) // 64)

    def index(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.codes)}

    def encode(self, lists: Sequence[Sequence[str]]) -> MaskArray:
        """One bitmask row per list of codes (every code must be in the vocabulary)."""
        index = self.index()
        lengths = np.fromiter((len(values) for values in lists), dtype=np.int64,
                              count=len(lists))
        rows = np.repeat(np.arange(len(lists)), lengths)
        bits = np.fromiter((index[v] for values in lists for v in values), dtype=np.int64,
                           count=int(lengths.sum()))
        return self.masks(rows, bits, len(lists))

    def masks(self, rows: IntArray, positions: IntArray, n_rows: int) -> MaskArray:
        """``n_rows`` bitmask rows with the code at vocabulary position ``positions[i]``
        set in row ``rows[i]`` (flat lists, as a table's list column holds them)."""
        masks = np.zeros((n_rows, self.words), dtype=np.uint64)
        np.bitwise_or.at(masks, (rows, positions // 64), _bit(positions))
        return masks

    def decode(self, mask: MaskArray) -> list[str]:
        """The codes set in one bitmask row, in vocabulary order."""
        positions = np.arange(len(self.codes))
        on = (mask[positions // 64] & _bit(positions)) != 0
        return [code for code, set_ in zip(self.codes, on.tolist(), strict=True) if set_]

    def contains(self, masks: MaskArray, code: str) -> BoolArray:
        """For each bitmask row of ``masks`` (rows × words), whether ``code`` is set."""
        position = self.index().get(code)
        if position is None:
            return np.zeros(len(masks), dtype=bool)
        return np.asarray((masks[:, position // 64] & _bit(position)) != 0)

    def with_code(self, masks: MaskArray, row: int, code: str) -> MaskArray:
        """A copy of ``masks`` with ``code`` set in ``row``."""
        position = self.index()[code]
        changed = masks.copy()
        changed[row, position // 64] |= _bit(position)
        return changed


def _bit(positions: IntArray | int) -> MaskArray:
    """The ``uint64`` value of the bit of each code position within its word."""
    shift = (np.asarray(positions, dtype=np.int64) % 64).astype(np.uint64)
    return np.asarray(np.left_shift(np.uint64(1), shift), dtype=np.uint64)


@dataclass(frozen=True)
class Students:
    ids: ObjArray
    school_id: ObjArray
    coach_id: ObjArray
    programme: IntArray  # index into Scenario.programmes
    duaal: BoolArray
    grade: IntArray
    contract_ready: BoolArray
    wishes: IntArray  # (n, max wishes) sector indices, -1 padded
    wish_count: IntArray
    gaps: MaskArray  # (n, competence words)
    adjustments: MaskArray  # (n, adjustment words)
    lat: FloatArray
    lon: FloatArray
    max_travel_min: IntArray
    age: IntArray  # whole years on the reference date, UNKNOWN when no birth date
    dutch_level: IntArray  # 1 (A1) … 6 (C2), 0 unknown
    intensive: BoolArray
    priority: IntArray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Workplaces:
    ids: ObjArray
    employer: ObjArray
    sector: IntArray  # index into Scenario.sectors
    recognised: IntArray  # sorted keys workplace * n_programmes + programme
    recognised_until: IntArray  # days since 1970-01-01, NO_DATE when open-ended
    seats: IntArray
    offers_contract: BoolArray
    offers_guided: BoolArray
    accepts_grade2: BoolArray
    adjustments: MaskArray
    competences: MaskArray
    lat: FloatArray
    lon: FloatArray
    min_age: IntArray  # UNKNOWN when not set
    min_dutch_level: IntArray  # 0 when not set

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Mentors:
    ids: ObjArray
    workplace: IntArray  # index into workplaces
    capacity: IntArray  # resolved: own capacity or the policy's sector default
    current_load: IntArray

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def room(self) -> IntArray:
        """Students each mentor may still take in this plan."""
        room: IntArray = np.maximum(self.capacity - self.current_load, 0)
        return room


@dataclass(frozen=True)
class Pinned:
    """Existing placements (placements.csv), kept in the plan as they are."""

    student: IntArray
    workplace: IntArray
    mentor: IntArray  # -1 when the row names no mentor

    def __len__(self) -> int:
        return len(self.student)


@dataclass(frozen=True)
class Scenario:
    config: ScenarioConfig
    source: str
    students: Students
    workplaces: Workplaces
    mentors: Mentors
    pinned: Pinned
    exclusions: IntArray  # sorted pair keys student * n_workplaces + workplace
    travel_keys: IntArray  # sorted pair keys with a measured travel time
    travel_minutes: IntArray  # minutes, aligned with travel_keys
    programmes: Vocabulary
    sectors: Vocabulary
    competences: Vocabulary
    adjustments: Vocabulary
    reference_days: int  # reference date as days since 1970-01-01
    extras: dict[str, object] = field(default_factory=dict)
    # Things that are allowed but look like mistakes (a misspelled column or setting),
    # each with where it is; rendered in the user's language at the edge.
    warnings: tuple[Message, ...] = ()

    @property
    def name(self) -> str:
        return self.config.name

    def pair_keys(self, student: IndexArray, workplace: IndexArray) -> IntArray:
        keys: IntArray = student.astype(np.int64) * len(self.workplaces) + workplace
        return keys

    @cached_property
    def has_measured_travel(self) -> BoolArray:
        """Per student: some pair of theirs has a measured travel time, so only their
        pairs need looking up in ``travel_keys``."""
        return self._students_in(self.travel_keys)

    @cached_property
    def has_exclusions(self) -> BoolArray:
        """Per student: some pair of theirs is excluded."""
        return self._students_in(self.exclusions)

    def _students_in(self, keys: IntArray) -> BoolArray:
        found = np.zeros(len(self.students), dtype=bool)
        found[keys // max(len(self.workplaces), 1)] = True
        return found
