import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from matcher.rules.recognised_for_programme import is_listed
from tests.rules.rule_helpers import passes

RULE = "recognised_for_programme"


def test_workplace_recognised_for_the_programme_passes() -> None:
    assert passes(RULE, {"programme": "LOG"}, {"recognised_programmes": "BOUW;LOG"})


def test_workplace_not_recognised_for_the_programme_fails() -> None:
    assert not passes(RULE, {"programme": "ZORG"}, {"recognised_programmes": "LOG;BOUW"})


def test_programme_codes_are_compared_exactly() -> None:
    assert not passes(RULE, {"programme": "log"}, {"recognised_programmes": "LOG"})


def test_recognition_ending_on_the_reference_date_is_still_valid() -> None:
    assert passes(RULE, {}, {"recognised_until": "2026-09-01"}, reference_date="2026-09-01")


def test_recognition_ending_the_day_before_the_reference_date_has_expired() -> None:
    assert not passes(RULE, {}, {"recognised_until": "2026-08-31"}, reference_date="2026-09-01")


def test_empty_expiry_means_no_expiry() -> None:
    assert passes(RULE, {}, {"recognised_until": ""}, reference_date="2099-01-01")


@given(st.lists(st.integers(0, 59), unique=True), st.lists(st.integers(0, 59)))
def test_the_table_and_the_sorted_search_find_the_same_recognitions(
    recognised: list[int], keys: list[int]
) -> None:
    """Small scenarios look recognitions up in a table, huge ones search the sorted
    keys: both must answer alike."""
    sorted_keys = np.array(sorted(recognised), dtype=np.int64)
    wanted = np.array(keys, dtype=np.int64)
    expected = [key in recognised for key in keys]
    assert is_listed(wanted, sorted_keys, 60).tolist() == expected
    assert is_listed(wanted, sorted_keys, 60, table_cells=0).tolist() == expected
