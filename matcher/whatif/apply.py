"""Make a change set on a scenario's tables and load the result as a new version.

The changes are made on the tables as read (text cells, before any encoding:
``matcher.io.document``), so the new version is an ordinary scenario: the
normal loader validates it with every check of the contract, it can be saved
as a folder and solved with ``matcher solve``, and the service stores it like
an upload. Nothing is changed in place: the base document and its files stay
as they were.

Every mistake is located in the change file (``changes.yaml entry 3, field
workplace``): an unknown id, a number that would go below zero or below the
placements already fixed in placements.csv, and any cell the loader refuses
after the change (a Dutch level ``B7`` in ``values.dutch_level``). When
anything is wrong, no version is made.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from matcher.io.document import INLINE_LABEL, Records, load_inline
from matcher.io.errors import Problem, ScenarioError
from matcher.io.parse import split_list
from matcher.io.tables import cell_text
from matcher.messages import Message
from matcher.whatif.changes import (
    CHANGES_FILE,
    AcceptGrade2,
    AddMentor,
    AddRecognition,
    ChangeSet,
    MentorCapacity,
    OfferAdjustments,
    OfferPlacementType,
    RemoveMentor,
    RemoveRecognition,
    Seats,
    StudentData,
    TravelLimit,
    entry_problem,
)
from models.config import ScenarioConfig
from models.scenario import LANGUAGE_SUPPORT, Scenario
from models.tables import TABLE_SPECS

Pin = tuple[str, str, str | None]  # student_id, workplace_id, mentor_id (or None)
PIN_COLUMNS = ("student_id", "workplace_id", "mentor_id")
# A changed cell: (table, row id, column). A row id, not a position: a removed
# mentor shifts the positions after it.
CellKey = tuple[str, str, str]


@dataclass(frozen=True)
class Origins:
    """Which change made what, to locate the loader's mistakes in the change file."""

    cells: dict[CellKey, tuple[int, str]]  # changed cell → (entry, field)
    last_entry: dict[str, int]  # table → the last entry that changed it


# The message for an unknown code, and for one with a near miss.
PROGRAMME = ("changes.unknown_programme", "changes.unknown_programme_near")
ADJUSTMENT = ("changes.unknown_adjustment", "changes.unknown_adjustment_near")
NOT_RECOGNISED = ("changes.not_recognised", "changes.not_recognised_near")


@dataclass(frozen=True)
class ChangedScenario:
    """A new scenario version: its document (inline tables) and the loaded scenario."""

    document: dict[str, Any]
    scenario: Scenario


@dataclass
class _Tables:
    """The tables being changed, with lookups by id and the origin of every change."""

    tables: dict[str, Records]
    config: ScenarioConfig
    label: str
    pins: tuple[Pin, ...] = ()
    problems: list[Problem] = field(default_factory=list)
    cells: dict[CellKey, tuple[int, str]] = field(default_factory=dict)
    last_entry: dict[str, int] = field(default_factory=dict)

    def rows(self, table: str) -> Records:
        """The table's records (none for an optional table the scenario lacks)."""
        return self.tables.get(table, [])

    def find(self, table: str, value: str, entry: int, field_name: str) -> dict[str, str] | None:
        key = TABLE_SPECS[table].key
        assert key is not None
        for record in self.rows(table):
            if record.get(key, "").strip() == value:
                return record
        known = [record.get(key, "") for record in self.rows(table)]
        close = difflib.get_close_matches(value, known, n=1, cutoff=0.8)
        self.mistake(entry, field_name, Message("changes.unknown_id_near", value=value,
                                                what=key, suggestion=close[0]) if close
                     else Message("io.unknown_id", value=value, what=key))
        return None

    def mistake(self, entry: int, field_name: str | None, detail: Message) -> None:
        self.problems.append(entry_problem(self.label, entry, field_name, detail))

    def set_cell(self, table: str, record: dict[str, str], column: str, value: str,
                 entry: int, field_name: str) -> None:
        record[column] = value
        key = TABLE_SPECS[table].key
        assert key is not None
        self.cells[(table, record.get(key, "").strip(), column)] = (entry, field_name)
        self.last_entry[table] = entry

    def pinned(self, column: str, value: str) -> int:
        """Kept placements (placements.csv and ``pins``) whose ``column`` is ``value``."""
        position = PIN_COLUMNS.index(column)
        return sum(record.get(column, "").strip() == value for record in self.rows("placements")
                   ) + sum(pin[position] == value for pin in self.pins)


def apply_changes(document: dict[str, Any], change_set: ChangeSet,
                  label: str = CHANGES_FILE, pins: Sequence[Pin] = ()
                  ) -> tuple[dict[str, Any], Origins]:
    """The document with every change made, in order, and where each changed cell
    came from. ``pins`` are placements kept besides placements.csv (the service's
    accepted placements), which seats and mentors must keep room for. Raises
    ScenarioError listing every mistake, located in ``label``; ``document`` itself
    is never changed."""
    changed = copy.deepcopy(document)
    tables = _Tables(changed.setdefault("tables", {}),
                     ScenarioConfig.model_validate({k: v for k, v in document.items()
                                                   if k != "tables"}), label, tuple(pins))
    for entry, change in enumerate(change_set.changes, start=1):
        _MAKERS[type(change)](tables, change, entry)
    if tables.problems:
        raise ScenarioError(tables.problems)
    return changed, Origins(tables.cells, tables.last_entry)


def changed_scenario(document: dict[str, Any], change_set: ChangeSet,
                     label: str = CHANGES_FILE, source: str = INLINE_LABEL,
                     web_ids: bool = False, pins: Sequence[Pin] = ()) -> ChangedScenario:
    """The new version made by ``change_set`` on the scenario ``document`` (inline
    tables), validated by the loader; raises ScenarioError located in ``label``."""
    changed, origins = apply_changes(document, change_set, label, pins)
    try:
        scenario = load_inline(changed, source=source, web_ids=web_ids)
    except ScenarioError as exc:
        raise ScenarioError([_in_change_file(p, changed, origins, label)
                             for p in exc.problems]) from None
    return ChangedScenario(changed, scenario)


def _in_change_file(problem: Problem, document: dict[str, Any],
                    origins: Origins, label: str) -> Problem:
    """A loader's mistake in a changed table, located at the change that made it."""
    prefix = f"{INLINE_LABEL} tables."
    if not problem.file.startswith(prefix):
        return problem
    table = problem.file.removeprefix(prefix)
    key = TABLE_SPECS[table].key if table in TABLE_SPECS else None
    records: Records = document["tables"].get(table, [])
    if key is not None and problem.row is not None and 1 <= problem.row <= len(records):
        row_id = records[problem.row - 1].get(key, "").strip()
        found = origins.cells.get((table, row_id, problem.column or ""))
        if found is not None:
            return entry_problem(label, found[0], found[1], problem.detail)
    last = origins.last_entry.get(table)
    if last is not None:  # e.g. no seat left anywhere: the table's last change did it
        return entry_problem(label, last, None, problem.detail)
    return problem


def _whole(text: str) -> int:
    return int(float(text.strip()))


def _seats(tables: _Tables, change: Seats, entry: int) -> None:
    workplace = tables.find("workplaces", change.workplace, entry, "workplace")
    if workplace is None:
        return
    seats = change.set if change.set is not None else (
        _whole(workplace.get("seats", "0")) + (change.add or 0))
    field_name = "set" if change.set is not None else "add"
    pinned = tables.pinned("workplace_id", change.workplace)
    if seats < 0:
        tables.mistake(entry, field_name, Message("changes.negative", value=seats))
    elif seats < pinned:
        tables.mistake(entry, field_name, Message("changes.below_pinned", value=seats,
                                                  pinned=pinned))
    else:
        tables.set_cell("workplaces", workplace, "seats", str(seats), entry, field_name)


def _add_mentor(tables: _Tables, change: AddMentor, entry: int) -> None:
    if tables.find("workplaces", change.workplace, entry, "workplace") is None:
        return
    mentors = tables.tables.setdefault("mentors", [])
    taken = {record.get("mentor_id", "").strip() for record in mentors}
    if change.mentor is not None and change.count > 1:
        tables.mistake(entry, "mentor", Message("changes.mentor_and_count"))
        return
    if change.mentor is not None and change.mentor in taken:
        tables.mistake(entry, "mentor", Message("changes.id_taken", value=change.mentor))
        return
    new_ids = [change.mentor] if change.mentor is not None else []
    number = 1
    while len(new_ids) < change.count:
        candidate = f"{change.workplace}-M{number}"
        if candidate not in taken:
            new_ids.append(candidate)
            taken.add(candidate)
        number += 1
    columns = list(dict.fromkeys(k for record in mentors for k in record)) or [
        "mentor_id", "workplace_id", "capacity", "current_load"]
    for mentor_id in new_ids:
        record = dict.fromkeys(columns, "")
        mentors.append(record)
        record["mentor_id"] = mentor_id
        tables.set_cell("mentors", record, "workplace_id", change.workplace, entry, "workplace")
        tables.set_cell("mentors", record, "capacity",
                        "" if change.capacity is None else str(change.capacity), entry,
                        "capacity")
        tables.set_cell("mentors", record, "mentor_id", mentor_id, entry, "mentor")


def _mentor_capacity(tables: _Tables, change: MentorCapacity, entry: int) -> None:
    mentor = tables.find("mentors", change.mentor, entry, "mentor")
    if mentor is None:
        return
    load = _whole(mentor.get("current_load") or "0")
    pinned = tables.pinned("mentor_id", change.mentor)
    if change.capacity - load < pinned:
        tables.mistake(entry, "capacity", Message("changes.capacity_below_pinned",
                                                  value=change.capacity, load=load,
                                                  pinned=pinned))
        return
    tables.set_cell("mentors", mentor, "capacity", str(change.capacity), entry, "capacity")


def _remove_mentor(tables: _Tables, change: RemoveMentor, entry: int) -> None:
    mentor = tables.find("mentors", change.mentor, entry, "mentor")
    if mentor is None:
        return
    pinned = tables.pinned("mentor_id", change.mentor)
    if pinned:
        tables.mistake(entry, "mentor", Message("changes.mentor_pinned", pinned=pinned))
        return
    tables.rows("mentors").remove(mentor)
    tables.last_entry["mentors"] = entry


def _known_codes(tables: _Tables, columns: dict[str, tuple[str, ...]]) -> set[str]:
    return {code for table, names in columns.items() for record in tables.rows(table)
            for name in names for code in split_list(record.get(name, ""))}


def _unknown_code(tables: _Tables, entry: int, field_name: str, value: str,
                  codes: tuple[str, str], known: set[str]) -> None:
    close = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.6)
    tables.mistake(entry, field_name,
                   Message(codes[1], value=value, suggestion=close[0]) if close
                   else Message(codes[0], value=value))


def _add_recognition(tables: _Tables, change: AddRecognition, entry: int) -> None:
    workplace = tables.find("workplaces", change.workplace, entry, "workplace")
    known = _known_codes(tables, {"students": ("programme",),
                                  "workplaces": ("recognised_programmes",)})
    if change.programme not in known:
        _unknown_code(tables, entry, "programme", change.programme, PROGRAMME, known)
        return
    if workplace is None:
        return
    programmes = split_list(workplace.get("recognised_programmes", ""))
    if change.programme not in programmes:
        tables.set_cell("workplaces", workplace, "recognised_programmes",
                        ";".join([*programmes, change.programme]), entry, "programme")
    until = workplace.get("recognised_until", "").strip()
    reference = tables.config.reference_date
    if change.until is not None:
        tables.set_cell("workplaces", workplace, "recognised_until", change.until.isoformat(),
                        entry, "until")
    elif until and dt.date.fromisoformat(until[:10]) < reference:
        # an expired recognition is renewed, or the one added would not hold
        tables.set_cell("workplaces", workplace, "recognised_until", reference.isoformat(),
                        entry, "programme")


def _remove_recognition(tables: _Tables, change: RemoveRecognition, entry: int) -> None:
    workplace = tables.find("workplaces", change.workplace, entry, "workplace")
    if workplace is None:
        return
    programmes = split_list(workplace.get("recognised_programmes", ""))
    if change.programme not in programmes:
        _unknown_code(tables, entry, "programme", change.programme, NOT_RECOGNISED,
                      set(programmes))
        return
    tables.set_cell("workplaces", workplace, "recognised_programmes",
                    ";".join(p for p in programmes if p != change.programme), entry,
                    "programme")


def _offer_adjustments(tables: _Tables, change: OfferAdjustments, entry: int) -> None:
    workplace = tables.find("workplaces", change.workplace, entry, "workplace")
    known = _known_codes(tables, {"students": ("adjustments",),
                                  "workplaces": ("adjustments_offered",)}) | {LANGUAGE_SUPPORT}
    unknown = [code for code in change.codes if code not in known]
    for code in unknown:
        _unknown_code(tables, entry, "codes", code, ADJUSTMENT, known)
    if workplace is None or unknown:
        return
    offered = split_list(workplace.get("adjustments_offered", ""))
    tables.set_cell("workplaces", workplace, "adjustments_offered",
                    ";".join(dict.fromkeys([*offered, *change.codes])), entry, "codes")


def _offer_placement_type(tables: _Tables, change: OfferPlacementType, entry: int) -> None:
    workplace = tables.find("workplaces", change.workplace, entry, "workplace")
    if workplace is not None:
        column = "offers_contract" if change.type == "contract" else "offers_guided"
        tables.set_cell("workplaces", workplace, column, "true", entry, "type")


def _accept_grade2(tables: _Tables, change: AcceptGrade2, entry: int) -> None:
    workplace = tables.find("workplaces", change.workplace, entry, "workplace")
    if workplace is not None:
        tables.set_cell("workplaces", workplace, "accepts_grade2", "true", entry, "workplace")


def _travel_limit(tables: _Tables, change: TravelLimit, entry: int) -> None:
    student = tables.find("students", change.student, entry, "student")
    if student is None:
        return
    current = (student.get("max_travel_min") or "").strip()
    before = _whole(current) if current else tables.config.policy.default_max_travel_min
    minutes = change.set if change.set is not None else before + (change.add or 0)
    field_name = "set" if change.set is not None else "add"
    if minutes < 0:
        tables.mistake(entry, field_name, Message("changes.negative", value=minutes))
        return
    tables.set_cell("students", student, "max_travel_min", str(minutes), entry, field_name)


def _student_data(tables: _Tables, change: StudentData, entry: int) -> None:
    student = tables.find("students", change.student, entry, "student")
    if student is None:
        return
    for column, value in change.cells().items():
        text = ";".join(value) if isinstance(value, list) else cell_text(value)
        tables.set_cell("students", student, column, text, entry, f"values.{column}")


_MAKERS: dict[type[Any], Callable[[_Tables, Any, int], None]] = {
    Seats: _seats, AddMentor: _add_mentor, MentorCapacity: _mentor_capacity,
    RemoveMentor: _remove_mentor, AddRecognition: _add_recognition,
    RemoveRecognition: _remove_recognition, OfferAdjustments: _offer_adjustments,
    OfferPlacementType: _offer_placement_type, AcceptGrade2: _accept_grade2,
    TravelLimit: _travel_limit, StudentData: _student_data,
}
