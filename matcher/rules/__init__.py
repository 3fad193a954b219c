"""The hard rules of contract v1, one function per rule, vectorised over pairs.

Each rule returns ``True`` where a pair passes. Candidate generation,
explanations, suggestions and fixes all call these same functions. The plan
checker does not: it has a plain row-by-row twin of each rule in
``matcher/check/reference.py`` (add one there for a new rule), and property
tests hold the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from matcher.messages import Message
from matcher.rules.adjustments import adjustments
from matcher.rules.dutch_level import dutch_level
from matcher.rules.excluded import excluded
from matcher.rules.grade import grade
from matcher.rules.min_age import min_age
from matcher.rules.pairs import Pairs
from matcher.rules.placement_type import placement_type
from matcher.rules.recognised_for_programme import recognised_for_programme
from matcher.rules.travel import travel
from models.scenario import BoolArray

Rule = Callable[[Pairs], BoolArray]

RULES: dict[str, Rule] = {
    "recognised_for_programme": recognised_for_programme,
    "placement_type": placement_type,
    "grade": grade,
    "adjustments": adjustments,
    "travel": travel,
    "dutch_level": dutch_level,
    "min_age": min_age,
    "excluded": excluded,
}
RULE_NAMES = tuple(RULES)

# The student fields each rule reads, so a rule can be evaluated once per
# distinct profile when counting rejections for many students. ``None``: the
# rule depends on the individual student (location, own exclusions).
STUDENT_FIELDS: dict[str, tuple[str, ...] | None] = {
    "recognised_for_programme": ("programme",),
    "placement_type": ("duaal", "contract_ready"),
    "grade": ("grade",),
    "adjustments": ("adjustments",),
    "travel": None,
    "dutch_level": ("dutch_level",),
    "min_age": ("age",),
    "excluded": None,
}

if not set(STUDENT_FIELDS) == set(RULES):
    raise ImportError("STUDENT_FIELDS must name every rule")

def rule_label(rule: str) -> Message:
    """What a workplace lacks under ``rule``, in plain words (catalogue ``rule.*``)."""
    return Message(f"rule.{rule}")


def evaluate(pairs: Pairs) -> dict[str, BoolArray]:
    """Every rule on every pair: ``{rule name: passes}``."""
    return {name: rule(pairs) for name, rule in RULES.items()}


def passes_all(pairs: Pairs) -> BoolArray:
    ok = np.ones(len(pairs), dtype=bool)
    for rule in RULES.values():
        ok &= rule(pairs)
    return ok


def broken_rules(pairs: Pairs) -> list[list[str]]:
    """For each pair, the names of the rules it breaks."""
    results = evaluate(pairs)
    return [[name for name in RULE_NAMES if not results[name][i]] for i in range(len(pairs))]


__all__ = [
    "RULES",
    "RULE_NAMES",
    "STUDENT_FIELDS",
    "Pairs",
    "Rule",
    "broken_rules",
    "evaluate",
    "passes_all",
    "rule_label",
]
