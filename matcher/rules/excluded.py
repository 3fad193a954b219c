import numpy as np

from matcher.rules.hard_rule import HardRule
from matcher.rules.pairs import Pairs
from models.scenario import BoolArray


def excluded(pairs: Pairs) -> BoolArray:
    """The pair is not listed in exclusions.csv (never proposed)."""
    sc = pairs.scenario
    if not len(sc.exclusions):
        return np.ones(len(pairs), dtype=bool)
    keys = sc.pair_keys(pairs.student, pairs.workplace)
    return np.asarray(~np.isin(keys, sc.exclusions))


# Not named to a coach: with the adjustments rule it makes up "other reasons", so a
# workplace closed for other reasons is never known to be closed by an adjustment.
RULE = HardRule("excluded", excluded, student_fields=None, shown_to_coach=False)
