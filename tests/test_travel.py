"""The travel estimate of many pairs at once (``estimated_minutes_of``) is the
contract's formula applied pair by pair (``estimated_minutes(haversine_km(…))``),
bit for bit: it only changes where the work is done, so candidate search, the
travel rule and the travel cost keep giving the same minutes."""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.travel import BLOCK_PAIRS, estimated_minutes, estimated_minutes_of, haversine_km
from tests.builders import one_pair

LATITUDES = st.floats(-90, 90, allow_nan=False)
LONGITUDES = st.floats(-180, 180, allow_nan=False)
POINTS = st.lists(st.tuples(LATITUDES, LONGITUDES), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(homes=POINTS, places=POINTS, data=st.data(),
       detour=st.floats(1.0, 2.0), speed=st.floats(5.0, 120.0),
       index=st.sampled_from((np.int32, np.int64)))
def test_many_pairs_get_the_minutes_of_the_formula_pair_by_pair(
    homes: list[tuple[float, float]], places: list[tuple[float, float]],
    data: st.DataObject, detour: float, speed: float, index: type[np.signedinteger],
) -> None:
    base = one_pair()
    policy = base.config.policy.model_copy(update={"detour_factor": detour,
                                                   "travel_speed_kmh": speed})
    s_lat, s_lon = (np.array(column, dtype=np.float64) for column in zip(*homes, strict=True))
    w_lat, w_lon = (np.array(column, dtype=np.float64) for column in zip(*places, strict=True))
    sc = dataclasses.replace(
        base, config=base.config.model_copy(update={"policy": policy}),
        students=dataclasses.replace(base.students, lat=s_lat, lon=s_lon),
        workplaces=dataclasses.replace(base.workplaces, lat=w_lat, lon=w_lon))
    n = data.draw(st.integers(1, 20))
    student = np.array(data.draw(st.lists(st.integers(0, len(homes) - 1), min_size=n,
                                          max_size=n)), dtype=index)
    workplace = np.array(data.draw(st.lists(st.integers(0, len(places) - 1), min_size=n,
                                            max_size=n)), dtype=index)

    km = haversine_km(s_lat[student], s_lon[student], w_lat[workplace], w_lon[workplace])
    expected = estimated_minutes(km, detour, speed)
    assert estimated_minutes_of(sc, student, workplace).tolist() == expected.tolist()


def test_pairs_beyond_one_block_get_the_same_minutes() -> None:
    """Millions of pairs are estimated block by block; every block must match."""
    rng = np.random.default_rng(7)
    base = one_pair()
    s_lat, w_lat = rng.uniform(49, 52, 50), rng.uniform(49, 52, 70)
    s_lon, w_lon = rng.uniform(2, 6, 50), rng.uniform(2, 6, 70)
    sc = dataclasses.replace(
        base, students=dataclasses.replace(base.students, lat=s_lat, lon=s_lon),
        workplaces=dataclasses.replace(base.workplaces, lat=w_lat, lon=w_lon))
    n = 3 * BLOCK_PAIRS + 5
    student = rng.integers(0, 50, n).astype(np.int32)
    workplace = rng.integers(0, 70, n).astype(np.int32)
    policy = sc.config.policy
    km = haversine_km(s_lat[student], s_lon[student], w_lat[workplace], w_lon[workplace])
    expected = estimated_minutes(km, policy.detour_factor, policy.travel_speed_kmh)
    assert np.array_equal(estimated_minutes_of(sc, student, workplace), expected)
