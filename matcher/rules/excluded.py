import numpy as np

from matcher.rules.pairs import Pairs
from models.scenario import BoolArray


def excluded(pairs: Pairs) -> BoolArray:
    """The pair is not listed in exclusions.csv (never proposed)."""
    sc = pairs.scenario
    if not len(sc.exclusions):
        return np.ones(len(pairs), dtype=bool)
    keys = sc.pair_keys(pairs.student, pairs.workplace)
    return np.asarray(~np.isin(keys, sc.exclusions))
