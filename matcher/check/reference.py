"""A deliberately plain reference of the hard rules and the cost (contract v1).

Written straight from docs/scenario-format.md — "Rules the plan must keep",
"Travel" and "Cost of one assignment" — for one student–workplace pair at a
time, on plain rows: code strings in sets, dates as dates, ``None`` for what is
unknown. It uses nothing of the vectorised rules, costs, travel estimate or
candidate search (``matcher.rules``, ``matcher.cost``, ``matcher.candidates``;
of ``matcher.travel`` only the shipped postcode table, to read a document) and
decodes the scenario's arrays and bitmasks itself, so a mistake there shows up
as a disagreement instead of being shared. Slow by design: the plan checker
uses it on the assigned and unmatched students only, and property tests compare
it pair by pair with the vectorised rules.

Two ways in: :func:`from_scenario` reads a loaded (possibly edited) scenario,
whose defaults the loader has resolved; :func:`from_document` reads a
scenario document with inline tables and applies the contract's defaults
itself, so the tests can judge the loader's defaults too.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from matcher.io.parse import TRUE_WORDS
from models.config import ScenarioConfig
from models.scenario import LANGUAGE_SUPPORT, NO_DATE, UNKNOWN, Scenario
from models.tables import CEFR_LEVELS

EARTH_RADIUS_KM = 6371.0
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class StudentRow:
    student_id: str
    programme: str
    phase: str  # "aanloop" or "duaal"
    grade: int
    contract_ready: bool
    sector_wishes: tuple[str, ...]  # most wanted first
    competence_gaps: frozenset[str]
    adjustments: frozenset[str]
    lat: float
    lon: float
    max_travel_min: int
    age: int | None  # whole years on the reference date; None without a birth date
    dutch_level: str | None  # a CEFR level, None when unknown
    intensive_support: bool
    priority: int


@dataclass(frozen=True)
class WorkplaceRow:
    workplace_id: str
    sector: str
    recognised_programmes: frozenset[str]
    recognised_until: dt.date | None
    seats: int
    offers_contract: bool
    offers_guided: bool
    accepts_grade2: bool
    adjustments_offered: frozenset[str]
    competences_offered: frozenset[str]
    lat: float
    lon: float
    min_age: int | None
    min_dutch_level: str | None


@dataclass(frozen=True)
class MentorRow:
    mentor_id: str
    workplace_id: str
    capacity: int
    current_load: int

    @property
    def room(self) -> int:
        """Students this mentor may take in this plan: ``capacity − current_load``."""
        return max(self.capacity - self.current_load, 0)


@dataclass(frozen=True)
class ReferenceScenario:
    reference_date: dt.date
    travel_speed_kmh: float
    detour_factor: float
    max_intensive_per_mentor: int
    weights: dict[str, int]  # wish, competence, travel
    students: dict[str, StudentRow]  # by id, in table order
    workplaces: dict[str, WorkplaceRow]
    mentors: dict[str, MentorRow]
    exclusions: frozenset[tuple[str, str]]  # (student_id, workplace_id)
    travel_times: dict[tuple[str, str], int]  # measured minutes
    pinned: dict[str, tuple[str, str | None]]  # student_id: (workplace_id, mentor_id or None)


# --- the rules: True where the student may go to the workplace ---------------------------

PairRule = Callable[[ReferenceScenario, StudentRow, WorkplaceRow], bool]


def recognised_for_programme(sc: ReferenceScenario, s: StudentRow, w: WorkplaceRow) -> bool:
    return s.programme in w.recognised_programmes and (
        w.recognised_until is None or w.recognised_until >= sc.reference_date)


def placement_type(sc: ReferenceScenario, s: StudentRow, w: WorkplaceRow) -> bool:
    if s.phase == "duaal":
        return w.offers_contract
    if s.contract_ready:
        return w.offers_contract or w.offers_guided
    return w.offers_guided


def grade(sc: ReferenceScenario, s: StudentRow, w: WorkplaceRow) -> bool:
    return s.grade != 2 or w.accepts_grade2


def adjustments(sc: ReferenceScenario, s: StudentRow, w: WorkplaceRow) -> bool:
    return s.adjustments <= w.adjustments_offered  # every code needed is offered


def travel(sc: ReferenceScenario, s: StudentRow, w: WorkplaceRow) -> bool:
    return travel_minutes(sc, s, w) <= s.max_travel_min


def dutch_level(sc: ReferenceScenario, s: StudentRow, w: WorkplaceRow) -> bool:
    if w.min_dutch_level is None or LANGUAGE_SUPPORT in w.adjustments_offered:
        return True
    if s.dutch_level is None:  # an unknown level fails a set minimum
        return False
    return CEFR_LEVELS.index(s.dutch_level) >= CEFR_LEVELS.index(w.min_dutch_level)


def min_age(sc: ReferenceScenario, s: StudentRow, w: WorkplaceRow) -> bool:
    if w.min_age is None:
        return True
    return s.age is not None and s.age >= w.min_age  # an unknown birth date fails


def excluded(sc: ReferenceScenario, s: StudentRow, w: WorkplaceRow) -> bool:
    return (s.student_id, w.workplace_id) not in sc.exclusions


# In the contract's order; the names are the contract's rule codes.
RULES: dict[str, PairRule] = {
    "recognised_for_programme": recognised_for_programme,
    "placement_type": placement_type,
    "grade": grade,
    "adjustments": adjustments,
    "travel": travel,
    "dutch_level": dutch_level,
    "min_age": min_age,
    "excluded": excluded,
}


# What each rule reads of the student, for the rules that read no more than a few
# fields of its profile: every rule but travel (the location, the limit, measured
# times) and excluded (the student's own rows). Students alike in these fields get
# the same verdict at every workplace.
PROFILE_FIELDS: dict[str, tuple[str, ...]] = {
    "recognised_for_programme": ("programme",),
    "placement_type": ("phase", "contract_ready"),
    "grade": ("grade",),
    "adjustments": ("adjustments",),
    "dutch_level": ("dutch_level",),
    "min_age": ("age",),
}


def broken_rules(sc: ReferenceScenario, s: StudentRow, w: WorkplaceRow) -> list[str]:
    """The names of the rules this pair breaks, in the contract's order."""
    return [name for name, rule in RULES.items() if not rule(sc, s, w)]


# --- travel and cost -----------------------------------------------------------------------

def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = p2 - p1, math.radians(lon2) - math.radians(lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


def travel_minutes(sc: ReferenceScenario, s: StudentRow, w: WorkplaceRow) -> int:
    """Measured minutes as given; otherwise the contract's estimate."""
    measured = sc.travel_times.get((s.student_id, w.workplace_id))
    if measured is not None:
        return measured
    return estimated_minutes(sc, s, w)


def estimated_minutes(sc: ReferenceScenario, s: StudentRow, w: WorkplaceRow) -> int:
    """The contract's estimate: great-circle distance, detour factor, speed."""
    km = haversine_km(s.lat, s.lon, w.lat, w.lon)
    return math.ceil(km * sc.detour_factor / sc.travel_speed_kmh * 60.0)


def cost_breakdown(sc: ReferenceScenario, s: StudentRow, w: WorkplaceRow) -> dict[str, int]:
    """``{wish, competence, travel}``; the cost is their sum."""
    wishes = s.sector_wishes  # not among them: len(wishes), which is 0 without wishes
    rank = wishes.index(w.sector) if w.sector in wishes else len(wishes)
    uncovered = sum(1 for gap in s.competence_gaps if gap not in w.competences_offered)
    return {"wish": sc.weights["wish"] * rank,
            "competence": sc.weights["competence"] * uncovered,
            "travel": sc.weights["travel"] * travel_minutes(sc, s, w)}


# --- reading a loaded scenario --------------------------------------------------------------

def _ints(values: Iterable[Any]) -> list[int]:
    return [int(v) for v in values]


def _codes(mask_words: Iterable[Any], vocabulary: tuple[str, ...]) -> frozenset[str]:
    """Decode one row of a bitmask: code ``i`` is bit ``i % 64`` of word ``i // 64``."""
    words = [int(word) for word in mask_words]
    return frozenset(code for i, code in enumerate(vocabulary)
                     if (words[i // 64] >> (i % 64)) & 1)


def _date(days: int) -> dt.date | None:
    return None if days == NO_DATE else EPOCH + dt.timedelta(days=days)


def _level(rank: int) -> str | None:
    return CEFR_LEVELS[rank - 1] if rank > 0 else None


def _known(value: int) -> int | None:
    return None if value == UNKNOWN else value


def from_scenario(scenario: Scenario) -> ReferenceScenario:
    """Plain rows of a loaded scenario, decoded from its arrays one row at a time."""
    config = scenario.config
    s, w, m, p = scenario.students, scenario.workplaces, scenario.mentors, scenario.pinned
    programmes, sectors = scenario.programmes.codes, scenario.sectors.codes
    competences, needs = scenario.competences.codes, scenario.adjustments.codes
    student_ids = [str(x) for x in s.ids]
    workplace_ids = [str(x) for x in w.ids]
    mentor_ids = [str(x) for x in m.ids]
    n_workplaces = len(workplace_ids)
    n_programmes = max(len(programmes), 1)
    recognised: list[set[str]] = [set() for _ in workplace_ids]
    for key in _ints(w.recognised):
        workplace, programme = divmod(key, n_programmes)
        recognised[workplace].add(programmes[programme])

    students = {
        student_ids[i]: StudentRow(
            student_id=student_ids[i],
            programme=programmes[int(s.programme[i])],
            phase="duaal" if s.duaal[i] else "aanloop",
            grade=int(s.grade[i]),
            contract_ready=bool(s.contract_ready[i]),
            sector_wishes=tuple(sectors[int(x)] for x in s.wishes[i][: int(s.wish_count[i])]),
            competence_gaps=_codes(s.gaps[i], competences),
            adjustments=_codes(s.adjustments[i], needs),
            lat=float(s.lat[i]),
            lon=float(s.lon[i]),
            max_travel_min=int(s.max_travel_min[i]),
            age=_known(int(s.age[i])),
            dutch_level=_level(int(s.dutch_level[i])),
            intensive_support=bool(s.intensive[i]),
            priority=int(s.priority[i]),
        )
        for i in range(len(student_ids))
    }
    workplaces = {
        workplace_ids[j]: WorkplaceRow(
            workplace_id=workplace_ids[j],
            sector=sectors[int(w.sector[j])],
            recognised_programmes=frozenset(recognised[j]),
            recognised_until=_date(int(w.recognised_until[j])),
            seats=int(w.seats[j]),
            offers_contract=bool(w.offers_contract[j]),
            offers_guided=bool(w.offers_guided[j]),
            accepts_grade2=bool(w.accepts_grade2[j]),
            adjustments_offered=_codes(w.adjustments[j], needs),
            competences_offered=_codes(w.competences[j], competences),
            lat=float(w.lat[j]),
            lon=float(w.lon[j]),
            min_age=_known(int(w.min_age[j])),
            min_dutch_level=_level(int(w.min_dutch_level[j])),
        )
        for j in range(n_workplaces)
    }
    mentors = {
        mentor_ids[k]: MentorRow(mentor_ids[k], workplace_ids[int(m.workplace[k])],
                                 int(m.capacity[k]), int(m.current_load[k]))
        for k in range(len(mentor_ids))
    }

    def pair(key: int) -> tuple[str, str]:
        student, workplace = divmod(key, n_workplaces)
        return student_ids[student], workplace_ids[workplace]

    return ReferenceScenario(
        reference_date=config.reference_date,
        travel_speed_kmh=config.policy.travel_speed_kmh,
        detour_factor=config.policy.detour_factor,
        max_intensive_per_mentor=config.policy.max_intensive_per_mentor,
        weights={"wish": config.weights.wish, "competence": config.weights.competence,
                 "travel": config.weights.travel},
        students=students,
        workplaces=workplaces,
        mentors=mentors,
        exclusions=frozenset(pair(key) for key in _ints(scenario.exclusions)),
        travel_times={pair(key): int(minutes) for key, minutes
                      in zip(_ints(scenario.travel_keys), scenario.travel_minutes, strict=True)},
        pinned={student_ids[int(st)]: (workplace_ids[int(wp)],
                                       mentor_ids[int(me)] if me >= 0 else None)
                for st, wp, me in zip(p.student, p.workplace, p.mentor, strict=True)},
    )


# --- reading a scenario document, with the contract's defaults -------------------------------

def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _list(value: Any) -> tuple[str, ...]:
    """``;``-separated; spaces trimmed; a repeated value counts once, first position kept."""
    codes: list[str] = []
    for part in _text(value).split(";"):
        if part.strip() and part.strip() not in codes:
            codes.append(part.strip())
    return tuple(codes)


def _bool(value: Any, default: bool) -> bool:
    text = _text(value).lower()
    return default if text == "" else text in TRUE_WORDS


def _int(value: Any) -> int | None:
    text = _text(value)
    return int(float(text)) if text else None


def _cefr(value: Any) -> str | None:
    return _text(value).upper() or None


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years on ``day``; a birthday on that day counts as reached."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _location(row: dict[str, Any]) -> tuple[float, float]:
    if _text(row.get("lat")):
        return float(row["lat"]), float(row["lon"])
    from matcher.travel import postcode_centres  # shipped data only, not the estimate

    centre = postcode_centres()[_text(row.get("postcode"))]
    return centre.lat, centre.lon


def from_document(document: dict[str, Any]) -> ReferenceScenario:
    """Plain rows of a valid scenario document with inline tables (records), applying
    the contract's defaults; for tests that judge the loader as well as the rules."""
    config = ScenarioConfig.model_validate(document)
    policy, weights = config.policy, config.weights
    reference = config.reference_date
    tables: dict[str, list[dict[str, Any]]] = config.tables
    students: dict[str, StudentRow] = {}
    for row in tables["students"]:
        phase = _text(row["phase"])
        needs = frozenset(_list(row.get("adjustments")))
        intensive = _bool(row.get("intensive_support"), False)
        birth = _text(row.get("birth_date"))
        lat, lon = _location(row)
        travel_limit = _int(row.get("max_travel_min"))
        priority = _int(row.get("priority"))
        default_priority = 1 if needs or intensive else 2 if phase == "aanloop" else 3
        students[_text(row["student_id"])] = StudentRow(
            student_id=_text(row["student_id"]),
            programme=_text(row["programme"]),
            phase=phase,
            grade=int(_text(row["grade"])),
            contract_ready=_bool(row.get("contract_ready"), phase == "duaal"),
            sector_wishes=_list(row.get("sector_wishes")),
            competence_gaps=frozenset(_list(row.get("competence_gaps"))),
            adjustments=needs,
            lat=lat,
            lon=lon,
            max_travel_min=(policy.default_max_travel_min if travel_limit is None
                            else travel_limit),
            age=age_on(dt.date.fromisoformat(birth), reference) if birth else None,
            dutch_level=_cefr(row.get("dutch_level")),
            intensive_support=intensive,
            priority=default_priority if priority is None else priority,
        )
    workplaces: dict[str, WorkplaceRow] = {}
    for row in tables["workplaces"]:
        until = _text(row.get("recognised_until"))
        lat, lon = _location(row)
        workplaces[_text(row["workplace_id"])] = WorkplaceRow(
            workplace_id=_text(row["workplace_id"]),
            sector=_text(row["sector"]),
            recognised_programmes=frozenset(_list(row["recognised_programmes"])),
            recognised_until=dt.date.fromisoformat(until) if until else None,
            seats=int(_text(row["seats"])),
            offers_contract=_bool(row.get("offers_contract"), True),
            offers_guided=_bool(row.get("offers_guided"), False),
            accepts_grade2=_bool(row.get("accepts_grade2"), True),
            adjustments_offered=frozenset(_list(row.get("adjustments_offered"))),
            competences_offered=frozenset(_list(row.get("competences_offered"))),
            lat=lat,
            lon=lon,
            min_age=_int(row.get("min_age")),
            min_dutch_level=_cefr(row.get("min_dutch_level")),
        )
    sector_capacity = policy.mentor_capacity.model_extra or {}
    mentors: dict[str, MentorRow] = {}
    for row in tables["mentors"]:
        workplace_id = _text(row["workplace_id"])
        capacity = _int(row.get("capacity"))
        if capacity is None:
            sector = workplaces[workplace_id].sector
            capacity = int(sector_capacity.get(sector, policy.mentor_capacity.default))
        mentors[_text(row["mentor_id"])] = MentorRow(
            _text(row["mentor_id"]), workplace_id, capacity, _int(row.get("current_load")) or 0)
    return ReferenceScenario(
        reference_date=reference,
        travel_speed_kmh=policy.travel_speed_kmh,
        detour_factor=policy.detour_factor,
        max_intensive_per_mentor=policy.max_intensive_per_mentor,
        weights={"wish": weights.wish, "competence": weights.competence,
                 "travel": weights.travel},
        students=students,
        workplaces=workplaces,
        mentors=mentors,
        exclusions=frozenset((_text(r["student_id"]), _text(r["workplace_id"]))
                             for r in tables.get("exclusions", [])),
        travel_times={(_text(r["student_id"]), _text(r["workplace_id"])): int(_text(r["minutes"]))
                      for r in tables.get("travel_times", [])},
        pinned={_text(r["student_id"]): (_text(r["workplace_id"]),
                                         _text(r.get("mentor_id")) or None)
                for r in tables.get("placements", [])},
    )
