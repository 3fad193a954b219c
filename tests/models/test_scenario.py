"""Code lists as bitmask rows (models.scenario.Vocabulary): what is encoded is what
is decoded and tested, also past the first 64-bit word."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from models.scenario import Vocabulary

VOCABULARY = Vocabulary(tuple(f"code{i}" for i in range(150)))  # three words
lists_of_codes = st.lists(st.lists(st.sampled_from(VOCABULARY.codes), max_size=6), max_size=8)


@given(lists_of_codes)
def test_a_decoded_row_holds_the_codes_encoded_in_it(lists: list[list[str]]) -> None:
    masks = VOCABULARY.encode(lists)
    assert masks.shape == (len(lists), 3)
    for row, codes in zip(masks, lists, strict=True):
        assert VOCABULARY.decode(row) == sorted(set(codes), key=VOCABULARY.codes.index)


@given(lists_of_codes, st.sampled_from(VOCABULARY.codes))
def test_contains_tells_which_rows_hold_a_code(lists: list[list[str]], code: str) -> None:
    found = VOCABULARY.contains(VOCABULARY.encode(lists), code)
    assert found.tolist() == [code in codes for codes in lists]


@given(lists_of_codes.filter(bool), st.data())
def test_with_code_sets_one_code_in_one_row_of_a_copy(lists: list[list[str]],
                                                      data: st.DataObject) -> None:
    masks = VOCABULARY.encode(lists)
    row = data.draw(st.integers(0, len(lists) - 1))
    code = data.draw(st.sampled_from(VOCABULARY.codes))
    changed = VOCABULARY.with_code(masks, row, code)
    assert VOCABULARY.decode(changed[row]) == sorted({*lists[row], code},
                                                     key=VOCABULARY.codes.index)
    others = np.arange(len(lists)) != row
    assert (changed[others] == masks[others]).all()
    assert (masks == VOCABULARY.encode(lists)).all()  # the original is untouched


def test_a_code_outside_the_vocabulary_is_in_no_row() -> None:
    masks = VOCABULARY.encode([["code1"], []])
    assert VOCABULARY.contains(masks, "language_support").tolist() == [False, False]
