import numpy as np

from matcher.rules.hard_rule import HardRule
from matcher.rules.pairs import Pairs
from models.scenario import BoolArray


def travel(pairs: Pairs) -> BoolArray:
    """The one-way travel time (measured, else estimated) is at most the
    student's own limit, or the policy's default limit when they gave none."""
    limit = pairs.scenario.students.max_travel_min[pairs.student]
    return np.asarray(pairs.minutes <= limit)


RULE = HardRule("travel", travel, student_fields=None)
