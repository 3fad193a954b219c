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

from models.scenario import FloatArray, IntArray, Scenario

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


def estimated_minutes_of(scenario: Scenario, student: IntArray, workplace: IntArray) -> IntArray:
    """The estimate alone (ignoring measured times), for each pair."""
    s, w = scenario.students, scenario.workplaces
    policy = scenario.config.policy
    km = haversine_km(s.lat[student], s.lon[student], w.lat[workplace], w.lon[workplace])
    return estimated_minutes(km, policy.detour_factor, policy.travel_speed_kmh)


def travel_minutes(scenario: Scenario, student: IntArray, workplace: IntArray) -> IntArray:
    """One-way minutes for each (student, workplace) pair: measured, else estimated."""
    minutes = estimated_minutes_of(scenario, student, workplace)
    if len(scenario.travel_keys):
        keys = scenario.pair_keys(student, workplace)
        at = np.searchsorted(scenario.travel_keys, keys)
        at_clipped = np.minimum(at, len(scenario.travel_keys) - 1)
        measured = scenario.travel_keys[at_clipped] == keys
        minutes = np.where(measured, scenario.travel_minutes[at_clipped], minutes)
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
