"""Change sets made on the demo's tables: each kind changes what it says and the
re-solved plan shows it; mistakes are located in the change file and make nothing."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from matcher.analysis.changes import Change, apply_change, as_scenario_change
from matcher.candidates import build_candidates
from matcher.diff import plan_diff
from matcher.io import load_scenario
from matcher.io.document import write_folder
from matcher.io.errors import ScenarioError
from matcher.pipeline import SolveSettings, run_solve
from matcher.whatif.apply import changed_scenario
from matcher.whatif.changes import ChangeSet, parse_change_set
from models.plan import Plan
from models.scenario import Scenario
from tests.whatif.conftest import DEMO

Demo = tuple[dict[str, Any], Scenario]


def _changes(*changes: dict[str, Any]) -> ChangeSet:
    return parse_change_set({"changes": list(changes)})


def _solve(document: dict[str, Any], *changes: dict[str, Any]) -> Plan:
    return run_solve(changed_scenario(document, _changes(*changes)).scenario,
                     SolveSettings()).plan


def _workplace(plan: Plan, student: str) -> str | None:
    return next((a.workplace_id for a in plan.assignments if a.student_id == student), None)


def _row(document: dict[str, Any], table: str, key: str, value: str) -> dict[str, str]:
    return next(r for r in document["tables"][table] if r[key] == value)


def _allowed(scenario: Scenario, student: str, workplace: str) -> bool:
    pairs = build_candidates(scenario)
    s = list(scenario.students.ids).index(student)
    w = list(scenario.workplaces.ids).index(workplace)
    return bool(((pairs.student == s) & (pairs.workplace == w)).any())


def _change_kinds(base: Plan, after: Plan) -> dict[str, str]:
    return {c.student_id: c.change for c in plan_diff(base, after).changes}


# --- each kind, re-solved -------------------------------------------------------------
# In the demo, S24 (zaalmedewerker) may go only to W25, which has seats but no mentor;
# S26 only to W26, whose mentor M27 has one slot left (taken by S25); S22 (priority 1,
# intensive support) only to W24, full.


def test_a_mentor_at_a_workplace_without_one_places_its_student(demo: Demo,
                                                                demo_plan: Plan) -> None:
    assert _workplace(demo_plan, "S24") is None
    after = _solve(demo[0], {"kind": "add_mentor", "workplace": "W25"})
    assert _workplace(after, "S24") == "W25"
    assert _change_kinds(demo_plan, after) == {"S24": "gained"}


def test_several_new_mentors_get_their_own_ids(demo: Demo) -> None:
    changed = changed_scenario(demo[0], _changes(
        {"kind": "add_mentor", "workplace": "W25", "count": 2, "capacity": 3}))
    mentors = changed.scenario.mentors
    new = [i for i, m in enumerate(mentors.ids) if str(m).startswith("W25-")]
    assert [str(mentors.ids[i]) for i in new] == ["W25-M1", "W25-M2"]
    assert list(mentors.capacity[new]) == [3, 3]


def test_more_mentor_capacity_places_a_student(demo: Demo, demo_plan: Plan) -> None:
    after = _solve(demo[0], {"kind": "mentor_capacity", "mentor": "M27", "capacity": 3})
    assert _workplace(after, "S26") == "W26"
    assert _change_kinds(demo_plan, after) == {"S26": "gained"}


def test_seats_and_a_mentor_place_the_priority_student(demo: Demo, demo_plan: Plan) -> None:
    only_seat = _solve(demo[0], {"kind": "seats", "workplace": "W24", "add": 1})
    assert _workplace(only_seat, "S22") is None  # the mentor is full too
    after = _solve(demo[0], {"kind": "seats", "workplace": "W24", "add": 1},
                   {"kind": "add_mentor", "workplace": "W24"})
    assert _workplace(after, "S22") == "W24"


def test_no_seats_and_no_mentor_unplace(demo: Demo, demo_plan: Plan) -> None:
    assert _workplace(demo_plan, "S01") == "W01"
    no_seats = _solve(demo[0], {"kind": "seats", "workplace": "W01", "set": 0})
    assert _workplace(no_seats, "S01") != "W01"
    assert _workplace(demo_plan, "S27") == "W27"
    no_mentor = _solve(demo[0], {"kind": "remove_mentor", "mentor": "M28"})
    assert _workplace(no_mentor, "S27") != "W27"


def test_a_recognition_renews_an_expired_one_and_places(demo: Demo, demo_plan: Plan) -> None:
    # W02 (recognition expired the day before the reference date) fails S12 only on it
    document = demo[0]
    change = {"kind": "add_recognition", "workplace": "W02",
              "programme": "administratief-medewerker"}
    changed = changed_scenario(document, _changes(change))
    row = _row(changed.document, "workplaces", "workplace_id", "W02")
    assert row["recognised_programmes"] == "bakker;administratief-medewerker"
    assert row["recognised_until"] == "2026-09-01"
    after = run_solve(changed.scenario, SolveSettings()).plan
    assert _workplace(after, "S12") == "W02"
    expiring = _solve(document, {**change, "until": "2026-08-31"})
    assert _workplace(expiring, "S12") is None


def test_removing_a_recognition_unplaces(demo: Demo, demo_plan: Plan) -> None:
    assert _workplace(demo_plan, "S03") == "W04"  # a verkoper
    after = _solve(demo[0], {"kind": "remove_recognition", "workplace": "W04",
                             "programme": "verkoper"})
    assert _workplace(after, "S03") != "W04"


def test_placement_type_and_grade_2_are_each_needed(demo: Demo) -> None:
    # S02 (aanloop, grade 2, not contract-ready) at W08: not recognised for her
    # programme, no guided learning, no grade 2
    recognise = {"kind": "add_recognition", "workplace": "W08",
                 "programme": "medewerker-dierenzorg"}
    guided = {"kind": "offer_placement_type", "workplace": "W08", "type": "guided"}
    grade2 = {"kind": "accept_grade2", "workplace": "W08"}
    assert _workplace(_solve(demo[0], recognise, guided, grade2), "S02") == "W08"
    assert _workplace(_solve(demo[0], recognise, guided), "S02") is None
    assert _workplace(_solve(demo[0], recognise, grade2), "S02") is None


def test_an_adjustment_offered_places_the_student_who_needs_it(demo: Demo) -> None:
    # S22 needs 'prikkelarm'; W03 lacks it and her programme
    recognise = {"kind": "add_recognition", "workplace": "W03", "programme": "keukenmedewerker"}
    adjust = {"kind": "offer_adjustments", "workplace": "W03", "codes": ["prikkelarm"]}
    assert not _allowed(changed_scenario(demo[0], _changes(recognise)).scenario, "S22", "W03")
    both = changed_scenario(demo[0], _changes(recognise, adjust))
    assert _allowed(both.scenario, "S22", "W03")
    assert _row(both.document, "workplaces", "workplace_id", "W03")[
        "adjustments_offered"] == "prikkelarm"
    assert _workplace(run_solve(both.scenario, SolveSettings()).plan, "S22") is not None


def test_a_longer_travel_limit_places(demo: Demo) -> None:
    # W16 fails S12 only on travel
    assert _workplace(_solve(demo[0], {"kind": "travel_limit", "student": "S12",
                                       "set": 120}), "S12") is not None
    changed = changed_scenario(demo[0], _changes(
        {"kind": "travel_limit", "student": "S12", "add": 10}))
    position = list(changed.scenario.students.ids).index("S12")
    assert changed.scenario.students.max_travel_min[position] == 45 + 10  # policy default


def test_student_data_completes_what_a_rule_needs(demo: Demo) -> None:
    # S16 has no birth date, which fails the minimum age of W17 and W18
    after = _solve(demo[0], {"kind": "student_data", "student": "S16",
                             "values": {"birth_date": "2000-01-01"}})
    assert _workplace(after, "S16") in ("W17", "W18")
    # S12 has no Dutch level, which fails W15's minimum (W15 is taken by S13)
    assert not _allowed(demo[1], "S12", "W15")
    changed = changed_scenario(demo[0], _changes({"kind": "student_data", "student": "S12",
                                                  "values": {"dutch_level": "C2"}}))
    assert _allowed(changed.scenario, "S12", "W15")


# --- the original stays as it was -----------------------------------------------------


def _folder_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def test_the_base_document_and_files_are_untouched(demo: Demo) -> None:
    before_files = _folder_hash(DEMO)
    before = copy.deepcopy(demo[0])
    changed_scenario(demo[0], _changes({"kind": "seats", "workplace": "W01", "set": 5},
                                       {"kind": "remove_mentor", "mentor": "M28"}))
    assert demo[0] == before
    assert _folder_hash(DEMO) == before_files


def test_a_saved_version_solves_the_same_with_plain_solve(demo: Demo, tmp_path: Path) -> None:
    changed = changed_scenario(demo[0], _changes(
        {"kind": "add_mentor", "workplace": "W25"},
        {"kind": "student_data", "student": "S16", "values": {"birth_date": "2000-01-01"}}))
    folder = write_folder(changed.document, tmp_path / "version")
    reloaded = load_scenario(folder)
    direct = run_solve(changed.scenario, SolveSettings()).plan
    assert run_solve(reloaded, SolveSettings()).plan.assignments == direct.assignments


# --- mistakes ------------------------------------------------------------------------

MISTAKES: list[tuple[dict[str, Any], tuple[str, str]]] = [
    ({"kind": "seats", "workplace": "W99", "add": 1},
     ("workplace", "io.unknown_id")),
    ({"kind": "seats", "workplace": "W011", "add": 1},
     ("workplace", "changes.unknown_id_near")),
    ({"kind": "seats", "workplace": "W01", "add": -2},
     ("add", "changes.negative")),
    ({"kind": "seats", "workplace": "W21", "set": 0},  # S18 is kept at W21
     ("set", "changes.below_pinned")),
    ({"kind": "mentor_capacity", "mentor": "M22", "capacity": 0},
     ("capacity", "changes.capacity_below_pinned")),
    ({"kind": "remove_mentor", "mentor": "M22"},
     ("mentor", "changes.mentor_pinned")),
    ({"kind": "add_mentor", "workplace": "W01", "mentor": "M02"},
     ("mentor", "changes.id_taken")),
    ({"kind": "add_recognition", "workplace": "W01", "programme": "bakkr"},
     ("programme", "changes.unknown_programme_near")),
    ({"kind": "remove_recognition", "workplace": "W01", "programme": "slager"},
     ("programme", "changes.not_recognised")),
    ({"kind": "offer_adjustments", "workplace": "W01", "codes": ["prikkelarm", "zebra"]},
     ("codes", "changes.unknown_adjustment")),
    ({"kind": "travel_limit", "student": "S01", "add": -60},
     ("add", "changes.negative")),
    ({"kind": "student_data", "student": "S01", "values": {"dutch_level": "B7"}},
     ("values.dutch_level", "io.not_cefr")),
    ({"kind": "student_data", "student": "S01", "values": {"phase": "stage"}},
     ("values.phase", "io.not_one_of")),
]


@pytest.mark.parametrize(("change", "expected"), MISTAKES)
def test_a_bad_change_is_located_and_makes_nothing(demo: Demo, change: dict[str, Any],
                                                   expected: tuple[str, str]) -> None:
    before = copy.deepcopy(demo[0])
    with pytest.raises(ScenarioError) as caught:
        changed_scenario(demo[0], _changes({"kind": "accept_grade2", "workplace": "W01"},
                                           change))
    assert [(p.file, p.row, p.column, p.detail.code) for p in caught.value.problems] == [
        ("changes.yaml", 2, *expected)]
    assert demo[0] == before


def test_every_mistake_is_listed_at_once(demo: Demo) -> None:
    with pytest.raises(ScenarioError) as caught:
        changed_scenario(demo[0], _changes(*(change for change, _ in MISTAKES[:4])))
    assert [p.row for p in caught.value.problems] == [1, 2, 3, 4]


def test_a_change_that_leaves_no_room_at_all_names_its_entry(tmp_path: Path) -> None:
    document: dict[str, Any] = {
        "format_version": 1, "reference_date": "2026-09-01", "tables": {
            "students": [{"student_id": "S1", "school_id": "X", "programme": "p",
                          "phase": "duaal", "grade": "3", "postcode": "3500"}],
            "workplaces": [{"workplace_id": "W1", "employer": "E", "sector": "s",
                            "recognised_programmes": "p", "seats": "1", "postcode": "3500"}],
            "mentors": [{"mentor_id": "M1", "workplace_id": "W1"}]}}
    with pytest.raises(ScenarioError) as caught:
        changed_scenario(document, _changes({"kind": "seats", "workplace": "W1", "set": 0}))
    assert [(p.row, p.detail.code) for p in caught.value.problems] == [(1, "io.no_room")]


# --- a fix is the same change on the tables as on the encoded scenario ----------------


@pytest.mark.parametrize("change", [
    Change("seat", workplace=23), Change("mentor", workplace=24),
    Change("adjustment", workplace=2, codes=("prikkelarm",)),
    Change("adjustment", workplace=2, codes=("language_support", "prikkelarm")),
    Change("recognition", workplace=1, programme=0), Change("travel", student=11, minutes=7),
    Change("placement_type", workplace=3, codes=("guided",)),
    Change("placement_type", workplace=3, codes=("contract",)), Change("grade2", workplace=4),
    Change("data", student=11, field="dutch_level", value=4),
    Change("data", student=11, field="birth_date", value=17),
])
def test_a_fix_made_on_the_tables_solves_as_made_on_the_scenario(demo: Demo,
                                                                 change: Change) -> None:
    scenario = demo[1]
    file_change = as_scenario_change(scenario, change)
    assert file_change is not None
    on_tables = changed_scenario(demo[0], ChangeSet(changes=[file_change])).scenario
    on_scenario = apply_change(scenario, change)
    settings = SolveSettings()
    assert np.array_equal(run_solve(on_tables, settings).solution.workplace,
                          run_solve(on_scenario, settings).solution.workplace)
    for name in ("seats", "recognised", "recognised_until", "offers_contract", "offers_guided",
                 "accepts_grade2"):
        assert np.array_equal(getattr(on_tables.workplaces, name),
                              getattr(on_scenario.workplaces, name)), name
    for name in ("max_travel_min", "dutch_level", "age"):
        assert np.array_equal(getattr(on_tables.students, name),
                              getattr(on_scenario.students, name)), name
    # the same adjustments offered, whatever order the codes' bits come in
    for j in range(len(on_tables.workplaces)):
        assert _codes(on_tables, j) == _codes(on_scenario, j)
    assert np.array_equal(on_tables.mentors.capacity, on_scenario.mentors.capacity)


def _codes(scenario: Scenario, workplace: int) -> set[str]:
    mask = scenario.workplaces.adjustments[workplace]
    return {code for bit, code in enumerate(scenario.adjustments.codes)
            if (int(mask[bit // 64]) >> (bit % 64)) & 1}
