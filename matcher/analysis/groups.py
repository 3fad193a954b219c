"""The groups a policy analysis reports on: tier, sector, province, phase, school type.

Why here and not in the scenario: these are reporting labels, not rules. The
contract gives students no sector and no province, so both are derived:

- a student's **sector** is the sector of their programme, i.e. the sector
  most workplaces recognised for that programme belong to (a programme such
  as ``kok`` is taught for one sector); ``unknown`` when no workplace lists it;
- a **province** (region) is that of the nearest municipality centre in the
  shipped postcode table, for students (home) and workplaces alike, whether
  the row gave lat/lon or a postcode;
- a **school type** is the prefix of ``school_id`` before the first ``-``
  (the calibrated scenario writes ``DBSO-…``, ``SYNTRA-…``, ``SO-…``,
  ``BUSO-…``); ``other`` when there is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.spatial import cKDTree

from matcher.travel import PostcodeCentre, postcode_centres, unit_sphere_xyz
from models.scenario import FloatArray, ObjArray, Scenario

PROVINCE_NAMES: dict[str, str] = {
    "VAN": "Antwerpen",
    "VOV": "Oost-Vlaanderen",
    "VWV": "West-Vlaanderen",
    "VBR": "Vlaams-Brabant",
    "VLI": "Limburg",
    "BRU": "Brussel",
    "WBR": "Waals-Brabant",
    "WHT": "Henegouwen",
    "WLG": "Luik",
    "WLX": "Luxemburg",
    "WNA": "Namen",
}
UNKNOWN = "unknown"
OTHER_SCHOOL_TYPE = "other"  # a school_id without a type prefix


@cache
def _towns() -> tuple[cKDTree, tuple[PostcodeCentre, ...]]:
    centres = tuple(sorted(postcode_centres().values(), key=lambda c: c.postcode))
    lat = np.asarray([c.lat for c in centres])
    lon = np.asarray([c.lon for c in centres])
    return cKDTree(unit_sphere_xyz(lat, lon)), centres


def _nearest_towns(lat: FloatArray, lon: FloatArray) -> list[PostcodeCentre]:
    tree, centres = _towns()
    _, nearest = tree.query(unit_sphere_xyz(lat, lon))
    return [centres[int(i)] for i in np.atleast_1d(nearest)]


def province_of(lat: FloatArray, lon: FloatArray) -> ObjArray:
    """Province code of the nearest municipality centre, per point."""
    if not len(lat):
        return np.zeros(0, dtype=object)
    return np.asarray([c.province for c in _nearest_towns(lat, lon)], dtype=object)


def municipality_of(lat: FloatArray, lon: FloatArray) -> list[str]:
    """"postcode municipality" of the nearest municipality centre, per point."""
    if not len(lat):
        return []
    return [f"{c.postcode} {c.municipality}" for c in _nearest_towns(lat, lon)]


def programme_sectors(scenario: Scenario) -> ObjArray:
    """Per programme, the sector most of its recognised workplaces belong to."""
    n_programmes = len(scenario.programmes.codes)
    w = scenario.workplaces
    result = np.full(n_programmes, UNKNOWN, dtype=object)
    if not n_programmes or not len(w.recognised):
        return result
    programme = w.recognised % n_programmes
    sector = w.sector[w.recognised // n_programmes]
    n_sectors = max(len(scenario.sectors.codes), 1)
    counts = np.zeros((n_programmes, n_sectors), dtype=np.int64)
    np.add.at(counts, (programme, sector), 1)
    listed = counts.sum(axis=1) > 0
    codes = np.asarray(scenario.sectors.codes, dtype=object)
    result[listed] = codes[counts[listed].argmax(axis=1)]
    return result


def school_type(school_ids: ObjArray) -> ObjArray:
    """``DBSO`` for ``DBSO-017``; ``other`` for an id without a ``-``."""
    return np.asarray([str(s).split("-", 1)[0] if "-" in str(s) else OTHER_SCHOOL_TYPE
                       for s in school_ids], dtype=object)


@dataclass(frozen=True)
class StudentGroups:
    """Reporting labels per student, aligned with ``scenario.students``."""

    tier: ObjArray  # "1", "2", …
    sector: ObjArray
    province: ObjArray
    phase: ObjArray  # "aanloop" or "duaal"
    school_type: ObjArray

    def dimensions(self) -> dict[str, ObjArray]:
        return {"tier": self.tier, "sector": self.sector, "province": self.province,
                "phase": self.phase, "school_type": self.school_type}


def student_groups(scenario: Scenario) -> StudentGroups:
    """Labels of every student of ``scenario`` (sectors judged on this scenario's workplaces)."""
    s = scenario.students
    return StudentGroups(
        tier=np.asarray([str(int(p)) for p in s.priority], dtype=object),
        sector=programme_sectors(scenario)[s.programme] if len(s) else np.zeros(0, dtype=object),
        province=province_of(s.lat, s.lon),
        phase=np.where(s.duaal, "duaal", "aanloop").astype(object),
        school_type=school_type(s.school_id),
    )


def workplace_provinces(scenario: Scenario) -> ObjArray:
    return province_of(scenario.workplaces.lat, scenario.workplaces.lon)
