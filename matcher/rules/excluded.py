import numpy as np

from matcher.rules.hard_rule import HardRule
from matcher.rules.pairs import Pairs
from models.scenario import BoolArray


def excluded(pairs: Pairs) -> BoolArray:
    """The pair is not listed in exclusions.csv (never proposed)."""
    sc = pairs.scenario
    passes = np.ones(len(pairs), dtype=bool)
    if not len(sc.exclusions):
        return passes
    # Only a student with exclusions can have an excluded pair: look up theirs alone.
    maybe = np.flatnonzero(sc.has_exclusions[pairs.student])
    keys = sc.pair_keys(pairs.student[maybe], pairs.workplace[maybe])
    at = np.minimum(np.searchsorted(sc.exclusions, keys), len(sc.exclusions) - 1)
    passes[maybe] = sc.exclusions[at] != keys
    return passes


# Not named to a coach: with the adjustments rule it makes up "other reasons", so a
# workplace closed for other reasons is never known to be closed by an adjustment.
RULE = HardRule("excluded", excluded, student_fields=None, shown_to_coach=False)
