import numpy as np

from matcher.rules.hard_rule import HardRule, MissingValue
from matcher.rules.pairs import Pairs
from models.scenario import UNKNOWN, BoolArray, Students


def min_age(pairs: Pairs) -> BoolArray:
    """The workplace sets no minimum age, or the student's age on the reference
    date is at least that minimum. A student with no birth date does not meet a
    set minimum."""
    minimum = pairs.scenario.workplaces.min_age[pairs.workplace]
    age = pairs.scenario.students.age[pairs.student]
    return np.asarray((minimum == UNKNOWN) | ((age != UNKNOWN) & (age >= minimum)))


def _age_unknown(students: Students, student: int) -> bool:
    return bool(students.age[student] == UNKNOWN)


RULE = HardRule("min_age", min_age, student_fields=("age",),
                unknown=MissingValue("birth_date", _age_unknown))
