"""The change file: what a consultant changes in a scenario, by id.

One pydantic model per kind of change, told apart by ``kind`` (a discriminated
union), and a ``ChangeSet`` holding the changes and an optional note:

```yaml
note: "W12 neemt een leerling meer"
changes:
  - {kind: seats, workplace: W12, add: 1}
  - {kind: travel_limit, student: S07, set: 60}
```

Everything is strict: an unknown key is a mistake (a typo must not be silently
ignored, as it would be in a table), located by file, entry number (1 for the
first change) and field, with the nearest valid key. Values that are cells of a
table (a student's data) are checked by the scenario loader itself once the
change is made (``matcher.whatif.apply``), so a rule is written once.

Why ids and not row positions: a change file outlives the scenario's row order,
is written by people, and is stored with a scenario version as its lineage.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator

from matcher.io.errors import Problem, ScenarioError
from matcher.io.folder import read_document
from matcher.io.load import setting_message
from matcher.messages import Message
from models.tables import STUDENTS

CHANGES_FILE = "changes.yaml"
ENTRY = "entry"  # Problem.row_label of a change: "changes.yaml entry 3, field seats"

Id = Annotated[str, Field(min_length=1)]
PlacementType = Literal["contract", "guided"]
# A cell of the students table as YAML gives it; None (or "") empties the cell.
CellValue: TypeAlias = "bool | int | float | dt.date | str | list[str] | None"


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _SetOrAdd(_Change):
    """A number that is either set to a value or changed by an amount."""

    set: int | None = None
    add: int | None = None

    @model_validator(mode="after")
    def _one_of_set_or_add(self) -> _SetOrAdd:
        if (self.set is None) == (self.add is None):
            raise ValueError(SET_OR_ADD)
        return self


class Seats(_SetOrAdd):
    """The seats of a workplace: ``set`` to a number or ``add`` (negative: fewer)."""

    kind: Literal["seats"]
    workplace: Id
    set: int | None = Field(default=None, ge=0)


class AddMentor(_Change):
    """One or more new mentors at a workplace. Without ``capacity`` the policy's
    mentor capacity for the workplace's sector applies; without ``mentor`` the
    ids are made from the workplace id."""

    kind: Literal["add_mentor"]
    workplace: Id
    mentor: Id | None = None
    capacity: int | None = Field(default=None, ge=0)
    count: int = Field(default=1, ge=1, le=100)


class MentorCapacity(_Change):
    """A mentor's capacity (students at once, including the current load)."""

    kind: Literal["mentor_capacity"]
    mentor: Id
    capacity: int = Field(ge=0)


class RemoveMentor(_Change):
    kind: Literal["remove_mentor"]
    mentor: Id


class AddRecognition(_Change):
    """The workplace is recognised for ``programme``. ``until`` sets the workplace's
    recognition expiry (one date per workplace, as in workplaces.csv); without it an
    expired recognition is renewed up to the reference date, so the new one holds."""

    kind: Literal["add_recognition"]
    workplace: Id
    programme: Id
    until: dt.date | None = None


class RemoveRecognition(_Change):
    kind: Literal["remove_recognition"]
    workplace: Id
    programme: Id


class OfferAdjustments(_Change):
    """The workplace offers these adjustments (redelijke aanpassingen) too."""

    kind: Literal["offer_adjustments"]
    workplace: Id
    codes: list[Id] = Field(min_length=1)


class OfferPlacementType(_Change):
    """The workplace offers a paid contract (OAO) or a guided learning experience."""

    kind: Literal["offer_placement_type"]
    workplace: Id
    type: PlacementType


class AcceptGrade2(_Change):
    kind: Literal["accept_grade2"]
    workplace: Id


class TravelLimit(_SetOrAdd):
    """A student's one-way travel limit in minutes: ``set`` or ``add``."""

    kind: Literal["travel_limit"]
    student: Id
    set: int | None = Field(default=None, ge=0)


def _student_values_model() -> type[BaseModel]:
    """Every column of students.csv but the id, from the table's one declaration."""
    fields: dict[str, Any] = {column.name: (CellValue, None) for column in STUDENTS.columns
                              if column.name != STUDENTS.key}
    model: type[BaseModel] = create_model("StudentValues", __config__=ConfigDict(
        extra="forbid", frozen=True), **fields)
    return model


StudentValues = _student_values_model()


class StudentData(_Change):
    """Cells of a student's row: ``values`` maps students.csv columns to new values
    (e.g. ``dutch_level: B1``, ``birth_date: 2008-03-14``; empty clears a cell)."""

    kind: Literal["student_data"]
    student: Id
    values: StudentValues  # type: ignore[valid-type]

    def cells(self) -> dict[str, CellValue]:
        """The columns given, with their new values."""
        values: BaseModel = self.values
        given: dict[str, CellValue] = values.model_dump(exclude_unset=True)
        return given


ScenarioChange: TypeAlias = Annotated[
    Seats | AddMentor | MentorCapacity | RemoveMentor | AddRecognition | RemoveRecognition
    | OfferAdjustments | OfferPlacementType | AcceptGrade2 | TravelLimit | StudentData,
    Field(discriminator="kind"),
]
KINDS: dict[str, type[_Change]] = {
    get_args(model.model_fields["kind"].annotation)[0]: model
    for model in (Seats, AddMentor, MentorCapacity, RemoveMentor, AddRecognition,
                  RemoveRecognition, OfferAdjustments, OfferPlacementType, AcceptGrade2,
                  TravelLimit, StudentData)
}


class ChangeSet(BaseModel):
    """The changes that make one new scenario version, in the order they are made."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    note: str = ""
    changes: list[ScenarioChange] = Field(min_length=1)

    def to_document(self) -> dict[str, Any]:
        """The change file's content (JSON-safe), as stored with a version."""
        document: dict[str, Any] = self.model_dump(mode="json", exclude_unset=True)
        document.setdefault("note", self.note)
        return document


SET_OR_ADD = "changes.set_or_add"


def read_change_set(path: str | Path) -> ChangeSet:
    """The change file at ``path``; raise ScenarioError with every located mistake."""
    _, label, document, problems = read_document(Path(path))
    if document is None:
        raise ScenarioError([
            entry_problem(label, None, None, Message("changes.not_a_change_file"))
            if p.detail.code == "io.document_not_mapping" else p for p in problems])
    return parse_change_set(document, label)


def parse_change_set(document: Any, label: str = CHANGES_FILE) -> ChangeSet:
    """Validate a change file's content; raise ScenarioError with every located mistake."""
    try:
        return ChangeSet.model_validate(document)
    except ValidationError as exc:
        problems = [_located(error, label) for error in exc.errors()]
    # a misspelled required field is one mistake: the typo names the field it meant
    meant = {(p.row, p.detail.params.get("suggestion")) for p in problems
             if p.detail.code == "changes.unknown_field_near"}
    raise ScenarioError([p for p in problems if not (
        p.detail.code == "changes.required" and (p.row, p.column) in meant)])


def entry_problem(label: str, entry: int | None, field: str | None, detail: Message) -> Problem:
    """A mistake in a change file: entry ``entry`` (counted from 1), field ``field``."""
    return Problem(label, detail, row=entry, column=field, row_label=ENTRY)


def _located(error: Any, label: str) -> Problem:
    loc = list(error["loc"])
    if not loc or loc[0] != "changes" or len(loc) < 2 or not isinstance(loc[1], int):
        field = ".".join(str(part) for part in loc) or None
        return entry_problem(label, None, field, _detail(error, field, ChangeSet))
    entry = int(loc[1]) + 1
    path = loc[2:]
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return entry_problem(label, entry, "kind", _kind_detail(error))
    if not path:  # the entry is no mapping at all
        return entry_problem(label, entry, None, Message("changes.entry_not_mapping",
                                                         kinds=", ".join(KINDS)))
    model = KINDS.get(str(path[0])) if path else None
    path = path[1:]  # the tag pydantic puts first
    if path and path[0] == "values" and model is StudentData:
        return entry_problem(label, entry, ".".join(str(p) for p in path),
                             _detail(error, str(path[-1]), StudentValues))
    field = ".".join(str(p) for p in path) or None
    if field is None and SET_OR_ADD in str(error.get("msg", "")):
        field = "set"
    return entry_problem(label, entry, field, _detail(error, field, model))


def _detail(error: Any, field: str | None, model: type[BaseModel] | None) -> Message:
    if error["type"] == "extra_forbidden" and model is not None:
        known = [name for name in model.model_fields if name != "kind"]
        close = difflib.get_close_matches(str(field).rsplit(".", 1)[-1], known, n=1, cutoff=0.6)
        if close:
            return Message("changes.unknown_field_near", suggestion=close[0])
        return Message("changes.unknown_field", fields=", ".join(known))
    if error["type"] == "value_error" and SET_OR_ADD in str(error.get("msg", "")):
        return Message(SET_OR_ADD)
    if error["type"] == "missing":
        return Message("changes.required")
    if error["type"] == "too_short":
        return Message("changes.not_empty")
    if error["type"] in ("list_type", "model_type", "model_attributes_type") and field is None:
        return Message("changes.not_a_change_file")
    if error["type"] in ("date_from_datetime_parsing", "date_parsing", "date_type"):
        return Message("changes.date")
    return setting_message(str(field), error)


def _kind_detail(error: Any) -> Message:
    kinds = ", ".join(KINDS)
    given = (error.get("ctx") or {}).get("tag")
    if given is None:
        return Message("changes.kind_missing", kinds=kinds)
    close = difflib.get_close_matches(str(given), list(KINDS), n=1, cutoff=0.6)
    if close:
        return Message("changes.unknown_kind_near", value=str(given), suggestion=close[0])
    return Message("changes.unknown_kind", value=str(given), kinds=kinds)
