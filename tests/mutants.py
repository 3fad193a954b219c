"""Mutants for the mutation check (tests/test_mutations.py).

Each mutant removes one check from the product, as a careless edit would, for
the duration of one test (through ``monkeypatch``). Rules come from the registry,
so a new rule is mutated without editing this file.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from matcher.rules import RULE_NAMES, RULES, Pairs
from matcher.suggest import PlanState
from models.scenario import BoolArray, IntArray

Mutation = Callable[[pytest.MonkeyPatch], None]


def _allow_every_pair(pairs: Pairs) -> BoolArray:
    return np.ones(len(pairs), dtype=bool)


def _without_rule(name: str) -> Mutation:
    def apply(monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(RULES, name, _allow_every_pair)

    return apply


def _room_ignoring_intensive_support(self: PlanState, student: int,
                                     workplaces: IntArray) -> BoolArray:
    return np.asarray(self.free_room[workplaces] > 0)


def _without_intensive_room(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PlanState, "has_room_for", _room_ignoring_intensive_support)


# name: (the mutation, the tests of which at least one must then fail)
MUTANTS: dict[str, tuple[Mutation, tuple[str, ...]]] = {
    **{f"rule-{name}": (_without_rule(name), ("tests/rules",)) for name in RULE_NAMES},
    "suggestion-intensive-room": (_without_intensive_room, ("tests/test_suggest.py",)),
}
