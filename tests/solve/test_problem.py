"""The merged encoding of the lexicographic levels, and where it is split into stages."""

from __future__ import annotations

from matcher.solve.problem import merge_groups, merged_span, multipliers


def test_merged_weights_put_each_level_above_everything_below_it() -> None:
    # placement (span 3), keep (span 1), cost (span 50) for 10 free students:
    # the keep bonus is 10·50 + 1, the placement unit 10·(501 + 50) + 1
    assert multipliers([3, 1, 50], 10) == [5511, 501, 1]
    assert merged_span([3, 1, 50], 10) == 3 * 5511 + 501 + 50


def test_levels_merge_while_the_stage_fits_its_limit() -> None:
    spans, n = [3, 1, 50], 10
    assert merge_groups(spans, n, limit=10**9) == [range(0, 3)]
    # keep + cost (551) fits, the placement level on top does not
    assert merge_groups(spans, n, limit=600) == [range(0, 1), range(1, 3)]
    # cost alone beyond the limit is still one stage; the levels above merge
    assert merge_groups(spans, n, limit=40) == [range(0, 2), range(2, 3)]
