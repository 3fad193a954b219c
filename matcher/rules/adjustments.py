import numpy as np

from matcher.rules.hard_rule import HardRule
from matcher.rules.pairs import Pairs
from models.scenario import BoolArray


def adjustments(pairs: Pairs) -> BoolArray:
    """Every reasonable adjustment (redelijke aanpassing) the student needs is
    offered by the workplace."""
    s, w = pairs.scenario.students, pairs.scenario.workplaces
    offered = np.ones(len(pairs), dtype=bool)
    for word in range(s.adjustments.shape[1]):  # one 64-bit word at a time, no 2-d copies
        missing = np.ascontiguousarray(s.adjustments[:, word])[pairs.student]
        missing &= ~np.ascontiguousarray(w.adjustments[:, word])[pairs.workplace]
        offered &= missing == 0
    return offered


# Never named to a coach: it reads a support need.
RULE = HardRule("adjustments", adjustments, student_fields=("adjustments",),
                shown_to_coach=False)
