"""Intervals over seeds are computed right, and a verdict only claims what its
interval shows (crafted sweep results where a looser rule would be false)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from matcher.analysis.summary import catch_up, t_interval, verdict_of, verdicts


def test_t_interval_on_a_known_sample() -> None:
    # mean 0.85, s = sqrt(0.0052 / 4) = 0.036056; t(0.975, 4) = 2.7764 (printed tables)
    mean, low, high = t_interval([0.80, 0.84, 0.86, 0.90, 0.85])
    half = 2.7764 * math.sqrt(0.0052 / 4) / math.sqrt(5)
    assert mean == pytest.approx(0.85)
    assert low == pytest.approx(0.85 - half, abs=1e-4)
    assert high == pytest.approx(0.85 + half, abs=1e-4)
    # identical seeds: no spread; one seed: no interval at all
    assert t_interval([0.5, 0.5, 0.5]) == (0.5, 0.5, 0.5)
    one = t_interval([0.7])
    assert one[0] == 0.7 and math.isnan(one[1]) and math.isnan(one[2])
    assert t_interval([0.7, math.nan, 0.9])[0] == pytest.approx(0.8)


def test_verdict_follows_the_interval_only() -> None:
    assert verdict_of(0.02, 0.12) == "better"
    assert verdict_of(-0.2, -0.05) == "worse"
    assert verdict_of(-0.004, 0.006) == "as_well"  # within 1 point either way
    assert verdict_of(-0.05, 0.09) == "unclear"  # the interval allows both
    assert verdict_of(math.nan, math.nan) == "unclear"


def _crafted(rates: dict[float, tuple[list[float], list[float]]],
             among: str = "feasible") -> pd.DataFrame:
    """Sweep rows with the given priority-1 and others' rates per ratio and seed
    (100 priority-1 students, 400 others, one sector)."""
    rows = []
    for ratio, (first, others) in rates.items():
        for seed, (a, b) in enumerate(zip(first, others, strict=True)):
            for tier, rate, n in (("priority-1", a, 100), ("others", b, 400)):
                rows.append({"capacity": "workplaces", "ratio": ratio,
                             "adapted_share": math.nan, "travel_limit": math.nan,
                             "seed": seed, "objective": "priority-first", "among": among,
                             "dimension": "sector_tier", "group": f"zorg|{tier}",
                             "students": n, "placed": round(rate * n), "value": rate})
    return pd.DataFrame(rows)


def test_better_at_one_ratio_is_not_reported_as_never() -> None:
    # The measured case: at 1 workplace per student, priority-first places 88 % of the
    # priority-1 students with an allowed workplace against 79 % of the others; at 2
    # they fall behind. A "catch up from the top" rule says "never"; the verdict per
    # point says what each interval shows.
    rows = _crafted({
        1.0: ([0.88, 0.89, 0.88, 0.89], [0.79, 0.79, 0.80, 0.78]),
        1.5: ([0.90, 0.96, 0.86, 0.99], [0.93, 0.93, 0.92, 0.94]),
        2.0: ([0.95, 0.95, 0.96, 0.95], [0.98, 0.98, 0.99, 0.98]),
    })
    table = verdicts(rows, "feasible").set_index("ratio")
    at_one = table.loc[1.0]
    assert list(table["verdict"]) == ["better", "unclear", "worse"]
    assert at_one["priority-1"] == pytest.approx(0.885)
    assert at_one["students_1"] == 100 and at_one["students_others"] == 400
    assert math.isnan(catch_up(verdicts(rows, "feasible"), "ratio")["catch_up"].iloc[0])
    # and the other way round: catching up from 1.5 on is reported as such
    rows = _crafted({
        1.0: ([0.70, 0.71, 0.69, 0.70], [0.79, 0.79, 0.80, 0.78]),
        1.5: ([0.93, 0.93, 0.93, 0.93], [0.93, 0.9325, 0.9275, 0.93]),
        2.0: ([0.99, 0.99, 0.99, 0.99], [0.98, 0.98, 0.98, 0.98]),
    })
    table = verdicts(rows, "feasible")
    assert list(table.sort_values("ratio")["verdict"]) == ["worse", "as_well", "better"]
    assert catch_up(table, "ratio")["catch_up"].iloc[0] == 1.5


def test_overall_rates_weigh_sectors_by_their_students() -> None:
    rows = _crafted({1.0: ([0.5, 0.5], [0.5, 0.5])}, among="all")
    extra = rows.copy()
    extra["group"] = extra["group"].str.replace("zorg", "bouw")
    extra.loc[extra["group"] == "bouw|priority-1", ["students", "placed", "value"]] = [300, 300,
                                                                                       1.0]
    table = verdicts(pd.concat([rows, extra]), "all")
    assert table["priority-1"].iloc[0] == pytest.approx(350 / 400)
    assert table["students_1"].iloc[0] == 400
