import numpy as np

from matcher.rules.hard_rule import HardRule
from matcher.rules.pairs import Pairs
from models.scenario import BoolArray


def recognised_for_programme(pairs: Pairs) -> BoolArray:
    """The workplace is recognised (erkend) for the student's programme, and that
    recognition has not expired: ``recognised_until`` is empty or falls on or
    after the reference date."""
    sc = pairs.scenario
    n_programmes = max(len(sc.programmes.codes), 1)
    keys = pairs.workplace * n_programmes + sc.students.programme[pairs.student]
    recognised = sc.workplaces.recognised
    at = np.minimum(np.searchsorted(recognised, keys), max(len(recognised) - 1, 0))
    listed = recognised[at] == keys if len(recognised) else np.zeros(len(keys), dtype=bool)
    valid = sc.workplaces.recognised_until[pairs.workplace] >= sc.reference_days
    return np.asarray(listed & valid)


RULE = HardRule("recognised_for_programme", recognised_for_programme, student_fields=("programme",))
