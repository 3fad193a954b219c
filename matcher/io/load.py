"""Load a scenario (folder, scenario.yaml, one document with inline tables, or a workbook).

The readers (``matcher.io.read``) turn the files into a settings document and
tables as frames; this module validates and encodes what they read and reads no
file itself. Every problem in every file is collected before anything is rejected, so a
consultant fixes all mistakes in one pass.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from matcher.io.errors import Problem, ScenarioError
from matcher.io.parse import ListColumn, TableParser, days_since_epoch, first_positions
from matcher.io.read import read_scenario
from matcher.io.source import FolderFiles, ScenarioSource, document_tables
from matcher.messages import Message
from matcher.travel import postcode_centres
from models.config import (
    OPTIONAL_TABLES,
    REQUIRED_TABLES,
    Policy,
    ScenarioConfig,
    SettingError,
    Weights,
)
from models.scenario import (
    LANGUAGE_SUPPORT,
    NO_DATE,
    UNKNOWN,
    BoolArray,
    FloatArray,
    IntArray,
    MaskArray,
    Mentors,
    ObjArray,
    Pinned,
    Scenario,
    Students,
    Vocabulary,
    Workplaces,
)
from models.tables import TABLE_SPECS

# Plausible locations: Belgium and its neighbours (contract: "Additions within version 1").
LATITUDE_RANGE = (49.0, 52.0)
LONGITUDE_RANGE = (1.5, 7.0)


def _config(document: dict[str, Any], label: str) -> tuple[ScenarioConfig | None, list[Problem]]:
    try:
        return ScenarioConfig.model_validate(document), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"])
            problems.append(Problem(label, setting_message(key, error), column=key))
        return None, problems


# pydantic's error types, as the messages a consultant reads
_SETTING_BOUNDS = {"greater_than_equal": ("settings.at_least", "ge", "minimum"),
                   "greater_than": ("settings.more_than", "gt", "minimum"),
                   "less_than_equal": ("settings.at_most", "le", "maximum")}
_SETTING_TYPES = {"int_type": "settings.whole_number", "int_parsing": "settings.whole_number",
                  "int_from_float": "settings.whole_number", "float_type": "settings.number",
                  "float_parsing": "settings.number", "dict_type": "settings.mapping",
                  "model_type": "settings.mapping", "model_attributes_type": "settings.mapping",
                  "string_type": "settings.text", "bool_type": "settings.yes_no",
                  "bool_parsing": "settings.yes_no", "missing": "settings.required"}


def setting_message(key: str, error: Any) -> Message:
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "literal_error" and key == "format_version":
        return Message("settings.format_version", value=repr(error.get("input")))
    if kind == "literal_error":
        # pydantic writes the choices as "'a' or 'b'": list them without its English
        choices = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        return Message("settings.one_of", choices=", ".join(choices))
    if kind in _SETTING_BOUNDS:
        code, bound, name = _SETTING_BOUNDS[kind]
        value = context.get(bound)
        return Message(code, **{name: value if isinstance(value, int | float) else str(value)})
    if kind in _SETTING_TYPES:
        return Message(_SETTING_TYPES[kind])
    if isinstance(context.get("error"), SettingError):
        found: SettingError = context["error"]
        return Message(found.code, **found.params)
    return Message("settings.invalid", error=str(error["msg"]))


def _parsers(source: ScenarioSource, web_ids: bool) -> dict[str, TableParser]:
    parsers: dict[str, TableParser] = {}
    for name, table in source.tables.items():
        frame = table.frame
        if frame.empty and len(frame.columns) == 0:
            # an empty inline list: a table with no rows, not one without columns
            frame = pd.DataFrame(columns=[c.name for c in TABLE_SPECS[name].columns], dtype=object)
        parsers[name] = TableParser(frame, TABLE_SPECS[name], table.label, web_ids)
        if table.inline:
            # records of a YAML/JSON list are counted from 1, not as spreadsheet rows
            parsers[name].rows = parsers[name].rows - 1
            parsers[name].row_label = "record"
    return parsers


def _vocabulary(*groups: ListColumn | ObjArray | list[str]) -> Vocabulary:
    """Codes in first-seen order over the groups, in turn."""
    arrays = [group.values if isinstance(group, ListColumn) else np.asarray(group, dtype=object)
              for group in groups]
    codes = pd.unique(pd.Series(np.concatenate(arrays) if arrays else [], dtype=object))
    return Vocabulary(tuple(str(code) for code in codes))


def _positions(values: ObjArray | ListColumn, vocabulary: Vocabulary) -> IntArray:
    """Index in ``vocabulary`` of each value (every value is one of its codes)."""
    found = values.values if isinstance(values, ListColumn) else values
    positions: IntArray = pd.Index(vocabulary.codes, dtype=object).get_indexer(
        pd.Index(found, dtype=object)).astype(np.int64)
    return positions


def _masks(values: ListColumn, vocabulary: Vocabulary) -> MaskArray:
    """One bitmask row per table row: the codes of its list cell."""
    return vocabulary.masks(values.rows, _positions(values, vocabulary), len(values.counts))


def _locations(parser: TableParser) -> tuple[FloatArray, FloatArray]:
    """lat/lon, or the postcode's municipality centre when lat/lon are absent."""
    if len(parser) and not {"lat", "lon", "postcode"} & set(parser.frame.columns):
        parser.problems.append(Problem(parser.label, Message("io.location_columns_missing"),
                                       row=1, column="lat"))
        nothing = np.zeros(len(parser))
        return nothing, nothing.copy()
    lat, lat_ok = parser.floats("lat")
    lon, lon_ok = parser.floats("lon")
    postcode = parser.text("postcode")
    has_lat, has_lon = parser.stripped("lat") != "", parser.stripped("lon") != ""
    for position in np.flatnonzero(has_lat != has_lon):
        missing = "lon" if has_lat[position] else "lat"
        parser.problem(int(position), missing, Message("io.lat_lon_together"))
    _check_plausible(parser, lat, lon, lat_ok & lon_ok)
    centres = postcode_centres()
    for position in np.flatnonzero(~has_lat & ~has_lon):
        code = str(postcode[position])
        if not code:
            parser.problem(int(position), "postcode", Message("io.location_required"))
        elif code not in centres:
            parser.problem(int(position), "postcode",
                           Message("io.unknown_postcode", value=code))
        else:
            lat[position], lon[position] = centres[code].lat, centres[code].lon
    return lat, lon


def _check_plausible(parser: TableParser, lat: FloatArray, lon: FloatArray,
                     given: BoolArray) -> None:
    """A location outside Belgium and its neighbours is a mistake; say so when the
    swapped pair would be inside (latitude typed in the longitude column)."""
    def inside(values: FloatArray, bounds: tuple[float, float]) -> BoolArray:
        inside_bounds: BoolArray = (values >= bounds[0]) & (values <= bounds[1])
        return inside_bounds

    lat_inside, lon_inside = inside(lat, LATITUDE_RANGE), inside(lon, LONGITUDE_RANGE)
    swapped = given & inside(lon, LATITUDE_RANGE) & inside(lat, LONGITUDE_RANGE)
    lat_text, lon_text = parser.stripped("lat"), parser.stripped("lon")
    for position in np.flatnonzero(given & ~(lat_inside & lon_inside)):
        if swapped[position]:
            parser.problem(int(position), "lat", Message(
                "io.lat_lon_swapped", lat=str(lat_text[position]), lon=str(lon_text[position]),
                lat_range=_degrees(LATITUDE_RANGE), lon_range=_degrees(LONGITUDE_RANGE)))
            continue
        if not lat_inside[position]:
            parser.problem(int(position), "lat", Message(
                "io.lat_implausible", value=str(lat_text[position]),
                range=_degrees(LATITUDE_RANGE)))
        if not lon_inside[position]:
            parser.problem(int(position), "lon", Message(
                "io.lon_implausible", value=str(lon_text[position]),
                range=_degrees(LONGITUDE_RANGE)))


def _degrees(bounds: tuple[float, float]) -> Message:
    return Message("io.degrees", low=bounds[0], high=bounds[1])


def _age_on(birth_days: IntArray, known: BoolArray, reference: pd.Timestamp) -> IntArray:
    """Whole years on the reference date; a birthday on that date counts as reached."""
    births = pd.to_datetime(np.where(known, birth_days, 0), unit="D")
    before_birthday = (births.month.to_numpy() > reference.month) | (
        (births.month.to_numpy() == reference.month) & (births.day.to_numpy() > reference.day)
    )
    age = reference.year - births.year.to_numpy() - before_birthday.astype(np.int64)
    return np.where(known, age, UNKNOWN).astype(np.int64)


class _IdIndex:
    """Row positions of a table's ids (the first row where an id repeats)."""

    def __init__(self, ids: ObjArray) -> None:
        codes, distinct = pd.factorize(pd.Series(ids, dtype=object), use_na_sentinel=False)
        self._index = pd.Index(distinct, dtype=object)
        self._first = np.full(len(distinct), -1, dtype=np.int64)
        # reversed, so the first row of a repeated id is written last and stays
        self._first[codes[::-1]] = np.arange(len(ids) - 1, -1, -1, dtype=np.int64)

    def positions(self, values: ObjArray) -> IntArray:
        """The row of each value; -1 for a value that is not an id."""
        at = self._index.get_indexer(pd.Index(values, dtype=object))
        found: IntArray = np.where(at >= 0, self._first[at], -1).astype(np.int64)
        return found


def _lookup(
    parser: TableParser, column: str, index: _IdIndex, what: str, target: TableParser
) -> IntArray:
    """Row positions in ``target`` of the ids in ``column``; -1 where unknown or empty."""
    values = parser.raw(column)
    found = np.full(len(values), -1, dtype=np.int64)
    key = target.spec.key
    if target.missing or column not in parser.frame.columns or (
        key is not None and key not in target.frame.columns
    ):
        return found  # already reported: the referenced table or column is missing
    given = parser.stripped(column) != ""
    found[given] = index.positions(values[given])
    for position in np.flatnonzero(given & (found < 0)):
        parser.problem(int(position), column,
                       Message("io.unknown_id", value=str(values[position]), what=what))
    return found


def load_scenario(path: str | Path, web_ids: bool = False) -> Scenario:
    """Read and validate a scenario (a folder, a document with inline tables, or one
    .xlsx workbook); raise ScenarioError listing every problem. ``web_ids``: the
    service's stricter id rule (``matcher.io.parse.id_problem``) applies too."""
    return scenario_from_source(read_scenario(Path(path)), str(path), web_ids)


def scenario_from_document(
    document: dict[str, Any],
    base: Path | None = None,
    label: str = "scenario",
    source: str = "scenario",
    web_ids: bool = False,
) -> Scenario:
    """Validate a scenario document; tables are inline records or files under ``base``
    (with no ``base``, every table must be inline: nothing is read from disk)."""
    files = FolderFiles(base) if base is not None else None
    return scenario_from_source(document_tables(document, label, files), source, web_ids)


def scenario_from_source(read: ScenarioSource, source: str = "scenario",
                         web_ids: bool = False) -> Scenario:
    """Validate what a reader read (``matcher.io.read``); raise ScenarioError listing
    every problem. ``source`` names the scenario's origin in the result."""
    document, label = read.document, read.label
    config, problems = _config(document, label)
    if config is None:
        # Keep going with default settings so mistakes in the tables are listed too.
        config = _fallback_config(document)
    parsers = _parsers(read, web_ids)
    problems += read.problems
    for name in REQUIRED_TABLES + OPTIONAL_TABLES:
        if name not in parsers and (name in REQUIRED_TABLES or name in config.tables):
            parsers[name] = _empty_parser(name, missing=True)
    scenario = _encode(config, source, parsers)
    problems += [q for p in parsers.values() for q in p.problems]
    warnings = _settings_warnings(document, label)
    for parser in parsers.values():
        column_errors, column_warnings = parser.unknown_columns(config.allow_unknown_columns)
        problems += column_errors
        warnings += column_warnings
    if not problems:
        problems += _no_room(scenario, parsers["workplaces"].label, parsers["mentors"].label)
    if problems:
        raise ScenarioError(problems)
    return dataclasses.replace(scenario, warnings=tuple(w.as_message() for w in warnings))


def _no_room(scenario: Scenario, workplaces_label: str, mentors_label: str) -> list[Problem]:
    """An error when no workplace has a seat with a mentor who has room: every plan of
    such a scenario is empty (contract: "Empty capacity"). It is judged on valid tables
    only, so it never follows from another mistake."""
    wp, me = scenario.workplaces, scenario.mentors
    seated = wp.seats > 0
    with_room = me.room > 0
    if (seated[me.workplace[with_room]]).any():
        return []
    if not len(wp):
        return [Problem(workplaces_label, _no_room_because("no_workplaces"))]
    if not seated.any():
        return [Problem(workplaces_label, _no_room_because("zero_seats"), row=1, column="seats")]
    if not len(me):
        return [Problem(mentors_label, _no_room_because("no_mentors"))]
    if not (me.capacity > 0).any():
        return [Problem(mentors_label, _no_room_because("zero_capacity"), row=1,
                        column="capacity")]
    if not with_room.any():
        return [Problem(mentors_label, _no_room_because("all_full"), row=1,
                        column="current_load")]
    return [Problem(mentors_label, _no_room_because("room_without_seats"), row=1,
                    column="workplace_id")]


def _no_room_because(why: str) -> Message:
    return Message("io.no_room", why=Message(f"io.no_room.{why}"))


def _settings_warnings(document: dict[str, Any], label: str) -> list[Problem]:
    """Unknown settings are ignored; warn when one looks like a misspelled known one."""
    sections: list[tuple[str, dict[str, Any], list[str]]] = [
        ("", document, list(ScenarioConfig.model_fields)),
        ("policy.", document.get("policy") or {}, list(Policy.model_fields)),
        ("weights.", document.get("weights") or {}, list(Weights.model_fields)),
        ("tables.", document.get("tables") or {}, list(REQUIRED_TABLES + OPTIONAL_TABLES)),
    ]
    warnings = []
    for prefix, values, known in sections:
        if not isinstance(values, dict):
            continue
        for key in values:
            if str(key) in known:
                continue
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.75)
            if close:
                warnings.append(Problem(label, Message("settings.unknown_near_miss",
                                                       suggestion=f"{prefix}{close[0]}"),
                                        column=f"{prefix}{key}"))
    return warnings


def _fallback_config(document: dict[str, Any]) -> ScenarioConfig:
    tables = document.get("tables")
    try:
        return ScenarioConfig(reference_date=dt.date(1970, 1, 1),
                              tables=tables if isinstance(tables, dict) else {})
    except ValidationError:
        return ScenarioConfig(reference_date=dt.date(1970, 1, 1))


def _empty_parser(name: str, missing: bool) -> TableParser:
    """A table with no rows, standing in for one that could not be read."""
    spec = TABLE_SPECS[name]
    frame = pd.DataFrame(columns=[c.name for c in spec.columns], dtype=object)
    parser = TableParser(frame, spec, name)
    parser.missing = missing
    return parser


def _encode(config: ScenarioConfig, source: str, parsers: dict[str, TableParser]) -> Scenario:
    st, wp, me = parsers["students"], parsers["workplaces"], parsers["mentors"]
    policy = config.policy
    reference = pd.Timestamp(config.reference_date)
    reference_days = days_since_epoch(config.reference_date)

    # students
    student_ids = st.ids("student_id", unique=True)
    programme_text = st.text("programme")
    phase = st.enum("phase")
    grade_text = st.enum("grade")
    contract_ready, ready_given = st.bools("contract_ready")
    wishes = st.lists("sector_wishes")
    gaps = st.lists("competence_gaps")
    needs = st.lists("adjustments")
    s_lat, s_lon = _locations(st)
    max_travel, travel_given = st.ints("max_travel_min")
    birth, birth_given = st.dates("birth_date")
    dutch = st.cefr("dutch_level")
    intensive, _ = st.bools("intensive_support")
    priority, priority_given = st.ints("priority")
    duaal = phase == "duaal"

    # workplaces
    workplace_ids = wp.ids("workplace_id", unique=True)
    employer = wp.text("employer")
    sector_text = wp.text("sector")
    recognised = wp.lists("recognised_programmes")
    until, until_given = wp.dates("recognised_until")
    seats, _ = wp.ints("seats")
    offers_contract, contract_given = wp.bools("offers_contract")
    offers_guided, _ = wp.bools("offers_guided")
    accepts_grade2, grade2_given = wp.bools("accepts_grade2")
    offered = wp.lists("adjustments_offered")
    competences = wp.lists("competences_offered")
    w_lat, w_lon = _locations(wp)
    min_age, min_age_given = wp.ints("min_age")
    min_dutch = wp.cefr("min_dutch_level")

    programmes = _vocabulary(list(programme_text), recognised)
    sectors = _vocabulary(list(sector_text), wishes)
    competence_vocabulary = _vocabulary(gaps, competences)
    adjustment_vocabulary = _vocabulary(needs, offered, [LANGUAGE_SUPPORT])

    n_programmes = max(len(programmes.codes), 1)
    recognised_keys = np.sort(recognised.rows * n_programmes + _positions(recognised, programmes))
    longest = int(wishes.counts.max(initial=0))
    wish_matrix = np.full((len(wishes.counts), max(longest, 1)), -1, dtype=np.int64)
    wish_matrix[wishes.rows, wishes.offsets] = _positions(wishes, sectors)
    workplace_sector = _positions(sector_text, sectors)

    adjustments_needed = _masks(needs, adjustment_vocabulary)
    default_priority = np.where(
        adjustments_needed.any(axis=1) | intensive, 1, np.where(duaal, 3, 2)
    )
    students = Students(
        ids=student_ids,
        school_id=st.ids("school_id"),
        coach_id=st.text("coach_id"),
        programme=_positions(programme_text, programmes),
        duaal=duaal,
        grade=np.where(grade_text == "2", 2, 3).astype(np.int64),
        contract_ready=np.where(ready_given, contract_ready, duaal),
        wishes=wish_matrix,
        wish_count=wishes.counts,
        gaps=_masks(gaps, competence_vocabulary),
        adjustments=adjustments_needed,
        lat=s_lat,
        lon=s_lon,
        max_travel_min=np.where(travel_given, max_travel, policy.default_max_travel_min),
        age=_age_on(birth, birth_given, reference),
        dutch_level=dutch,
        intensive=intensive,
        priority=np.where(priority_given, priority, default_priority).astype(np.int64),
    )
    workplaces = Workplaces(
        ids=workplace_ids,
        employer=employer,
        sector=workplace_sector,
        recognised=recognised_keys,
        recognised_until=np.where(until_given, until, NO_DATE).astype(np.int64),
        seats=seats,
        offers_contract=np.where(contract_given, offers_contract, True),
        offers_guided=offers_guided,
        accepts_grade2=np.where(grade2_given, accepts_grade2, True),
        adjustments=_masks(offered, adjustment_vocabulary),
        competences=_masks(competences, competence_vocabulary),
        lat=w_lat,
        lon=w_lon,
        min_age=np.where(min_age_given, min_age, UNKNOWN).astype(np.int64),
        min_dutch_level=min_dutch,
    )

    # mentors
    mentor_ids = me.ids("mentor_id", unique=True)
    workplace_index = _IdIndex(workplace_ids)
    me.ids("workplace_id")
    mentor_workplace = _lookup(me, "workplace_id", workplace_index, "workplace_id", wp)
    capacity, capacity_given = me.ints("capacity")
    load, _ = me.ints("current_load")
    default_by_sector = np.asarray(
        [policy.mentor_capacity.for_sector(code) for code in sectors.codes] or [0],
        dtype=np.int64)
    sector_default = np.where(
        mentor_workplace >= 0,
        default_by_sector[workplace_sector[np.maximum(mentor_workplace, 0)]]
        if len(workplace_sector) else 0, 0).astype(np.int64)
    mentors = Mentors(
        ids=mentor_ids,
        workplace=mentor_workplace,
        capacity=np.where(capacity_given, capacity, sector_default),
        current_load=load,
    )

    student_index = _IdIndex(student_ids)
    pinned = _pinned(parsers.get("placements"), student_index, workplace_index,
                     _IdIndex(mentor_ids), mentor_workplace, st, wp, me)
    n_workplaces = len(workplaces)

    def pair_keys(parser: TableParser) -> tuple[IntArray, BoolArray]:
        """Pair key per row of a student_id, workplace_id table, and which rows are known."""
        parser.ids("student_id")
        parser.ids("workplace_id")
        student = _lookup(parser, "student_id", student_index, "student_id", st)
        workplace = _lookup(parser, "workplace_id", workplace_index, "workplace_id", wp)
        return student * n_workplaces + workplace, (student >= 0) & (workplace >= 0)

    exclusions = np.zeros(0, dtype=np.int64)
    if "exclusions" in parsers:
        keys, ok = pair_keys(parsers["exclusions"])
        exclusions = np.unique(keys[ok])
    travel_keys = np.zeros(0, dtype=np.int64)
    travel_minutes = np.zeros(0, dtype=np.int64)
    if "travel_times" in parsers:
        tt = parsers["travel_times"]
        keys, ok = pair_keys(tt)
        minutes, minutes_ok = tt.ints("minutes")
        ok &= minutes_ok
        first = first_positions(keys, ok)
        for position in np.flatnonzero(ok & (first != np.arange(len(keys)))):
            tt.problem(int(position), "student_id",
                       Message("io.duplicate_travel_time", row=int(tt.rows[first[position]])))
        order = np.argsort(keys[ok], kind="stable")
        travel_keys = keys[ok][order]
        travel_minutes = minutes[ok][order]

    return Scenario(
        config=config,
        source=source,
        students=students,
        workplaces=workplaces,
        mentors=mentors,
        pinned=pinned,
        exclusions=exclusions,
        travel_keys=travel_keys,
        travel_minutes=travel_minutes,
        programmes=programmes,
        sectors=sectors,
        competences=competence_vocabulary,
        adjustments=adjustment_vocabulary,
        reference_days=reference_days,
    )


def _pinned(
    parser: TableParser | None,
    student_index: _IdIndex,
    workplace_index: _IdIndex,
    mentor_index: _IdIndex,
    mentor_workplace: IntArray,
    students: TableParser,
    workplaces: TableParser,
    mentors: TableParser,
) -> Pinned:
    if parser is None:
        empty = np.zeros(0, dtype=np.int64)
        return Pinned(empty, empty, empty)
    parser.ids("student_id", unique=True)
    parser.ids("workplace_id")
    student = _lookup(parser, "student_id", student_index, "student_id", students)
    workplace = _lookup(parser, "workplace_id", workplace_index, "workplace_id", workplaces)
    mentor = _lookup(parser, "mentor_id", mentor_index, "mentor_id", mentors)
    known_workplace = np.zeros(len(mentor), dtype=bool)
    known_workplace[mentor >= 0] = mentor_workplace[mentor[mentor >= 0]] >= 0
    mentor_ids, workplace_ids = parser.raw("mentor_id"), parser.raw("workplace_id")
    for position in np.flatnonzero((mentor >= 0) & (workplace >= 0) & known_workplace):
        if mentor_workplace[mentor[position]] != workplace[position]:
            parser.problem(int(position), "mentor_id",
                           Message("io.mentor_elsewhere", mentor=str(mentor_ids[position]),
                                   workplace=str(workplace_ids[position])))
    return Pinned(student=student, workplace=workplace, mentor=mentor)
