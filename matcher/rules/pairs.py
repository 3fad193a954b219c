"""Student–workplace pairs on which the rules are evaluated, as aligned index arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from matcher.travel import travel_minutes
from models.scenario import IndexArray, IntArray, NarrowIntArray, Scenario


@dataclass(frozen=True)
class Pairs:
    """Pairs ``(student[i], workplace[i])`` of one scenario.

    Travel minutes are computed once per pair set and shared by the travel rule
    and the cost, so filtering and pricing never disagree.
    """

    scenario: Scenario
    student: IndexArray  # int32 for candidate search's millions of pairs, else int64
    workplace: IndexArray
    _cache: dict[str, IntArray] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.student)

    @cached_property
    def minutes(self) -> NarrowIntArray:
        return travel_minutes(self.scenario, self.student, self.workplace)

    @classmethod
    def with_minutes(cls, scenario: Scenario, student: IndexArray, workplace: IndexArray,
                     minutes: NarrowIntArray) -> Pairs:
        """Pairs whose travel minutes are known already (carried over from the pairs
        they were made of), so they are never computed again."""
        pairs = cls(scenario, student, workplace)
        pairs.__dict__["minutes"] = minutes  # what ``minutes`` would have cached
        return pairs

    def subset(self, keep: np.ndarray, scenario: Scenario | None = None) -> Pairs:
        """The pairs where ``keep`` holds (a boolean mask or positions); of
        ``scenario`` when given (the same people and places, e.g. more pairs
        excluded), so the travel minutes carry over."""
        if "minutes" not in self.__dict__:
            return Pairs(scenario or self.scenario, self.student[keep], self.workplace[keep])
        return Pairs.with_minutes(scenario or self.scenario, self.student[keep],
                                  self.workplace[keep], self.minutes[keep])

    @classmethod
    def of_student(cls, scenario: Scenario, student: int) -> Pairs:
        """One student against every workplace."""
        n = len(scenario.workplaces)
        return cls(scenario, np.full(n, student, dtype=np.int64), np.arange(n, dtype=np.int64))

    @classmethod
    def of_workplace(cls, scenario: Scenario, workplace: int) -> Pairs:
        """Every student against one workplace."""
        n = len(scenario.students)
        return cls(scenario, np.arange(n, dtype=np.int64), np.full(n, workplace, dtype=np.int64))
