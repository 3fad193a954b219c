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

from models.scenario import FloatArray, IndexArray, IntArray, NarrowIntArray, Scenario, narrowed

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


def estimated_minutes_of(scenario: Scenario, student: IndexArray,
                         workplace: IndexArray) -> IntArray:
    """The estimate alone (ignoring measured times), for each pair:
    ``estimated_minutes(haversine_km(…))``, bit for bit the same
    operations, but with each point's radians and cosine computed once per point
    and the pair arithmetic done in place in three buffers: on millions of pairs,
    fresh arrays cost more (page faults) than the arithmetic."""
    s, w = scenario.students, scenario.workplaces
    policy = scenario.config.policy
    s_phi, w_phi = np.radians(s.lat), np.radians(w.lat)
    # sin²(Δλ / 2)
    a = np.take(np.radians(w.lon), workplace)
    b = np.take(np.radians(s.lon), student)
    a -= b
    a /= 2
    np.sin(a, out=a)
    a *= a
    # cos φ1 · cos φ2 · sin²(Δλ / 2)
    c = np.take(np.cos(s_phi), student)
    np.take(np.cos(w_phi), workplace, out=b)
    c *= b
    c *= a
    # sin²(Δφ / 2) + the above, as haversine_km adds them
    np.take(w_phi, workplace, out=b)
    np.take(s_phi, student, out=a)
    b -= a
    del a
    b /= 2
    np.sin(b, out=b)
    b *= b
    b += c
    del c
    np.clip(b, 0.0, 1.0, out=b)
    np.sqrt(b, out=b)
    np.arcsin(b, out=b)
    b *= 2 * EARTH_RADIUS_KM  # km
    # estimated_minutes
    b *= policy.detour_factor
    b /= policy.travel_speed_kmh
    b *= 60.0
    np.ceil(b, out=b)
    return b.astype(np.int64)


def travel_minutes(scenario: Scenario, student: IndexArray,
                   workplace: IndexArray) -> NarrowIntArray:
    """One-way minutes for each (student, workplace) pair: measured, else estimated
    (int32 when they fit: they are kept for millions of candidate pairs)."""
    minutes = estimated_minutes_of(scenario, student, workplace)
    if len(scenario.travel_keys):
        # Only pairs of a student with a measurement can be measured: look those up.
        maybe = np.flatnonzero(scenario.has_measured_travel[student])
        keys = scenario.pair_keys(student[maybe], workplace[maybe])
        at = np.searchsorted(scenario.travel_keys, keys)
        at_clipped = np.minimum(at, len(scenario.travel_keys) - 1)
        measured = scenario.travel_keys[at_clipped] == keys
        minutes[maybe[measured]] = scenario.travel_minutes[at_clipped[measured]]
    return narrowed(minutes)


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
