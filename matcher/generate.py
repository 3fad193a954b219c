"""Synthetic scenarios calibrated on Flemish dual-learning figures.

Why this exists: the product's central question — how many recognised
workplaces per student are needed so that vulnerable students are not crowded
out — can only be explored on scenarios whose workplace/student ratio is a
parameter, and tests and benchmarks need sizes far beyond any real file.

How it stays reproducible and fast:

- Every column (or group of related columns) draws from its own numpy
  Generator, seeded from ``(seed, crc32(stream name))``. Draws are
  element-by-element, so a table's first rows do not depend on how many rows
  are drawn: with the same seed, the students of a ratio-2.0 scenario are the
  students of the ratio-1.0 one, and its first workplaces are the same
  workplaces. Ratio sweeps then compare like with like.
- All draws are vectorised numpy; the only Python loops are string joins of
  list cells and a handful of loops over programmes or provinces.
- Cells are formatted as text by this module (fixed decimals, ISO dates), and
  CSVs are written with ``\\n`` line endings, so the same settings give
  byte-identical files on every machine.

Figures (rounded, as in DESIGN.md): about 40 % of students are in the aanloop
phase, grade-2 students mostly so; about 10 % need reasonable adjustments;
provinces are weighted by their approximate 2024 population; home and
workplace locations are real municipality centres from
``matcher/data/postcodes_be.csv`` plus a jitter of about 2 km. Each share is
written next to the draw that produces it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from matcher.travel import (
    chord_km,
    estimated_minutes,
    haversine_km,
    postcode_centres,
    unit_sphere_xyz,
)
from models.config import Policy, Weights

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
TextArray = NDArray[np.object_]

REFERENCE_DATE = dt.date(2026, 9, 1)

# Every generated scenario.yaml spells out the contract's default policy and weights
# (models/config.py), so a reader sees them; the travel figures are also used here to
# make sure generated existing placements are within reach.
DEFAULT_POLICY, DEFAULT_WEIGHTS = Policy(), Weights()
DEFAULT_MAX_TRAVEL_MIN = DEFAULT_POLICY.default_max_travel_min
TRAVEL_SPEED_KMH = DEFAULT_POLICY.travel_speed_kmh
DETOUR_FACTOR = DEFAULT_POLICY.detour_factor
# The generator's one departure from the defaults: a care (zorg) mentor takes one student.
CARE_MENTOR_CAPACITY = 1


@dataclass(frozen=True)
class GeneratorSettings:
    """What to generate: ``ratio`` is workplaces per student (1.5 × 500 → 750)."""

    students: int
    ratio: float
    seed: int

    def __post_init__(self) -> None:
        if isinstance(self.students, bool) or not isinstance(self.students, int):
            raise ValueError(f"students must be a whole number, not {self.students!r}")
        if self.students < 1:
            raise ValueError(f"students must be at least 1, not {self.students}")
        if not math.isfinite(self.ratio) or self.ratio <= 0:
            raise ValueError(f"ratio (workplaces per student) must be positive, not {self.ratio}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a whole number ≥ 0, not {self.seed!r}")

    @property
    def workplaces(self) -> int:
        """Number of workplaces: the ratio times the students, rounded half up, at least 1."""
        return max(1, math.floor(self.students * self.ratio + 0.5))

    @property
    def name(self) -> str:
        return f"Generated {self.students} students, ratio {self.ratio:g} (seed {self.seed})"


# ---------------------------------------------------------------------------
# Domain vocabulary


@dataclass(frozen=True)
class Programme:
    code: str
    competences: tuple[str, ...]  # exactly six, so draws can index them uniformly


@dataclass(frozen=True)
class Sector:
    code: str
    weight: float  # share of students and of workplaces
    employer_prefixes: tuple[str, ...]
    programmes: tuple[Programme, ...]


def _p(code: str, *competences: str) -> Programme:
    return Programme(code, competences)


SECTORS: tuple[Sector, ...] = (
    Sector("logistiek", 0.08, ("Transport", "Logistiek", "Distributiecentrum", "Expeditie"), (
        _p("logistiek-medewerker", "orderpicking", "voorraadbeheer", "goederenontvangst",
           "verzending", "heftruck", "veilig-werken"),
        _p("magazijnier", "orderpicking", "voorraadbeheer", "inventaris", "heftruck",
           "wms-software", "veilig-werken"),
        _p("chauffeur-goederenvervoer", "rijtechniek", "laden-lossen", "ladingzekering",
           "rijtijden", "voertuigcontrole", "veilig-werken"),
    )),
    Sector("bouw", 0.16, ("Bouwbedrijf", "Aannemingen", "Dakwerken", "Renovatie"), (
        _p("bouw-ruwbouw", "metselen", "bekisting", "betonwerk", "uitzetten", "plannen-lezen",
           "veilig-werken"),
        _p("bouw-schilder", "ondergrond-voorbereiden", "schilderen", "behangen", "kleuradvies",
           "plannen-lezen", "veilig-werken"),
        _p("bouw-dakwerker", "hellende-daken", "platte-daken", "isolatie", "zinkwerk",
           "werken-op-hoogte", "veilig-werken"),
        _p("bouw-tegelzetter", "vloeren", "wandtegels", "chape", "uitzetten", "plannen-lezen",
           "veilig-werken"),
    )),
    Sector("zorg", 0.10, ("Woonzorgcentrum", "Kinderopvang", "Thuiszorg", "Zorgcentrum"), (
        _p("zorgkundige", "basiszorg", "hygiene", "observatie", "communicatie-zorgvrager",
           "ergonomie", "rapporteren"),
        _p("kinderbegeleider", "dagritme", "spelbegeleiding", "hygiene", "observatie",
           "communicatie-ouders", "rapporteren"),
        _p("logistiek-assistent-zorg", "maaltijdbedeling", "schoonmaak", "hygiene",
           "voorraadbeheer", "communicatie-zorgvrager", "ergonomie"),
    )),
    Sector("horeca", 0.12, ("Restaurant", "Brasserie", "Hotel", "Eetcafé"), (
        _p("kok", "mise-en-place", "koude-keuken", "warme-keuken", "haccp", "bestellingen",
           "bereidingstechnieken"),
        _p("keukenmedewerker", "mise-en-place", "afwas", "haccp", "koude-keuken",
           "voorraadbeheer", "bereidingstechnieken"),
        _p("zaalmedewerker", "bediening", "klantencontact", "dranken", "kassa", "haccp",
           "tafelschikking"),
    )),
    Sector("retail", 0.12, ("Supermarkt", "Kledingzaak", "Doe-het-zelf", "Speciaalzaak"), (
        _p("verkoper", "klantencontact", "kassa", "productkennis", "etaleren", "voorraadbeheer",
           "verkoopgesprek"),
        _p("winkelmedewerker", "vakken-vullen", "kassa", "klantencontact", "voorraadbeheer",
           "etaleren", "orde-netheid"),
    )),
    Sector("techniek", 0.15, ("Metaalwerken", "Constructie", "Machinebouw", "Elektro"), (
        _p("lasser-monteerder", "mig-mag-lassen", "tig-lassen", "plannen-lezen", "meten",
           "monteren", "veilig-werken"),
        _p("cnc-operator", "cnc-programmeren", "meten", "plannen-lezen", "draaien", "frezen",
           "veilig-werken"),
        _p("elektrotechnisch-installateur", "bekabeling", "schakelingen", "meten",
           "plannen-lezen", "arei", "veilig-werken"),
        _p("onderhoudsmechanicus", "storingen-zoeken", "preventief-onderhoud", "hydraulica",
           "pneumatica", "meten", "veilig-werken"),
    )),
    Sector("auto", 0.09, ("Garage", "Carrosserie", "Bandencentrale", "Autocenter"), (
        _p("auto-onderhoudsmechanicus", "onderhoudsbeurt", "remmen", "banden", "diagnose",
           "motortechniek", "veilig-werken"),
        _p("carrosseriehersteller", "uitdeuken", "plaatwerk", "spuiten", "schuren",
           "schadebeoordeling", "veilig-werken"),
        _p("bandenmonteur", "banden", "uitlijnen", "balanceren", "klantencontact",
           "onderhoudsbeurt", "veilig-werken"),
    )),
    Sector("kantoor", 0.05, ("Boekhoudkantoor", "Verzekeringen", "Advocatenkantoor",
                             "Sociaal secretariaat"), (
        _p("administratief-medewerker", "klassement", "tekstverwerking", "rekenblad",
           "facturatie", "telefoon", "klantencontact"),
        _p("onthaalmedewerker", "onthaal", "telefoon", "agendabeheer", "klantencontact",
           "tekstverwerking", "postverwerking"),
    )),
    Sector("voeding", 0.07, ("Bakkerij", "Slagerij", "Voedingsbedrijf", "Patisserie"), (
        _p("bakker", "deeg", "brood", "banket", "oven", "haccp", "verkoop-winkel"),
        _p("slager", "uitbenen", "versnijden", "bereiden", "haccp", "toonbank",
           "verkoop-winkel"),
        _p("productiemedewerker-voeding", "lijnbediening", "haccp", "verpakken",
           "kwaliteitscontrole", "reinigen", "veilig-werken"),
    )),
    Sector("groen", 0.06, ("Tuinaanleg", "Hoveniersbedrijf", "Boomkwekerij", "Groenzorg"), (
        _p("groenvoorziener", "maaien", "snoeien", "planten", "machines-groen",
           "beplantingsplan", "veilig-werken"),
        _p("tuinaanlegger", "bestrating", "planten", "grondwerk", "beplantingsplan",
           "machines-groen", "veilig-werken"),
    )),
)

SURNAMES: tuple[str, ...] = (
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "Vermeulen", "Hermans", "Aerts", "Pauwels", "Michiels", "Martens",
    "Verstraeten", "Van Damme", "Lambrechts", "Cools", "Smets", "Stevens", "Segers",
    "Vandenberghe", "Van den Broeck", "Coppens", "Bogaerts", "Leemans", "Verhoeven", "Wuyts",
    "De Clercq", "De Backer", "Claeys", "Hendrickx", "Geerts", "Vos", "Thys", "Van Hove",
    "Verbeke", "Desmet", "Moens", "Baert", "Bosmans", "Dewulf", "Vanhoutte", "Lenaerts",
)

ADJUSTMENTS: tuple[str, ...] = (
    "rolstoel", "prikkelarm", "language_support", "aangepast_uurrooster", "begeleiding_autisme",
)
# How often each adjustment is needed among students who need any (and offered).
ADJUSTMENT_WEIGHTS = (0.15, 0.25, 0.30, 0.20, 0.10)

CEFR = ("A1", "A2", "B1", "B2", "C1", "C2")
DUTCH_WEIGHTS = (0.03, 0.12, 0.30, 0.35, 0.15, 0.05)

# Flemish provinces (code in postcodes_be.csv) weighted by 2024 population (millions).
PROVINCES: tuple[tuple[str, float], ...] = (
    ("VAN", 1.93), ("VOV", 1.56), ("VWV", 1.22), ("VBR", 1.19), ("VLI", 0.89),
)

EXCLUSION_REASONS: tuple[str, ...] = (
    "eerdere stage voortijdig beëindigd",
    "familiebedrijf van de leerling",
    "conflict met werkgever",
)

SHARE_POSTCODE_ONLY = 0.15  # rows that give a postcode instead of lat/lon
JITTER_KM = 1.5  # standard deviation per axis around a town centre (mean offset ≈ 1.9 km)
KM_PER_DEGREE = 111.2
STUDENTS_PER_HUB = 100
# Flanders has about 5,000–6,000 dual-learning students. Far larger scenarios
# (benchmarks at 100,000, the size of the Netherlands) are spread over several
# Flanders-shaped regions side by side, so that reachable workplaces per student
# stay realistic instead of growing twenty-fold. The regions must lie where the
# contract accepts locations (Belgium and its neighbours), so from three regions
# on they are drawn to a smaller scale, with the travel speed scaled alike: travel
# times stay about what they would be at full scale (a degree of longitude is a few
# percent longer in a region moved south).
STUDENTS_PER_REGION = 25_000
AREA_LAT = (49.0, 52.0)  # the contract's plausible locations
AREA_LON = (1.5, 7.0)
REGION_GAP_KM = 30.0  # between regions: farther than anyone travels, so no pair crosses
REGION_MARGIN_DEG = 0.1  # around the towns of a region: room for the jitter
HUB_RADIUS_KM = 10.0


# ---------------------------------------------------------------------------
# Random helpers


def _rng(seed: int, stream: str) -> np.random.Generator:
    """An independent generator per stream, stable across Python runs (no hash salt)."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode("utf-8"))])


def _uniforms(seed: int, stream: str, n: int, k: int) -> FloatArray:
    """``(n, k)`` uniforms in [0, 1) from one draw of the stream's generator.

    One draw per stream, filled row by row, so row ``i`` is the same whatever
    ``n`` is: this is what keeps a table's first rows independent of its size.
    """
    return _rng(seed, stream).random((n, k))


def _pick(u: FloatArray, weights: tuple[float, ...] | FloatArray) -> IntArray:
    """Per uniform in ``u``, an index drawn with the given (unnormalised) weights."""
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64))
    cumulative /= cumulative[-1]
    return np.minimum(np.searchsorted(cumulative, u, side="right"),
                      len(cumulative) - 1).astype(np.int64)


def _uniform_index(u: FloatArray, counts: IntArray) -> IntArray:
    """Per row, a uniform whole number in ``range(counts[row])``."""
    return np.minimum((u * counts).astype(np.int64), counts - 1)


def _random_orders(keys: FloatArray, sizes: IntArray, first: IntArray | None = None) -> IntArray:
    """Per row, a random order of ``range(sizes[row])`` from uniform ``keys`` of shape
    ``(n, width)``, padded to ``width`` (pads last).

    ``first`` (optional, -1 for none) forces that item to the front of its row.
    """
    keys = keys.copy()
    width = keys.shape[1]
    keys[np.arange(width)[None, :] >= sizes[:, None]] = 2.0
    if first is not None:
        rows = np.flatnonzero(first >= 0)
        keys[rows, first[rows]] = -1.0
    return np.argsort(keys, axis=1, kind="stable").astype(np.int64)


def _weighted_adjustments(seed: int, stream: str, n: int) -> TextArray:
    """Per row, the adjustment codes in a random order that favours common codes
    (Efraimidis–Spirakis keys ``u ** (1 / weight)``, largest first)."""
    keys = _uniforms(seed, stream, n, len(ADJUSTMENTS)) ** (1 / np.asarray(ADJUSTMENT_WEIGHTS))
    order = np.argsort(-keys, axis=1, kind="stable")
    return np.asarray(np.asarray(ADJUSTMENTS, dtype=object)[order], dtype=object)


def _join(codes: TextArray, counts: IntArray) -> list[str]:
    """List cells: the first ``counts[row]`` codes of each row joined with ';'."""
    return [";".join(row[:k]) for row, k in zip(codes.tolist(), counts.tolist(), strict=True)]


def _ids(prefix: str, n: int, width: int = 5) -> list[str]:
    digits = max(width, len(str(n)))
    return [f"{prefix}{i:0{digits}d}" for i in range(1, n + 1)]


def _text(values: FloatArray | IntArray, fmt: str, keep: BoolArray) -> list[str]:
    """Formatted numbers where ``keep`` holds, empty cells elsewhere."""
    return [fmt % v if k else "" for v, k in zip(values.tolist(), keep.tolist(), strict=True)]


def _flag(values: BoolArray) -> list[str]:
    """Booleans written out as true/false (the workplace flags are always filled in)."""
    return ["true" if v else "false" for v in values.tolist()]


# ---------------------------------------------------------------------------
# Geography


@dataclass(frozen=True)
class _Towns:
    postcode: TextArray
    lat: FloatArray
    lon: FloatArray
    start: IntArray  # per province (PROVINCES order): first town
    count: IntArray  # per province: number of towns


def _towns() -> _Towns:
    """Flemish postcodes grouped by province, sorted by postcode for stable order.

    A big city has several postcodes with one centre, so drawing postcodes
    uniformly within a province weights cities roughly by size.
    """
    centres = postcode_centres()
    postcode: list[str] = []
    lat: list[float] = []
    lon: list[float] = []
    start, count = [], []
    for province, _ in PROVINCES:
        rows = sorted((c for c in centres.values() if c.province == province),
                      key=lambda c: c.postcode)
        start.append(len(postcode))
        count.append(len(rows))
        postcode += [c.postcode for c in rows]
        lat += [c.lat for c in rows]
        lon += [c.lon for c in rows]
    return _Towns(np.asarray(postcode, dtype=object), np.asarray(lat), np.asarray(lon),
                  np.asarray(start, dtype=np.int64), np.asarray(count, dtype=np.int64))


@dataclass(frozen=True)
class _Layout:
    """Where each region's copy of Flanders lies, and at which scale (1.0: real size)."""

    scale: float
    centre: tuple[float, float]  # of Flanders' towns (lat, lon)
    region_centres: FloatArray  # (regions, 2): where each copy's centre goes

    def place(self, region: IntArray, lat: FloatArray,
              lon: FloatArray) -> tuple[FloatArray, FloatArray]:
        new_lat = self.region_centres[region, 0] + self.scale * (lat - self.centre[0])
        new_lon = self.region_centres[region, 1] + self.scale * (lon - self.centre[1])
        # The layout keeps every town and its jitter margin inside; the clip only
        # guards against a freak jitter beyond that margin.
        return np.clip(new_lat, *AREA_LAT), np.clip(new_lon, *AREA_LON)


def _layout(regions: int, towns: _Towns) -> _Layout:
    """Regions as a grid of rows and columns inside the contract's area, at the largest
    scale (a multiple of 0.05, at most 1) that fits them with their gaps."""
    lat_low, lat_high = float(towns.lat.min()), float(towns.lat.max())
    lon_low, lon_high = float(towns.lon.min()), float(towns.lon.max())
    mid_lat = (AREA_LAT[0] + AREA_LAT[1]) / 2
    cell_lat = lat_high - lat_low + 2 * REGION_MARGIN_DEG + REGION_GAP_KM / KM_PER_DEGREE
    cell_lon = (lon_high - lon_low + 2 * REGION_MARGIN_DEG
                + REGION_GAP_KM / (KM_PER_DEGREE * math.cos(math.radians(AREA_LAT[1]))))
    best = (0.0, 1)
    for columns in range(1, regions + 1):
        rows = math.ceil(regions / columns)
        fits = min((AREA_LAT[1] - AREA_LAT[0]) / (rows * cell_lat),
                   (AREA_LON[1] - AREA_LON[0]) / (columns * cell_lon))
        best = max(best, (fits, columns))
    scale = min(1.0, math.floor(best[0] * 20) / 20)
    columns = best[1]
    rows = math.ceil(regions / columns)
    region = np.arange(regions)
    row, column = region // columns, region % columns
    centres = np.column_stack([
        mid_lat + (row - (rows - 1) / 2) * cell_lat * scale,
        (AREA_LON[0] + AREA_LON[1]) / 2 + (column - (columns - 1) / 2) * cell_lon * scale,
    ])
    return _Layout(scale, ((lat_low + lat_high) / 2, (lon_low + lon_high) / 2), centres)


def travel_speed_kmh(students: int) -> float:
    """The policy's travel speed for a scenario of this size: scaled with its regions."""
    regions = math.ceil(students / STUDENTS_PER_REGION)
    return TRAVEL_SPEED_KMH * _layout(regions, _towns()).scale if regions > 1 else TRAVEL_SPEED_KMH


@dataclass(frozen=True)
class _Geography:
    """Where people live and work: towns around a few hubs per province.

    Real dual learning is regional: a student's programme is offered near home
    and the workplaces for it are within reach. A small scenario spread evenly
    over all of Flanders would leave most students with no recognised
    workplace within 45 minutes, whatever the ratio. So people are drawn
    around hubs (real towns, about one per 100 students, at least one per
    province), each hub with the towns within ``HUB_RADIUS_KM``. From about
    75,000 students on, every town is a hub and the spread is Flanders-wide.
    """

    towns: _Towns
    regions: int  # Flanders-shaped copies side by side (1 for a Flemish-sized scenario)
    layout: _Layout
    hub_start: IntArray  # per province: first hub
    hub_count: IntArray  # per province: number of hubs
    reach: IntArray  # towns near each hub, concatenated in hub order
    reach_start: IntArray  # per hub
    reach_count: IntArray  # per hub


def _geography(seed: int, students: int, towns: _Towns) -> _Geography:
    """Hubs depend on the seed and the number of students only, not on the ratio."""
    regions = math.ceil(students / STUDENTS_PER_REGION)
    wanted = math.ceil(students / regions / STUDENTS_PER_HUB)
    total = sum(w for _, w in PROVINCES)
    keys = _rng(seed, "hubs").random(len(towns.postcode))
    hubs: list[IntArray] = []
    for p, (_, weight) in enumerate(PROVINCES):
        start, count = int(towns.start[p]), int(towns.count[p])
        k = min(count, max(1, round(wanted * weight / total)))
        hubs.append(start + np.sort(np.argsort(keys[start:start + count], kind="stable")[:k]))
    hub = np.concatenate(hubs).astype(np.int64)
    hub_count = np.asarray([len(h) for h in hubs], dtype=np.int64)
    xyz = unit_sphere_xyz(towns.lat, towns.lon)
    near = cKDTree(xyz).query_ball_point(xyz[hub], chord_km(HUB_RADIUS_KM))
    reach = [np.sort(np.asarray(found, dtype=np.int64)) for found in near]
    reach_count = np.asarray([len(r) for r in reach], dtype=np.int64)
    return _Geography(
        towns=towns,
        regions=regions,
        layout=_layout(regions, towns),
        hub_start=np.cumsum(np.r_[0, hub_count[:-1]]).astype(np.int64),
        hub_count=hub_count,
        reach=np.concatenate(reach).astype(np.int64),
        reach_start=np.cumsum(np.r_[0, reach_count[:-1]]).astype(np.int64),
        reach_count=reach_count,
    )


@dataclass(frozen=True)
class _Places:
    lat: FloatArray  # where the row is, as the matcher will see it
    lon: FloatArray
    postcode: TextArray  # the town's postcode
    postcode_only: BoolArray  # the row gives its postcode instead of lat/lon

    def columns(self) -> dict[str, list[str]]:
        given = ~self.postcode_only
        return {
            "lat": _text(self.lat, "%.5f", given),
            "lon": _text(self.lon, "%.5f", given),
            "postcode": [p if k else "" for p, k in
                         zip(self.postcode.tolist(), self.postcode_only.tolist(), strict=True)],
        }


def _places(seed: int, table: str, n: int, geo: _Geography) -> _Places:
    """Province by population, a hub of it, a town near the hub, a jitter around
    the town centre; some rows give the postcode only."""
    u = _uniforms(seed, f"{table}.location", n, 4)
    towns = geo.towns
    province = _pick(u[:, 0], tuple(w for _, w in PROVINCES))
    hub = geo.hub_start[province] + _uniform_index(u[:, 1], geo.hub_count[province])
    town = geo.reach[geo.reach_start[hub] + _uniform_index(u[:, 2], geo.reach_count[hub])]
    postcode_only = u[:, 3] < SHARE_POSTCODE_ONLY
    offset = _rng(seed, f"{table}.jitter").normal(0.0, JITTER_KM, (n, 2))
    lat = towns.lat[town] + offset[:, 0] / KM_PER_DEGREE
    lon = towns.lon[town] + offset[:, 1] / (KM_PER_DEGREE * np.cos(np.radians(towns.lat[town])))
    # Keep the values as written (5 decimals), so travel computed here equals the matcher's.
    if geo.regions > 1:
        # No region is really Flanders any more: a postcode means nothing.
        region = _uniform_index(_uniforms(seed, f"{table}.region", n, 1)[:, 0],
                                np.full(n, geo.regions, dtype=np.int64))
        lat, lon = geo.layout.place(region, lat, lon)
        postcode_only[:] = False
    lat = np.where(postcode_only, towns.lat[town], _as_written(lat))
    lon = np.where(postcode_only, towns.lon[town], _as_written(lon))
    return _Places(lat, lon, towns.postcode[town], postcode_only)


def _as_written(values: FloatArray) -> FloatArray:
    """The floats a reader gets back from the 5-decimal text this module writes."""
    return np.asarray([f"{v:.5f}" for v in values.tolist()], dtype=np.float64)


# ---------------------------------------------------------------------------
# Programme tables


@dataclass(frozen=True)
class _Catalogue:
    """Flat arrays over SECTORS, so a draw per row becomes an index lookup."""

    sector_codes: TextArray
    sector_weights: FloatArray
    programme_codes: TextArray
    programme_start: IntArray  # per sector
    programme_count: IntArray  # per sector
    competences: TextArray  # (programmes, 6)
    prefixes: TextArray  # (sectors, 4)


def _catalogue() -> _Catalogue:
    programmes = [p for s in SECTORS for p in s.programmes]
    counts = [len(s.programmes) for s in SECTORS]
    return _Catalogue(
        sector_codes=np.asarray([s.code for s in SECTORS], dtype=object),
        sector_weights=np.asarray([s.weight for s in SECTORS]),
        programme_codes=np.asarray([p.code for p in programmes], dtype=object),
        programme_start=np.cumsum([0, *counts[:-1]]).astype(np.int64),
        programme_count=np.asarray(counts, dtype=np.int64),
        competences=np.asarray([list(p.competences) for p in programmes], dtype=object),
        prefixes=np.asarray([list(s.employer_prefixes) for s in SECTORS], dtype=object),
    )


def _programme_of(u: FloatArray, sector: IntArray, cat: _Catalogue) -> IntArray:
    """A programme of each row's sector; the first listed is the most common
    (weights 1, 1/2, 1/3, …), as a sector's flagship training has most learners."""
    harmonic = np.asarray([1.0 / (k + 1) for k in range(MAX_PROGRAMMES)])
    cumulative = np.cumsum(harmonic)
    total = cumulative[cat.programme_count[sector] - 1]
    rank = (u[:, None] * total[:, None] >= cumulative[None, :]).sum(axis=1, dtype=np.int64)
    chosen = cat.programme_start[sector] + np.minimum(rank, cat.programme_count[sector] - 1)
    return np.asarray(chosen, dtype=np.int64)


MAX_PROGRAMMES = max(len(s.programmes) for s in SECTORS)
COMPETENCES_PER_PROGRAMME = 6
assert all(len(p.competences) == COMPETENCES_PER_PROGRAMME for s in SECTORS for p in s.programmes)
assert all(len(s.employer_prefixes) == 4 for s in SECTORS)
assert abs(sum(s.weight for s in SECTORS) - 1.0) < 1e-9


# ---------------------------------------------------------------------------
# Students


@dataclass(frozen=True)
class _Students:
    frame: pd.DataFrame
    programme: IntArray
    duaal: BoolArray
    grade: IntArray
    needs_adjustment: BoolArray
    intensive: BoolArray
    limit: IntArray  # resolved travel limit in minutes
    places: _Places


def _students(settings: GeneratorSettings, cat: _Catalogue, geo: _Geography) -> _Students:
    n, seed = settings.students, settings.seed

    u = _uniforms(seed, "students.programme", n, 2)
    sector = _pick(u[:, 0], cat.sector_weights)
    programme = _programme_of(u[:, 1], sector, cat)

    # About a third in grade 2, of whom 80 % aanloop; 20 % of grade 3 gives 40 % overall.
    u = _uniforms(seed, "students.phase", n, 3)
    grade = np.where(u[:, 0] < 1 / 3, 2, 3).astype(np.int64)
    aanloop = u[:, 1] < np.where(grade == 2, 0.8, 0.2)
    ready_given = aanloop & (u[:, 2] < 0.25)  # empty elsewhere: the default applies

    # 0–3 wished sectors; most who wish put their own programme's sector first.
    u = _uniforms(seed, "students.wishes", n, 2)
    wish_count = _pick(u[:, 0], (0.2, 0.35, 0.3, 0.15))
    own_first = np.where(u[:, 1] < 0.8, sector, -1)
    order = _random_orders(_uniforms(seed, "students.wishes.order", n, len(SECTORS)),
                           np.full(n, len(SECTORS), dtype=np.int64), first=own_first)
    wishes = _join(cat.sector_codes[order[:, :3]], wish_count)

    gap_count = _pick(_uniforms(seed, "students.gaps", n, 1)[:, 0], (0.2, 0.25, 0.25, 0.2, 0.1))
    order = _random_orders(_uniforms(seed, "students.gaps.order", n, COMPETENCES_PER_PROGRAMME),
                           np.full(n, COMPETENCES_PER_PROGRAMME, dtype=np.int64))
    gaps = _join(cat.competences[programme[:, None], order[:, :4]], gap_count)

    u = _uniforms(seed, "students.adjustments", n, 3)
    needs = u[:, 0] < 0.10
    adjustment_count = np.where(needs, np.where(u[:, 1] < 0.8, 1, 2), 0).astype(np.int64)
    adjustments = _join(_weighted_adjustments(seed, "students.adjustments.order", n),
                        adjustment_count)
    intensive = u[:, 2] < 0.03

    places = _places(seed, "students", n, geo)

    limit_kind = _pick(_uniforms(seed, "students.travel", n, 1)[:, 0], (0.8, 0.1, 0.1))
    own_limit = np.asarray([0, 30, 60], dtype=np.int64)[limit_kind]
    limit = np.where(limit_kind == 0, DEFAULT_MAX_TRAVEL_MIN, own_limit).astype(np.int64)

    # Ages 15–16 in grade 2 and 16–20 in grade 3 on the reference date, as day
    # offsets between birth-date bounds, so the ages are exact.
    u = _uniforms(seed, "students.birth", n, 2)
    reference = np.datetime64(REFERENCE_DATE.isoformat(), "D")
    bounds = {2: ("2009-09-02", "2011-09-01"), 3: ("2005-09-02", "2010-03-01")}
    earliest = np.where(grade == 2, np.datetime64(bounds[2][0]), np.datetime64(bounds[3][0]))
    latest = np.where(grade == 2, np.datetime64(bounds[2][1]), np.datetime64(bounds[3][1]))
    span = (latest - earliest).astype(np.int64) + 1
    birth = earliest + _uniform_index(u[:, 0], span).astype("timedelta64[D]")
    birth_known = u[:, 1] >= 0.04
    birth_text = np.datetime_as_string(birth, unit="D").astype(object)
    assert (birth <= reference).all()

    u = _uniforms(seed, "students.dutch", n, 3)
    dutch = np.asarray(CEFR, dtype=object)[_pick(u[:, 0], DUTCH_WEIGHTS)]
    dutch_known = u[:, 1] >= 0.08
    priority_given = u[:, 2] < 0.01  # a coach's explicit protection, rare

    schools, coaches = _schools_and_coaches(seed, places, geo)

    frame = pd.DataFrame({
        "student_id": _ids("S", n),
        "school_id": schools,
        "coach_id": coaches,
        "programme": cat.programme_codes[programme],
        "phase": np.where(aanloop, "aanloop", "duaal").astype(object),
        "grade": grade.astype(str).astype(object),
        "contract_ready": np.where(ready_given, "true", "").astype(object),
        "sector_wishes": wishes,
        "competence_gaps": gaps,
        "adjustments": adjustments,
        **places.columns(),
        "max_travel_min": _text(own_limit, "%d", limit_kind > 0),
        "birth_date": np.where(birth_known, birth_text, ""),
        "dutch_level": np.where(dutch_known, dutch, ""),
        "intensive_support": np.where(intensive, "true", "").astype(object),
        "priority": np.where(priority_given, "1", "").astype(object),
    }, dtype=object)
    return _Students(frame, programme, ~aanloop, grade, needs, intensive, limit, places)


def _schools_and_coaches(seed: int, places: _Places,
                         geo: _Geography) -> tuple[list[str], list[str]]:
    """Schools (about 75 students each) in real towns; most students attend the
    nearest, some the second nearest; one coach per 15 students of a school."""
    n = len(places.lat)
    n_schools = max(1, math.ceil(n / 75))
    sites = _places(seed, "schools", n_schools, geo)
    tree = cKDTree(unit_sphere_xyz(sites.lat, sites.lon))
    k = min(2, n_schools)
    _, nearest = tree.query(unit_sphere_xyz(places.lat, places.lon), k=k)
    nearest = np.asarray(nearest, dtype=np.int64).reshape(n, k)
    u = _uniforms(seed, "students.school", n, 2)
    second = (u[:, 0] < 0.3) & (k > 1)
    school = np.where(second, nearest[:, k - 1], nearest[:, 0])
    per_school = np.bincount(school, minlength=n_schools)
    coaches_per_school = np.maximum(1, np.ceil(per_school / 15).astype(np.int64))
    coach_start = np.cumsum(np.r_[0, coaches_per_school[:-1]]).astype(np.int64)
    coach = coach_start[school] + _uniform_index(u[:, 1], coaches_per_school[school])
    school_ids = np.asarray(_ids("SCH", n_schools, 3), dtype=object)
    coach_ids = np.asarray(_ids("C", int(coaches_per_school.sum()), 4), dtype=object)
    return list(school_ids[school]), list(coach_ids[coach])


# ---------------------------------------------------------------------------
# Workplaces and mentors


@dataclass(frozen=True)
class _Workplaces:
    frame: pd.DataFrame
    programmes: IntArray  # (n, 3) programme indices, -1 padded
    usable_for_pin: BoolArray  # contract, valid recognition, no age or Dutch minimum
    places: _Places


def _workplaces(settings: GeneratorSettings, cat: _Catalogue, geo: _Geography) -> _Workplaces:
    n, seed = settings.workplaces, settings.seed

    # The first recognised programme follows the students' programme mix; others
    # of the same sector are added at random.
    u = _uniforms(seed, "workplaces.programmes", n, 3)
    sector = _pick(u[:, 0], cat.sector_weights)
    main = _programme_of(u[:, 1], sector, cat) - cat.programme_start[sector]
    count = np.minimum(_pick(u[:, 2], (0.5, 0.35, 0.15)) + 1, cat.programme_count[sector])
    order = _random_orders(_uniforms(seed, "workplaces.programmes.order", n, MAX_PROGRAMMES),
                           cat.programme_count[sector], first=main)[:, :3]
    programmes = np.where(np.arange(3)[None, :] < count[:, None],
                          cat.programme_start[sector][:, None] + order, -1).astype(np.int64)
    recognised = _join(cat.programme_codes[np.maximum(programmes, 0)], count)

    u = _uniforms(seed, "workplaces.employer", n, 2)
    prefix = cat.prefixes[sector, (u[:, 0] * cat.prefixes.shape[1]).astype(np.int64)]
    surname = np.asarray(SURNAMES, dtype=object)[(u[:, 1] * len(SURNAMES)).astype(np.int64)]
    employer = prefix + " " + surname

    # ~5 % expired (in the year before the reference date), ~45 % open-ended,
    # the rest valid for one to five more years.
    u = _uniforms(seed, "workplaces.recognition", n, 2)
    kind = _pick(u[:, 0], (0.05, 0.45, 0.50))
    reference = np.datetime64(REFERENCE_DATE.isoformat(), "D")
    offset = np.where(kind == 0, -1 - (u[:, 1] * 365).astype(np.int64),
                      (u[:, 1] * 5 * 365).astype(np.int64))
    until = np.datetime_as_string(reference + offset.astype("timedelta64[D]"), unit="D")
    until_text = np.where(kind == 1, "", until.astype(object))

    u = _uniforms(seed, "workplaces.offer", n, 4)
    seats = (_pick(u[:, 0], (0.6, 0.3, 0.1)) + 1).astype(np.int64)
    guided = u[:, 1] < 0.4
    contract = ~guided | (u[:, 2] >= 0.3)  # some guided-only places, never neither
    grade2 = u[:, 3] < 0.7

    u = _uniforms(seed, "workplaces.adjustments", n, 2)
    offered_count = np.where(u[:, 0] < 0.2, _pick(u[:, 1], (0.5, 0.3, 0.2)) + 1,
                             0).astype(np.int64)
    offered = _join(_weighted_adjustments(seed, "workplaces.adjustments.order", n),
                    offered_count)

    competence_count = (_pick(_uniforms(seed, "workplaces.competences", n, 1)[:, 0],
                              (0.25, 0.25, 0.25, 0.25)) + 2).astype(np.int64)
    order = _random_orders(
        _uniforms(seed, "workplaces.competences.order", n, COMPETENCES_PER_PROGRAMME),
        np.full(n, COMPETENCES_PER_PROGRAMME, dtype=np.int64))
    competences = _join(cat.competences[programmes[:, :1], order[:, :5]], competence_count)

    places = _places(seed, "workplaces", n, geo)

    u = _uniforms(seed, "workplaces.requirements", n, 3)
    min_age = u[:, 0] < 0.05
    dutch_set = u[:, 1] < 0.10
    dutch = np.asarray(CEFR, dtype=object)[_pick(u[:, 2], (0, 0.3, 0.5, 0.2))]

    frame = pd.DataFrame({
        "workplace_id": _ids("W", n),
        "employer": employer,
        "sector": cat.sector_codes[sector],
        "recognised_programmes": recognised,
        "recognised_until": until_text,
        "seats": seats.astype(str).astype(object),
        "offers_contract": _flag(contract),
        "offers_guided": _flag(guided),
        "accepts_grade2": _flag(grade2),
        "adjustments_offered": offered,
        "competences_offered": competences,
        **places.columns(),
        "min_age": np.where(min_age, "18", "").astype(object),
        "min_dutch_level": np.where(dutch_set, dutch, ""),
    }, dtype=object)
    usable = contract & (kind != 0) & ~min_age & ~dutch_set
    return _Workplaces(frame, programmes, usable, places)


@dataclass(frozen=True)
class _Mentors:
    frame: pd.DataFrame
    workplace: IntArray  # per mentor, index of the workplace
    room: IntArray  # per mentor, capacity − current load under the generated policy


def _mentors(settings: GeneratorSettings, sectors: TextArray) -> _Mentors:
    """1–2 mentors per workplace (about 3 % have none); mostly the policy's capacity."""
    n, seed = len(sectors), settings.seed
    per_workplace = _pick(_uniforms(seed, "mentors", n, 1)[:, 0], (0.03, 0.67, 0.30))
    workplace = np.repeat(np.arange(n, dtype=np.int64), per_workplace)
    m = len(workplace)
    u = _uniforms(seed, "mentors.capacity", m, 3)
    capacity_given = u[:, 0] >= 0.7
    capacity = (_pick(u[:, 1], (0.3, 0.5, 0.2)) + 1).astype(np.int64)
    load = (u[:, 2] < 0.15).astype(np.int64)
    default = np.where(sectors[workplace] == "zorg", 1, 2)
    room = np.maximum(np.where(capacity_given, capacity, default) - load, 0).astype(np.int64)
    frame = pd.DataFrame({
        "mentor_id": _ids("M", m),
        "workplace_id": np.asarray(_ids("W", n), dtype=object)[workplace],
        "capacity": _text(capacity, "%d", capacity_given),
        "current_load": np.where(load > 0, "1", "").astype(object),
    }, dtype=object)
    return _Mentors(frame, workplace, room)


# ---------------------------------------------------------------------------
# Existing placements, exclusions and measured travel times


def _minutes(lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray,
             speed_kmh: float) -> IntArray:
    km = haversine_km(lat1, lon1, lat2, lon2)
    return estimated_minutes(km, DETOUR_FACTOR, speed_kmh)


def _by_programme(programmes: IntArray, n_programmes: int) -> list[IntArray]:
    """Per programme, the workplaces recognised for it (any position), in order."""
    rows, cols = np.nonzero(programmes >= 0)
    keys = programmes[rows, cols]
    order = np.lexsort((rows, keys))
    bounds = np.searchsorted(keys[order], np.arange(n_programmes + 1))
    return [rows[order][bounds[p]:bounds[p + 1]].astype(np.int64) for p in range(n_programmes)]


def _nearest(st: _Students, wp: _Workplaces, students: IntArray, recognised_at: list[IntArray],
             k: int, allowed: BoolArray) -> IntArray:
    """For each of ``students``, the ``k`` nearest allowed workplaces recognised for
    their programme, nearest first (``-1`` where there are fewer)."""
    found = np.full((len(students), k), -1, dtype=np.int64)
    for programme, places in enumerate(recognised_at):
        rows = np.flatnonzero(st.programme[students] == programme)
        places = places[allowed[places]]
        if not len(rows) or not len(places):
            continue
        take = min(k, len(places))
        tree = cKDTree(unit_sphere_xyz(wp.places.lat[places], wp.places.lon[places]))
        who = students[rows]
        _, near = tree.query(unit_sphere_xyz(st.places.lat[who], st.places.lon[who]), k=take)
        found[rows, :take] = places[np.asarray(near, dtype=np.int64).reshape(len(rows), take)]
    return found


def _extras(settings: GeneratorSettings, st: _Students, wp: _Workplaces, me: _Mentors,
            n_programmes: int) -> dict[str, pd.DataFrame]:
    """Small placements, exclusions and travel_times tables.

    Existing placements are built to keep every hard rule and capacity (they
    model students already placed last year), so a generated scenario has no
    conflicts; the demo scenario shows conflicts. Exclusions and measured times
    concern nearby workplaces (where they change the outcome) and other
    students, so no pair is both pinned and excluded or measured.
    """
    seed, n = settings.seed, settings.students
    n_workplaces = len(wp.frame)
    recognised_at = _by_programme(wp.programmes, n_programmes)
    mentor_ids = np.asarray(me.frame["mentor_id"].tolist(), dtype=object)
    workplace_ids = np.asarray(wp.frame["workplace_id"].tolist(), dtype=object)
    student_ids = np.asarray(st.frame["student_id"].tolist(), dtype=object)
    workplace_room = np.bincount(me.workplace, weights=me.room, minlength=n_workplaces)
    first_mentor = np.full(n_workplaces, -1, dtype=np.int64)
    with_mentor, first = np.unique(me.workplace, return_index=True)
    first_mentor[with_mentor] = first

    # Placements: about 1 % of students, duaal grade 3 without special needs,
    # each at the nearest free workplace recognised for their programme.
    u = _uniforms(seed, "placements", n, 2)
    chosen = np.flatnonzero((u[:, 0] < 0.02) & st.duaal & (st.grade == 3)
                            & ~st.needs_adjustment & ~st.intensive)
    name_mentor = u[:, 1] < 0.5
    usable = wp.usable_for_pin & (workplace_room >= 1)
    options = _nearest(st, wp, chosen, recognised_at, 5, usable)
    speed = travel_speed_kmh(n)
    minutes = _minutes(np.repeat(st.places.lat[chosen], 5), np.repeat(st.places.lon[chosen], 5),
                       wp.places.lat[options.ravel()], wp.places.lon[options.ravel()], speed)
    reachable = (options >= 0) & (minutes.reshape(-1, 5) <= st.limit[chosen][:, None])
    taken = np.zeros(n_workplaces, dtype=bool)
    pinned = np.zeros(n, dtype=bool)
    pinned_rows: list[tuple[str, str, str]] = []
    for row, student in enumerate(chosen.tolist()):  # ~1 % of students; first come first served
        free = [int(w) for w, ok in zip(options[row], reachable[row], strict=True)
                if ok and not taken[w]]
        if not free:
            continue
        w = free[0]
        taken[w] = pinned[student] = True
        mentor = int(first_mentor[w])
        named = bool(name_mentor[student]) and me.room[mentor] >= 1
        pinned_rows.append((str(student_ids[student]), str(workplace_ids[w]),
                            str(mentor_ids[mentor]) if named else ""))

    everywhere = np.ones(n_workplaces, dtype=bool)

    def one_nearby(stream: str, share: float, exclude: BoolArray) -> tuple[IntArray, IntArray]:
        """Some students, each with one of the three nearest workplaces of their programme."""
        u = _uniforms(seed, stream, n, 2)
        who = np.flatnonzero((u[:, 0] < share) & ~exclude)
        pick = (u[who, 1] * 3).astype(np.int64)
        near = _nearest(st, wp, who, recognised_at, 3, everywhere)
        workplace = near[np.arange(len(who)), pick]
        workplace = np.where(workplace >= 0, workplace, near[:, 0])
        keep = workplace >= 0
        return who[keep], workplace[keep]

    ex_s, ex_w = one_nearby("exclusions", 0.01, pinned)
    reasons = np.asarray(EXCLUSION_REASONS, dtype=object)[
        _uniform_index(_uniforms(seed, "exclusions.reason", n, 1)[ex_s, 0],
                       np.full(len(ex_s), len(EXCLUSION_REASONS), dtype=np.int64))]
    excluded = np.zeros(n, dtype=bool)
    excluded[ex_s] = True
    tt_s, tt_w = one_nearby("travel_times", 0.01, pinned | excluded)
    # Measured times scatter around the estimate: some pairs become reachable, others not.
    estimate = _minutes(st.places.lat[tt_s], st.places.lon[tt_s],
                        wp.places.lat[tt_w], wp.places.lon[tt_w], speed)
    factor = 0.6 + 0.8 * _uniforms(seed, "travel_times.factor", n, 1)[tt_s, 0]
    measured = np.maximum(1, np.round(estimate * factor)).astype(np.int64)

    return {
        "placements": pd.DataFrame(pinned_rows, columns=["student_id", "workplace_id",
                                                         "mentor_id"], dtype=object),
        "exclusions": pd.DataFrame({"student_id": student_ids[ex_s],
                                    "workplace_id": workplace_ids[ex_w],
                                    "reason": reasons}, dtype=object),
        "travel_times": pd.DataFrame({"student_id": student_ids[tt_s],
                                      "workplace_id": workplace_ids[tt_w],
                                      "minutes": measured.astype(str).astype(object)},
                                     dtype=object),
    }


# ---------------------------------------------------------------------------
# Public API


TABLE_ORDER = ("students", "workplaces", "mentors", "placements", "exclusions", "travel_times")


def generate_tables(settings: GeneratorSettings) -> dict[str, pd.DataFrame]:
    """All tables of a scenario as frames of text cells, named as in the contract.

    Optional tables (placements, exclusions, travel_times) are included only
    when they have rows.
    """
    cat = _catalogue()
    geo = _geography(settings.seed, settings.students, _towns())
    students = _students(settings, cat, geo)
    workplaces = _workplaces(settings, cat, geo)
    mentors = _mentors(settings, np.asarray(workplaces.frame["sector"].tolist(), dtype=object))
    tables = {"students": students.frame, "workplaces": workplaces.frame,
              "mentors": mentors.frame}
    extras = _extras(settings, students, workplaces, mentors, len(cat.programme_codes))
    tables.update({name: frame for name, frame in extras.items() if len(frame)})
    return tables


def scenario_yaml(settings: GeneratorSettings, tables: list[str]) -> str:
    """The scenario.yaml text: fixed key order, no timestamps, so output is stable."""
    return scenario_yaml_text(settings.name, REFERENCE_DATE, tables,
                              travel_speed_kmh(settings.students))


def scenario_yaml_text(name: str, reference_date: dt.date, tables: list[str],
                       speed_kmh: float = TRAVEL_SPEED_KMH) -> str:
    """scenario.yaml with the generator's policy and weights (also used by calibrate)."""
    lines = [
        "format_version: 1",
        f"name: {json.dumps(name, ensure_ascii=False)}",
        f"reference_date: {reference_date.isoformat()}",
        "tables:",
        *(f"  {table}: {table}.csv" for table in tables),
        "policy:",
        f"  objective: {DEFAULT_POLICY.objective}",
        f"  default_max_travel_min: {DEFAULT_MAX_TRAVEL_MIN}",
        f"  travel_speed_kmh: {speed_kmh:g}",
        f"  detour_factor: {DETOUR_FACTOR:g}",
        f"  mentor_capacity: {{default: {DEFAULT_POLICY.mentor_capacity.default}, "
        f"zorg: {CARE_MENTOR_CAPACITY}}}",
        f"  max_intensive_per_mentor: {DEFAULT_POLICY.max_intensive_per_mentor}",
        "weights:",
        *(f"  {name}: {value}" for name, value in DEFAULT_WEIGHTS.model_dump().items()),
    ]
    return "\n".join(lines) + "\n"


def write_scenario(settings: GeneratorSettings, out_dir: Path) -> Path:
    """Write scenario.yaml and one CSV per table into ``out_dir`` (created if missing).

    CSV files that this scenario does not use are removed, so regenerating into
    an existing folder never leaves a stale optional table behind.
    """
    out_dir = Path(out_dir)
    tables = generate_tables(settings)
    out_dir.mkdir(parents=True, exist_ok=True)
    names = [name for name in TABLE_ORDER if name in tables]
    for name in TABLE_ORDER:
        path = out_dir / f"{name}.csv"
        if name in tables:
            tables[name].to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        elif path.exists():
            path.unlink()
    (out_dir / "scenario.yaml").write_text(scenario_yaml(settings, names), encoding="utf-8")
    return out_dir
