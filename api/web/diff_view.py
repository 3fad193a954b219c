"""The difference of two plans as the web page shows it: one row per changed student,
with employer names next to workplace ids, and the table's filters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from api.web.plan_view import TablePage, paginate
from matcher.diff import CHANGE_KINDS, Place, StudentChange
from models.scenario import Scenario


@dataclass(frozen=True)
class PlaceCell:
    """A student's place in one of the two plans."""

    in_plan: bool  # False: the student is not in this plan at all
    workplace_id: str = ""
    employer: str = ""
    mentor_id: str = ""
    reason: str = ""  # the unmatched reason when unplaced


@dataclass(frozen=True)
class DiffRow:
    student_id: str
    programme: str  # "" for a student the scenario does not have
    tier: int | None  # None when priority is not known (or not to be shown)
    change: str
    before: PlaceCell
    after: PlaceCell


def _cell(place: Place | None, employers: dict[str, str]) -> PlaceCell:
    if place is None:
        return PlaceCell(in_plan=False)
    return PlaceCell(in_plan=True, workplace_id=place.workplace_id or "",
                     employer=employers.get(place.workplace_id or "", ""),
                     mentor_id=place.mentor_id or "", reason=place.reason or "")


def diff_rows(changes: Sequence[StudentChange], scenario: Scenario) -> list[DiffRow]:
    """The changed students (``PlanDiff.changes``), in their order."""
    employers = {str(i): str(e) for i, e in zip(scenario.workplaces.ids,
                                                scenario.workplaces.employer, strict=True)}
    codes = scenario.programmes.codes
    programme = {str(i): codes[int(p)] for i, p in zip(scenario.students.ids,
                                                       scenario.students.programme, strict=True)}
    return [_row(change, employers, programme) for change in changes]


def _row(change: StudentChange, employers: dict[str, str], programme: dict[str, str]
         ) -> DiffRow:
    return DiffRow(student_id=change.student_id,
                   programme=programme.get(change.student_id, ""), tier=change.priority,
                   change=change.change, before=_cell(change.before, employers),
                   after=_cell(change.after, employers))


@dataclass(frozen=True)
class DiffQuery:
    text: str = ""
    change: str = ""  # "" for every kind
    tier: str = ""
    page: int = 1

    def __post_init__(self) -> None:
        # Unknown values from a hand-edited address fall back to the defaults.
        if self.change not in CHANGE_KINDS:
            object.__setattr__(self, "change", "")
        object.__setattr__(self, "page", max(1, self.page))

    def matches(self, row: DiffRow) -> bool:
        if self.change and row.change != self.change:
            return False
        if self.tier and str(row.tier) != self.tier:
            return False
        if self.text:
            needle = self.text.casefold()
            return any(needle in value.casefold() for value in (
                row.student_id, row.programme, row.before.workplace_id, row.before.employer,
                row.after.workplace_id, row.after.employer))
        return True


def diff_page(rows: list[DiffRow], query: DiffQuery) -> TablePage[DiffRow]:
    return paginate([row for row in rows if query.matches(row)], query.page)
