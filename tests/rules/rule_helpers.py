"""Evaluate one rule on the single pair of a one-student, one-workplace scenario."""

from __future__ import annotations

from typing import Any

from matcher.rules import RULES, Pairs
from tests.builders import one_pair


def passes(rule: str, student: dict[str, Any] | None = None,
           workplace: dict[str, Any] | None = None, **scenario_fields: Any) -> bool:
    sc = one_pair(student, workplace, **scenario_fields)
    return bool(RULES[rule](Pairs.of_student(sc, 0))[0])
