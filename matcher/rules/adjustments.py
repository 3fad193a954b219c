import numpy as np

from matcher.rules.hard_rule import HardRule
from matcher.rules.pairs import Pairs
from models.scenario import BoolArray


def adjustments(pairs: Pairs) -> BoolArray:
    """Every reasonable adjustment (redelijke aanpassing) the student needs is
    offered by the workplace."""
    s, w = pairs.scenario.students, pairs.scenario.workplaces
    missing = s.adjustments[pairs.student] & ~w.adjustments[pairs.workplace]
    return np.asarray(~missing.any(axis=1))


# Never named to a coach: it reads a support need.
RULE = HardRule("adjustments", adjustments, student_fields=("adjustments",),
                shown_to_coach=False)
