import numpy as np

from matcher.rules.hard_rule import HardRule, MissingValue
from matcher.rules.pairs import Pairs
from models.scenario import LANGUAGE_SUPPORT, BoolArray, Students


def dutch_level(pairs: Pairs) -> BoolArray:
    """The workplace sets no minimum Dutch level, or it offers language support,
    or the student's level is at least that minimum. A student whose level is
    unknown does not meet a set minimum."""
    sc = pairs.scenario
    w = sc.workplaces
    minimum = w.min_dutch_level[pairs.workplace]
    support = sc.adjustments.contains(w.adjustments, LANGUAGE_SUPPORT)[pairs.workplace]
    level = sc.students.dutch_level[pairs.student]
    return np.asarray((minimum == 0) | support | ((level > 0) & (level >= minimum)))


def _level_unknown(students: Students, student: int) -> bool:
    return bool(students.dutch_level[student] == 0)


RULE = HardRule("dutch_level", dutch_level, student_fields=("dutch_level",),
                unknown=MissingValue("dutch_level", _level_unknown))
