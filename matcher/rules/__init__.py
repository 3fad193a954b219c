"""The hard rules of contract v1, one module per rule, vectorised over pairs.

Each rule module declares its rule once (``RULE``, a :class:`HardRule`: its
contract name, its function, the student fields it reads, whether a coach may
see it named, and what makes a student's value unknown) and is registered once,
in ``HARD_RULES`` below, in the contract's order. Everything else derives from
that registry: ``RULES`` and ``STUDENT_FIELDS`` here, the explanations'
labels, the catalogue codes (``HardRule.message_codes``), the coach-view policy
(``api.privacy``), the mutation check and the contract tests
(``tests/test_registries.py``).

Each rule returns ``True`` where a pair passes. Candidate generation,
explanations, suggestions and fixes all call these same functions. The plan
checker does not: it has a plain row-by-row twin of each rule in
``matcher/check/reference.py`` (add one there for a new rule), and property
tests hold the two to the same answers.
"""

from __future__ import annotations

import numpy as np

from matcher.messages import Message
from matcher.rules import (
    adjustments,
    dutch_level,
    excluded,
    grade,
    min_age,
    placement_type,
    recognised_for_programme,
    travel,
)
from matcher.rules.hard_rule import HardRule, MissingValue, Rule
from matcher.rules.pairs import Pairs
from models.scenario import BoolArray

# The registry: every hard rule, in the contract's order (the order of plan.json's
# rule counts and of the exported files' rule columns).
HARD_RULES: dict[str, HardRule] = {rule.name: rule for rule in (
    recognised_for_programme.RULE,
    placement_type.RULE,
    grade.RULE,
    adjustments.RULE,
    travel.RULE,
    dutch_level.RULE,
    min_age.RULE,
    excluded.RULE,
)}
RULE_NAMES = tuple(HARD_RULES)

# The functions, by name. Everything that evaluates a rule looks it up here, so a test
# can replace one (the mutation check, the checker's independence test).
RULES: dict[str, Rule] = {name: rule.passes for name, rule in HARD_RULES.items()}

# The student fields each rule reads, so a rule can be evaluated once per distinct
# profile when counting rejections for many students. ``None``: the rule depends on
# the individual student (location, own exclusions).
STUDENT_FIELDS: dict[str, tuple[str, ...] | None] = {
    name: rule.student_fields for name, rule in HARD_RULES.items()}


def rule_label(rule: str) -> Message:
    """What a workplace lacks under ``rule``, in plain words (catalogue ``rule.*``)."""
    return HARD_RULES[rule].label()


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
    "HARD_RULES",
    "RULES",
    "RULE_NAMES",
    "STUDENT_FIELDS",
    "HardRule",
    "MissingValue",
    "Pairs",
    "Rule",
    "broken_rules",
    "evaluate",
    "passes_all",
    "rule_label",
]
