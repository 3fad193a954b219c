"""The change file: every kind reads, and every mistake is located by entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.io.errors import ScenarioError
from matcher.messages import render
from matcher.whatif.changes import (
    KINDS,
    ChangeSet,
    Seats,
    StudentData,
    TravelLimit,
    parse_change_set,
    read_change_set,
)

EVERY_KIND = """
note: wat als
changes:
  - {kind: seats, workplace: W1, add: 1}
  - {kind: seats, workplace: W1, set: 3}
  - {kind: add_mentor, workplace: W1, capacity: 2}
  - {kind: mentor_capacity, mentor: M1, capacity: 3}
  - {kind: remove_mentor, mentor: M2}
  - {kind: add_recognition, workplace: W1, programme: P1, until: 2027-06-30}
  - {kind: remove_recognition, workplace: W1, programme: P1}
  - {kind: offer_adjustments, workplace: W1, codes: [rolstoel, taalsteun]}
  - {kind: offer_placement_type, workplace: W1, type: guided}
  - {kind: accept_grade2, workplace: W1}
  - {kind: travel_limit, student: S1, add: 15}
  - {kind: student_data, student: S1, values: {dutch_level: B1, birth_date: 2008-03-14}}
"""


def _problems(text: str, tmp_path: Path) -> list[tuple[int | None, str | None, str]]:
    path = tmp_path / "changes.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        read_change_set(path)
    return [(p.row, p.column, p.detail.code) for p in caught.value.problems]


def test_every_kind_reads_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "changes.yaml"
    path.write_text(EVERY_KIND, encoding="utf-8")
    change_set = read_change_set(path)
    assert change_set.note == "wat als"
    assert [c.kind for c in change_set.changes] == [
        "seats", "seats", "add_mentor", "mentor_capacity", "remove_mentor", "add_recognition",
        "remove_recognition", "offer_adjustments", "offer_placement_type", "accept_grade2",
        "travel_limit", "student_data"]
    assert set(KINDS) == {c.kind for c in change_set.changes}
    seats = change_set.changes[0]
    assert isinstance(seats, Seats) and (seats.add, seats.set) == (1, None)
    data = change_set.changes[-1]
    assert isinstance(data, StudentData)
    assert data.cells() == {"dutch_level": "B1", "birth_date": "2008-03-14"}


def test_a_stored_change_set_reads_back_the_same(tmp_path: Path) -> None:
    path = tmp_path / "changes.yaml"
    path.write_text(EVERY_KIND, encoding="utf-8")
    change_set = read_change_set(path)
    assert parse_change_set(change_set.to_document()) == change_set


def test_a_typo_names_entry_field_and_nearest_key(tmp_path: Path) -> None:
    problems = _problems("changes:\n  - {kind: seats, workplace: W1, add: 1}\n"
                         "  - {kind: seats, workplce: W1, add: 1}\n", tmp_path)
    assert problems == [(2, "workplce", "changes.unknown_field_near")]  # not also "required"
    path = tmp_path / "changes.yaml"
    with pytest.raises(ScenarioError) as caught:
        read_change_set(path)
    typo = next(p for p in caught.value.problems if p.column == "workplce")
    assert render(typo.as_message(), "en") == (
        "changes.yaml entry 2, field workplce: unknown field; did you mean 'workplace'?")
    assert "wijziging 2, veld workplce" in render(typo.as_message(), "nl")


def test_a_typo_in_a_students_column_names_the_column(tmp_path: Path) -> None:
    problems = _problems("changes:\n  - kind: student_data\n    student: S1\n"
                         "    values: {dutch_levl: B1}\n", tmp_path)
    assert problems == [(1, "values.dutch_levl", "changes.unknown_field_near")]


def test_a_typo_at_the_top_names_the_key(tmp_path: Path) -> None:
    problems = _problems("notes: x\nchanges:\n  - {kind: accept_grade2, workplace: W1}\n",
                         tmp_path)
    assert problems == [(None, "notes", "changes.unknown_field_near")]


@pytest.mark.parametrize(("entry", "expected"), [
    ("{kind: seat, workplace: W1, add: 1}", ("kind", "changes.unknown_kind_near")),
    ("{kind: zebra, workplace: W1}", ("kind", "changes.unknown_kind")),
    ("{workplace: W1, add: 1}", ("kind", "changes.kind_missing")),
    ("{kind: seats, workplace: W1, set: -1}", ("set", "settings.at_least")),
    ("{kind: seats, workplace: W1, set: 1, add: 1}", ("set", "changes.set_or_add")),
    ("{kind: seats, workplace: W1}", ("set", "changes.set_or_add")),
    ("{kind: seats, add: 1}", ("workplace", "changes.required")),
    ("{kind: seats, workplace: W1, add: many}", ("add", "settings.whole_number")),
    ("{kind: offer_adjustments, workplace: W1, codes: []}", ("codes", "changes.not_empty")),
    ("{kind: add_recognition, workplace: W1, programme: P, until: 2026-13-01}",
     ("until", "changes.date")),
    ("{kind: offer_placement_type, workplace: W1, type: paid}", ("type", "settings.one_of")),
    ("{kind: mentor_capacity, mentor: M1, capacity: -2}", ("capacity", "settings.at_least")),
    ("seats W1 +1", (None, "changes.entry_not_mapping")),
])
def test_a_bad_entry_is_located(entry: str, expected: tuple[str | None, str],
                                tmp_path: Path) -> None:
    problems = _problems(f"changes:\n  - {{kind: accept_grade2, workplace: W1}}\n  - {entry}\n",
                         tmp_path)
    assert problems == [(2, *expected)]


def test_no_changes_is_a_mistake(tmp_path: Path) -> None:
    assert _problems("note: leeg\nchanges: []\n", tmp_path) == [
        (None, "changes", "changes.not_empty")]
    assert _problems("- {kind: accept_grade2, workplace: W1}\n", tmp_path) == [
        (None, None, "changes.not_a_change_file")]


def test_set_or_add_is_one_number() -> None:
    limit = ChangeSet.model_validate(
        {"changes": [{"kind": "travel_limit", "student": "S1", "set": 50}]}).changes[0]
    assert isinstance(limit, TravelLimit) and limit.set == 50 and limit.add is None
