import pytest

from tests.rules.rule_helpers import passes

RULE = "dutch_level"


@pytest.mark.parametrize(("level", "minimum", "expected"), [
    ("B1", "B1", True), ("B2", "B1", True), ("A2", "B1", False), ("C2", "", True),
    ("", "", True), ("", "A1", False), ("b1", "B1", True),
])
def test_level_must_reach_the_minimum(level: str, minimum: str, expected: bool) -> None:
    assert passes(RULE, {"dutch_level": level}, {"min_dutch_level": minimum}) is expected


def test_language_support_waives_the_minimum_even_for_unknown_levels() -> None:
    assert passes(RULE, {"dutch_level": ""},
                  {"min_dutch_level": "C1", "adjustments_offered": "language_support"})
    assert passes(RULE, {"dutch_level": "A1"},
                  {"min_dutch_level": "C1", "adjustments_offered": "language_support"})
