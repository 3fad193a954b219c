"""A plan as the web page shows it: one row per student, filters, sorting, group totals,
and the reasons behind a suggestion in words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from api.services import PlanContext
from matcher.analysis.groups import PROVINCE_NAMES, student_groups, workplace_provinces
from matcher.analysis.metrics import group_order
from matcher.cost import uncovered_gaps, wish_rank
from matcher.diff import StudentChange
from matcher.messages import Lang, Message, render
from matcher.suggest import Suggestion
from models.plan import Assignment
from models.scenario import Scenario

PAGE_SIZE = 50
SORT_KEYS = ("student_id", "tier", "programme", "workplace_id", "employer", "sector",
             "province", "cost", "wish", "competence", "travel")
STATUSES = ("all", "placed", "unmatched", "changed", "pinned")


@dataclass(frozen=True)
class StudentRow:
    student_id: str
    programme: str
    tier: int
    province: str
    programme_sector: str  # the sector of the student's programme, as the summary groups
    placed: bool
    workplace_id: str = ""
    employer: str = ""
    sector: str = ""
    mentor_id: str = ""
    cost: int | None = None
    wish: int | None = None
    competence: int | None = None
    travel: int | None = None
    pinned: bool = False  # kept as an existing placement in this plan
    from_file: bool = False  # an existing placement of the scenario's placements table
    change: str = ""  # gained, lost, moved… since the previous version ("" when unchanged)
    reason: str = ""
    detail: Message | None = None
    rules: dict[str, int] = field(default_factory=dict)

    def sort_value(self, key: str) -> tuple[int, object]:
        value = getattr(self, key)
        return (1, 0) if value is None or value == "" else (0, value)


def province_name(code: str) -> str:
    return PROVINCE_NAMES.get(code, "onbekend")


@dataclass(frozen=True)
class Earlier:
    """Another plan of the same scenario with its rows: a row is a function of the
    student, their assignment or unmatched entry and their change mark, so a student
    whose entry and mark are equal in both plans has an equal row, reused."""

    context: PlanContext
    rows: list[StudentRow]


def student_rows(context: PlanContext, changes: list[StudentChange] | None, base: Scenario,
                 earlier: Earlier | None = None) -> list[StudentRow]:
    """Every student of the plan, placed ones with their workplace and cost; ``base`` is
    the scenario as uploaded, whose placements table says which placements came with it;
    ``changes`` the difference from the previous version, if there is one; ``earlier``
    rows to reuse (see ``Earlier``; the same scenario, uploaded as ``base``)."""
    change_of = {c.student_id: c.change for c in changes} if changes else {}
    scenario = context.scenario
    from_file = {(str(base.students.ids[st]), str(base.workplaces.ids[wp]))
                 for st, wp in zip(base.pinned.student, base.pinned.workplace, strict=True)}
    s, w = scenario.students, scenario.workplaces
    groups = student_groups(scenario)
    ids = [str(i) for i in s.ids]
    programmes = [scenario.programmes.codes[p] for p in s.programme.tolist()]
    tiers = s.priority.tolist()
    provinces = [province_name(str(p)) for p in groups.province]
    sectors = [str(sector) for sector in groups.sector]

    def row(position: int) -> StudentRow:
        sid = ids[position]
        assignment = context.assignment_of.get(sid)
        if assignment is not None:
            workplace = context.workplace_index[assignment.workplace_id]
            breakdown = assignment.breakdown
            return StudentRow(
                student_id=sid, programme=programmes[position], tier=tiers[position],
                province=provinces[position], programme_sector=sectors[position],
                placed=True, workplace_id=assignment.workplace_id,
                employer=str(w.employer[workplace]),
                sector=scenario.sectors.codes[int(w.sector[workplace])],
                mentor_id=assignment.mentor_id or "", cost=assignment.cost,
                wish=breakdown.wish, competence=breakdown.competence, travel=breakdown.travel,
                pinned=bool(assignment.pinned),
                from_file=(sid, assignment.workplace_id) in from_file,
                change=change_of.get(sid, ""))
        unmatched = context.unmatched_of[sid]
        return StudentRow(
            student_id=sid, programme=programmes[position], tier=tiers[position],
            province=provinces[position], programme_sector=sectors[position], placed=False,
            change=change_of.get(sid, ""), reason=unmatched.reason,
            detail=unmatched.message(), rules=dict(unmatched.rules))

    if earlier is None or [r.student_id for r in earlier.rows] != ids:
        return [row(position) for position in range(len(ids))]
    rows = list(earlier.rows)
    for position in _differing(context, change_of, earlier):
        rows[position] = row(position)
    return rows


def _differing(context: PlanContext, change_of: Mapping[str, str], earlier: Earlier
               ) -> list[int]:
    """Positions of the students whose entry or change mark differs from ``earlier``."""
    before_assignment = earlier.context.assignment_of
    before_unmatched = earlier.context.unmatched_of
    now_assignment, now_unmatched = context.assignment_of, context.unmatched_of
    return [position for position, row in enumerate(earlier.rows)
            if row.change != change_of.get(row.student_id, "")
            or _row_fields(now_assignment.get(row.student_id)) != _row_fields(
                before_assignment.get(row.student_id))
            or now_unmatched.get(row.student_id) != before_unmatched.get(row.student_id)]


def _row_fields(assignment: Assignment | None) -> tuple[object, ...] | None:
    """The fields of an assignment that its row shows (comparing these is much faster
    than comparing the models)."""
    if assignment is None:
        return None
    part = assignment.breakdown
    return (assignment.workplace_id, assignment.mentor_id, assignment.cost, part.wish,
            part.competence, part.travel, assignment.pinned)


@dataclass(frozen=True)
class PlanRows:
    """A plan's rows with what the page derives from them, built once per plan."""

    rows: list[StudentRow]
    summary: dict[str, list[GroupLine]]
    provinces: list[str]
    changes: list[StudentChange] | None  # since the previous version, if there is one


def plan_rows(context: PlanContext, changes: list[StudentChange] | None, base: Scenario,
              earlier: Earlier | None = None) -> PlanRows:
    rows = student_rows(context, changes, base, earlier)
    return PlanRows(rows, group_summary(rows), provinces_of(rows), changes)


@dataclass(frozen=True)
class TableQuery:
    text: str = ""
    status: str = "all"
    tier: str = ""
    sector: str = ""
    province: str = ""
    sort: str = "student_id"
    descending: bool = False
    page: int = 1

    def __post_init__(self) -> None:
        # Unknown values from a hand-edited address fall back to the defaults.
        if self.status not in STATUSES:
            object.__setattr__(self, "status", "all")
        if self.sort not in SORT_KEYS:
            object.__setattr__(self, "sort", "student_id")
        object.__setattr__(self, "page", max(1, self.page))

    def as_params(self) -> dict[str, str]:
        """The query as address parameters, defaults left out."""
        values = {"q": self.text, "status": self.status, "tier": self.tier,
                  "sector": self.sector, "province": self.province, "sort": self.sort,
                  "order": "desc" if self.descending else "asc", "page": str(self.page)}
        defaults = {"status": "all", "sort": "student_id", "order": "asc", "page": "1"}
        return {k: v for k, v in values.items() if v and v != defaults.get(k)}

    def matches(self, row: StudentRow) -> bool:
        if self.status == "placed" and not row.placed:
            return False
        if self.status == "unmatched" and row.placed:
            return False
        if self.status == "changed" and not row.change:
            return False
        if self.status == "pinned" and not row.pinned:
            return False
        if self.tier and str(row.tier) != self.tier:
            return False
        if self.sector and row.programme_sector != self.sector:
            return False
        if self.province and row.province != self.province:
            return False
        if self.text:
            needle = self.text.casefold()
            return any(needle in value.casefold() for value in
                       (row.student_id, row.workplace_id, row.employer, row.programme))
        return True


RowT = TypeVar("RowT")


@dataclass(frozen=True)
class TablePage(Generic[RowT]):
    rows: list[RowT]
    total: int
    page: int
    pages: int


def paginate(rows: list[RowT], page: int) -> TablePage[RowT]:
    """One page of ``rows``; a page beyond the last shows the last."""
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(page, pages)
    return TablePage(rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE], len(rows), page, pages)


def table_page(rows: list[StudentRow], query: TableQuery) -> TablePage[StudentRow]:
    kept = [row for row in rows if query.matches(row)]
    kept.sort(key=lambda row: row.sort_value(query.sort), reverse=query.descending)
    if query.descending:  # blanks stay last either way
        kept.sort(key=lambda row: row.sort_value(query.sort)[0])
    return paginate(kept, query.page)


@dataclass(frozen=True)
class GroupLine:
    label: str
    students: int
    placed: int


def group_summary(rows: list[StudentRow]) -> dict[str, list[GroupLine]]:
    """Students and placed students per priority tier, programme sector and province."""
    keys: dict[str, Callable[[StudentRow], str]] = {
        "tier": lambda r: f"{r.tier}", "sector": lambda r: r.programme_sector,
        "province": lambda r: r.province}
    summary: dict[str, list[GroupLine]] = {}
    for dimension, key in keys.items():
        total: Counter[str] = Counter(key(r) for r in rows)
        placed: Counter[str] = Counter(key(r) for r in rows if r.placed)
        summary[dimension] = [GroupLine(label, total[label], placed[label])
                              for label in sorted(total, key=group_order)]
    return summary


def provinces_of(rows: list[StudentRow]) -> list[str]:
    return sorted({r.province for r in rows})


@dataclass(frozen=True)
class SuggestionWhy:
    """A suggested workplace with the reasons in the coach's words."""

    workplace_id: str
    employer: str
    sector: str
    cost: int
    free_seats: int
    wish_text: Message
    gaps_text: Message
    travel_minutes: int


def explain_suggestion(context: PlanContext, suggestion: Suggestion) -> SuggestionWhy:
    scenario, state = context.scenario, context.state
    pair = suggestion.pair
    rank = int(wish_rank(pair)[0])
    wishes = int(scenario.students.wish_count[suggestion.student])
    sector = scenario.sectors.codes[int(scenario.workplaces.sector[suggestion.workplace])]
    if wishes == 0:
        wish_text = Message("suggest.no_wishes")
    elif rank < wishes:
        wish_text = Message("suggest.wish_rank", rank=rank + 1, sector=sector)
    else:
        wish_text = Message("suggest.not_a_wish", sector=sector)
    gaps = int(uncovered_gaps(pair)[0])
    gaps_text = (Message("suggest.all_gaps_taught") if gaps == 0 else
                 Message("suggest.gaps_left", count=gaps))
    return SuggestionWhy(
        workplace_id=str(scenario.workplaces.ids[suggestion.workplace]),
        employer=str(scenario.workplaces.employer[suggestion.workplace]),
        sector=sector, cost=suggestion.cost,
        free_seats=int(state.free_room[suggestion.workplace]),
        wish_text=wish_text, gaps_text=gaps_text, travel_minutes=int(pair.minutes[0]))


def map_points(context: PlanContext, rows: list[StudentRow],
               lang: Lang) -> list[dict[str, object]]:
    """Students and workplaces as map points; a placed student has a line to the workplace."""
    scenario = context.scenario
    s, w = scenario.students, scenario.workplaces
    provinces = workplace_provinces(scenario)
    points: list[dict[str, object]] = []
    for position, workplace_id in enumerate(w.ids):
        points.append({"id": str(workplace_id), "kind": "workplace",
                       "lat": round(float(w.lat[position]), 5),
                       "lon": round(float(w.lon[position]), 5),
                       "label": f"{workplace_id} – {w.employer[position]} "
                                f"({province_name(str(provinces[position]))})"})
    for position, row in enumerate(rows):
        point: dict[str, object] = {
            "id": row.student_id, "kind": "placed" if row.placed else "unmatched",
            "lat": round(float(s.lat[position]), 5), "lon": round(float(s.lon[position]), 5),
            "label": (f"{row.student_id} → {row.workplace_id}" if row.placed else
                      render(Message("map.not_placed", student=row.student_id), lang))}
        if row.placed:
            target = context.workplace_index[row.workplace_id]
            point["to"] = [round(float(w.lat[target]), 5), round(float(w.lon[target]), 5)]
        points.append(point)
    return points
