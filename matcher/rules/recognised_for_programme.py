import numpy as np

from matcher.rules.hard_rule import HardRule
from matcher.rules.pairs import Pairs
from models.scenario import BoolArray, IntArray

# Up to this many workplace × programme cells, recognitions are looked up in a table of
# one byte per cell (a gather, several times faster than searching the sorted keys on
# millions of pairs); beyond it the sorted keys are searched.
TABLE_CELLS = 1 << 26


def recognised_for_programme(pairs: Pairs) -> BoolArray:
    """The workplace is recognised (erkend) for the student's programme, and that
    recognition has not expired: ``recognised_until`` is empty or falls on or
    after the reference date."""
    sc = pairs.scenario
    n_programmes = max(len(sc.programmes.codes), 1)
    keys = pairs.workplace.astype(np.int64) * n_programmes + sc.students.programme[pairs.student]
    listed = is_listed(keys, sc.workplaces.recognised, len(sc.workplaces) * n_programmes)
    valid = sc.workplaces.recognised_until[pairs.workplace] >= sc.reference_days
    return np.asarray(listed & valid)


def is_listed(keys: IntArray, recognised: IntArray, cells: int,
              table_cells: int = TABLE_CELLS) -> BoolArray:
    """Whether each key (in ``range(cells)``) is among the sorted ``recognised`` keys."""
    if cells <= table_cells:
        table = np.zeros(cells, dtype=bool)
        table[recognised] = True
        return np.asarray(table[keys])
    if not len(recognised):
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(recognised, keys), len(recognised) - 1)
    return np.asarray(recognised[at] == keys)


RULE = HardRule("recognised_for_programme", recognised_for_programme, student_fields=("programme",))
