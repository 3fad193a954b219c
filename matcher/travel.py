"""Travel minutes between a student's home and a workplace (contract: "Travel").

Measured minutes from travel_times.csv are used as given; otherwise
``ceil(haversine_km × detour_factor / travel_speed_kmh × 60)``.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from models.scenario import FloatArray, IndexArray, IntArray, NarrowIntArray, Scenario

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True, slots=True)
class PostcodeCentre:
    postcode: str
    municipality: str
    province: str
    lat: float
    lon: float


@cache
def postcode_centres() -> dict[str, PostcodeCentre]:
    """Belgian postcode → municipality centre (shipped data, ODbL; see README)."""
    table = resources.files("matcher.data").joinpath("postcodes_be.csv")
    with table.open(encoding="utf-8") as handle:
        return {
            row["postcode"]: PostcodeCentre(
                row["postcode"], row["municipality"], row["province"],
                float(row["lat"]), float(row["lon"]),
            )
            for row in csv.DictReader(handle)
        }


def haversine_km(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """Great-circle distance in km on a sphere of radius 6371.0 km."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dlat = p2 - p1
    dlon = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def estimated_minutes(km: FloatArray, detour_factor: float, speed_kmh: float) -> IntArray:
    return np.ceil(km * detour_factor / speed_kmh * 60.0).astype(np.int64)


def max_estimated_km(minutes: int | IntArray, detour_factor: float, speed_kmh: float) -> FloatArray:
    """Largest straight-line distance whose estimate stays within ``minutes``.

    ``ceil(x) ≤ m`` for whole ``m`` exactly when ``x ≤ m``; callers add slack and
    then apply the exact rule, so float rounding never loses a pair.
    """
    return np.asarray(np.asarray(minutes, dtype=np.float64) * speed_kmh / 60.0 / detour_factor)


# Pairs per block of the travel estimate: the block's float buffers stay in cache
# rather than allocating arrays as long as millions of pairs.
BLOCK_PAIRS = 1 << 16


def estimated_minutes_of(scenario: Scenario, student: IndexArray,
                         workplace: IndexArray) -> IntArray:
    """The estimate alone (ignoring measured times), for each pair."""
    minutes = np.empty(len(student), dtype=np.int64)
    _estimate_into(scenario, student, workplace, minutes)
    return minutes


def _estimate_into(scenario: Scenario, student: IndexArray, workplace: IndexArray,
                   minutes: NarrowIntArray) -> None:
    """``estimated_minutes(haversine_km(…))`` of each pair into ``minutes``, bit for
    bit the same operations, with each point's radians and cosine computed once per
    point and the pair arithmetic done in place, block by block, in three buffers."""
    s, w = scenario.students, scenario.workplaces
    policy = scenario.config.policy
    s_phi, w_phi = np.radians(s.lat), np.radians(w.lat)
    s_lambda, w_lambda = np.radians(s.lon), np.radians(w.lon)
    s_cos, w_cos = np.cos(s_phi), np.cos(w_phi)
    size = min(len(student), BLOCK_PAIRS)
    a, b, c = np.empty(size), np.empty(size), np.empty(size)
    for start in range(0, len(student), BLOCK_PAIRS):
        stop = min(start + BLOCK_PAIRS, len(student))
        n = stop - start
        who, where = student[start:stop], workplace[start:stop]
        a, b, c = a[:n], b[:n], c[:n]
        # sin²(Δλ / 2)
        np.take(w_lambda, where, out=a)
        np.take(s_lambda, who, out=b)
        a -= b
        a /= 2
        np.sin(a, out=a)
        a *= a
        # cos φ1 · cos φ2 · sin²(Δλ / 2)
        np.take(s_cos, who, out=c)
        np.take(w_cos, where, out=b)
        c *= b
        c *= a
        # sin²(Δφ / 2) + the above, as haversine_km adds them
        np.take(w_phi, where, out=b)
        np.take(s_phi, who, out=a)
        b -= a
        b /= 2
        np.sin(b, out=b)
        b *= b
        b += c
        np.clip(b, 0.0, 1.0, out=b)
        np.sqrt(b, out=b)
        np.arcsin(b, out=b)
        b *= 2 * EARTH_RADIUS_KM  # km; then estimated_minutes
        b *= policy.detour_factor
        b /= policy.travel_speed_kmh
        b *= 60.0
        np.ceil(b, out=b)
        minutes[start:stop] = b


def travel_minutes(scenario: Scenario, student: IndexArray,
                   workplace: IndexArray) -> NarrowIntArray:
    """One-way minutes for each (student, workplace) pair: measured, else estimated
    (int32 when they fit: they are kept for millions of candidate pairs)."""
    policy = scenario.config.policy
    longest = math.ceil(math.pi * EARTH_RADIUS_KM * policy.detour_factor
                        / policy.travel_speed_kmh * 60.0)
    longest = max(longest, int(scenario.travel_minutes.max(initial=0)))
    minutes: NarrowIntArray = (np.empty(len(student), dtype=np.int32) if longest < 2**31 - 1
                               else np.empty(len(student), dtype=np.int64))
    _estimate_into(scenario, student, workplace, minutes)
    if len(scenario.travel_keys):
        # Only pairs of a student with a measurement can be measured: look those up.
        maybe = np.flatnonzero(scenario.has_measured_travel[student])
        keys = scenario.pair_keys(student[maybe], workplace[maybe])
        at = np.searchsorted(scenario.travel_keys, keys)
        at_clipped = np.minimum(at, len(scenario.travel_keys) - 1)
        measured = scenario.travel_keys[at_clipped] == keys
        minutes[maybe[measured]] = scenario.travel_minutes[at_clipped[measured]]
    return minutes


def unit_sphere_xyz(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Points on a sphere of the earth's radius, for radius queries in a KD-tree."""
    p, q = np.radians(lat), np.radians(lon)
    return np.column_stack(
        (np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p))
    ) * EARTH_RADIUS_KM


def chord_km(arc_km: float) -> float:
    """Straight-line (chord) length of a great-circle arc, for KD-tree radii."""
    half_angle = min(arc_km / (2 * EARTH_RADIUS_KM), math.pi / 2)
    return 2 * EARTH_RADIUS_KM * math.sin(half_angle)
