import numpy as np

from matcher.rules.hard_rule import HardRule
from matcher.rules.pairs import Pairs
from models.scenario import BoolArray


def grade(pairs: Pairs) -> BoolArray:
    """A grade-2 student may only go to a workplace that accepts grade 2."""
    s, w = pairs.scenario.students, pairs.scenario.workplaces
    return np.asarray((s.grade[pairs.student] != 2) | w.accepts_grade2[pairs.workplace])


RULE = HardRule("grade", grade, student_fields=("grade",))
