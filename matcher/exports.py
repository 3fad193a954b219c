"""The tables people open in a spreadsheet: placements, unmatched students, conflicts and
fixes, in the reader's language and CSV dialect. One place for their columns, so the
CLI's files, the API's CSV and the web page's downloads say the same thing.

Languages
    A column is a catalogue code (``csv.*``). In English its heading is the column name
    the files always had (``student_id``, ``workplace_id``…) and a cell keeps the
    contract's value (``no_feasible_workplace``, ``true``), so scripts reading today's
    English files keep working; columns added since come after the ones a file always
    had. In Dutch every heading and value is a word of the catalogue, and the names sit
    next to the ids.

Names next to ids
    The employer next to a workplace id, the programme and the school next to a
    student id (``Names``, read from the scenario).

Priority
    Only a consultant reads a student's priority (``Names.priority``); a coach's table
    is built from ``Names`` without it, so the column is not there at all.

Dialects
    ``comma`` or ``excel-be`` (Belgian Excel), defined in ``matcher.csv_dialects``.

Every text cell goes through ``matcher.csv_cells`` (formula injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol, cast

import pandas as pd

from matcher.csv_cells import text_cell, text_column
from matcher.csv_dialects import CsvDialect
from matcher.messages import Lang, Message, render
from matcher.rules import RULE_NAMES
from models.plan import Assignment, Plan, UnmatchedStudent
from models.scenario import Scenario

_SEPARATORS: dict[CsvDialect, tuple[str, str]] = {"excel-be": (";", ","), "comma": (",", ".")}
BOM = "\ufeff"


@dataclass(frozen=True)
class Names:
    """What the plan holds only as ids, by id: employers, programmes, schools and (for a
    consultant only) priorities."""

    employer: Mapping[str, str]  # workplace id → employer name
    programme: Mapping[str, str]  # student id → programme code
    school: Mapping[str, str]  # student id → school id
    priority: Mapping[str, int] | None  # student id → priority; None for a coach

    @classmethod
    def of(cls, scenario: Scenario) -> Names:
        """Everything, priorities included: a consultant's names."""
        s, w = scenario.students, scenario.workplaces
        ids = [str(i) for i in s.ids]
        codes = scenario.programmes.codes
        return cls(employer=dict(zip(map(str, w.ids), map(str, w.employer), strict=True)),
                   programme={i: codes[p] for i, p in zip(ids, s.programme, strict=True)},
                   school=dict(zip(ids, map(str, s.school_id), strict=True)),
                   priority={i: int(p) for i, p in zip(ids, s.priority, strict=True)})

    @classmethod
    def none(cls) -> Names:
        """No scenario at hand: the name columns stay empty (and no priority)."""
        return cls(employer={}, programme={}, school={}, priority=None)

    def without_priority(self) -> Names:
        return replace(self, priority=None)


@dataclass(frozen=True)
class Table:
    """Rows under column codes; ``first``: the columns an English file always had, in
    their order (they lead the English file, the other columns follow)."""

    columns: tuple[str, ...]
    rows: list[list[object]]
    first: tuple[str, ...] = ()

    def ordered(self, lang: Lang) -> Table:
        if lang != "en" or not self.first:
            return self
        order = [*self.first, *(c for c in self.columns if c not in self.first)]
        where = [self.columns.index(c) for c in order]
        return Table(tuple(order), [[row[i] for i in where] for row in self.rows], self.first)


def _word(code: str, english: object, lang: Lang) -> object:
    """A value: the contract's own in English, the catalogue's word in Dutch."""
    return english if lang == "en" else Message(code)


def _yes_no(value: bool, lang: Lang) -> object:
    return _word("csv.yes" if value else "csv.no", "true" if value else "false", lang)


def _student_names(names: Names, student_id: str) -> list[object]:
    cells: list[object] = [names.programme.get(student_id, ""), names.school.get(student_id, "")]
    if names.priority is not None:
        cells.append(names.priority.get(student_id, ""))
    return cells


def _student_name_columns(names: Names, student_ids: list[str]) -> list[list[object]]:
    """``_student_names`` of each student, as columns."""
    columns: list[list[object]] = [[names.programme.get(i, "") for i in student_ids],
                                   [names.school.get(i, "") for i in student_ids]]
    if names.priority is not None:
        priority = names.priority
        columns.append([priority.get(i, "") for i in student_ids])
    return columns


def _student_columns(names: Names) -> tuple[str, ...]:
    return ("csv.programme", "csv.school_id",
            *(("csv.priority",) if names.priority is not None else ()))


def assignments_table(plan: Plan, names: Names, lang: Lang) -> Table:
    """One row per placed student."""
    columns = ("csv.student_id", *_student_columns(names), "csv.workplace_id", "csv.employer",
               "csv.mentor_id", "csv.cost", "csv.wish", "csv.competence", "csv.travel",
               "csv.pinned")
    # column by column (a row per placed student), then turned into rows
    placed = plan.assignments
    students = [a.student_id for a in placed]
    workplaces = [a.workplace_id for a in placed]
    breakdowns = [a.breakdown for a in placed]
    yes, no = _yes_no(True, lang), _yes_no(False, lang)
    cells: list[Sequence[object]] = [
        students, *_student_name_columns(names, students), workplaces,
        [names.employer.get(w, "") for w in workplaces], [a.mentor_id or "" for a in placed],
        [a.cost for a in placed], [b.wish for b in breakdowns],
        [b.competence for b in breakdowns], [b.travel for b in breakdowns],
        [yes if a.pinned else no for a in placed]]
    rows = [list(row) for row in zip(*cells, strict=True)]
    return Table(columns, rows, ("csv.student_id", "csv.workplace_id", "csv.mentor_id",
                                 "csv.cost", "csv.wish", "csv.competence", "csv.travel",
                                 "csv.pinned"))


def _reason(reason: str, lang: Lang) -> object:
    return _word(f"reason.{reason}", reason, lang)


def unmatched_table(plan: Plan, names: Names, lang: Lang) -> Table:
    """One row per unplaced student: why, and how many workplaces each rule rejects."""
    rule_columns = tuple(f"csv.rule.{rule}" for rule in RULE_NAMES)
    columns = ("csv.student_id", *_student_columns(names), "csv.reason", "csv.detail",
               *rule_columns)
    rows = [[u.student_id, *_student_names(names, u.student_id), _reason(u.reason, lang),
             u.message(), *(u.rules.get(rule, 0) for rule in RULE_NAMES)]
            for u in plan.unmatched]
    return Table(columns, rows, ("csv.student_id", "csv.reason", "csv.detail", *rule_columns))


def conflicts_table(plan: Plan, names: Names) -> Table:
    """Pinned placements that break a hard rule or a capacity limit (consultant only)."""
    columns = ("csv.student_id", "csv.programme", "csv.workplace_id", "csv.employer",
               "csv.conflict", "csv.broken")
    rows: list[list[object]] = []
    for c in plan.conflicts:
        rows.append([c.student_id, names.programme.get(c.student_id, ""), c.workplace_id,
                     names.employer.get(c.workplace_id, ""), Message("csv.conflict_rules"),
                     [Message(f"rule.{rule}") for rule in c.rules]])
    for k in plan.capacity_conflicts:
        rows.append([k.student_id, names.programme.get(k.student_id, ""), k.workplace_id,
                     names.employer.get(k.workplace_id, ""), Message("csv.conflict_capacity"),
                     [Message(f"limit.{limit}") for limit in k.limits]])
    return Table(columns, rows)


class PlanRows(Protocol):
    """What every plan document has: a plan.json, or a coach's cut of it."""

    @property
    def assignments(self) -> Sequence[Assignment]: ...

    @property
    def unmatched(self) -> Sequence[UnmatchedStudent]: ...


def plan_table(plan: PlanRows, names: Names, lang: Lang) -> Table:
    """Every student in one table, placed or not (the API's and web page's CSV)."""
    columns = ("csv.student_id", *_student_columns(names), "csv.workplace_id", "csv.employer",
               "csv.mentor_id", "csv.cost", "csv.wish", "csv.competence", "csv.travel",
               "csv.pinned", "csv.unmatched_reason", "csv.unmatched_detail")
    rows: list[list[object]] = [
        [a.student_id, *_student_names(names, a.student_id), a.workplace_id,
         names.employer.get(a.workplace_id, ""), a.mentor_id or "", a.cost, a.breakdown.wish,
         a.breakdown.competence, a.breakdown.travel, _yes_no(bool(a.pinned), lang), "", ""]
        for a in plan.assignments]
    rows += [[u.student_id, *_student_names(names, u.student_id), "", "", "", "", "", "", "",
              _yes_no(False, lang), _reason(u.reason, lang), u.message()]
             for u in plan.unmatched]
    return Table(columns, rows, ("csv.student_id", "csv.workplace_id", "csv.mentor_id",
                                 "csv.cost", "csv.wish", "csv.competence", "csv.travel",
                                 "csv.pinned", "csv.unmatched_reason",
                                 "csv.unmatched_detail"))


def fixes_table(rows: Iterable[Mapping[str, object]], names: Names, lang: Lang) -> Table:
    """The report's fixes (``matcher.analysis.fixes.fix_rows``): one row per unplaced
    student (consultant only: it has the priority), with every other student the fix
    places, unplaces or moves."""
    columns = ("csv.student_id", "csv.programme", "csv.school_id", "csv.priority", "csv.fix",
               "csv.kind", "csv.places", "csv.also_places", "csv.also_unplaces",
               "csv.also_moves")
    out = []
    for row in rows:
        student = str(row["student_id"])
        others = [";".join(map(str, ids)) if isinstance(ids := row.get(name, []), list)
                  else ids for name in ("also_places", "also_unplaces", "also_moves")]
        out.append([student, names.programme.get(student, ""), names.school.get(student, ""),
                    row["priority"], row["fix"], _word(f"kind.{row['kind']}", row["kind"], lang),
                    row["places"], *others])
    return Table(columns, out, ("csv.student_id", "csv.priority", "csv.fix", "csv.kind",
                                "csv.places", "csv.also_places", "csv.also_unplaces",
                                "csv.also_moves"))


def recruitment_table(frame: pd.DataFrame, lang: Lang) -> Table:
    """The report's recruitment list (``matcher.analysis.marginal.recruitment_frame``):
    single additions and how many students each would place (consultant only)."""
    columns = ("csv.change", "csv.kind", "csv.sector", "csv.province", "csv.students_placed",
               "csv.priority_1_placed")
    return Table(columns, [[row["change"], _word(f"kind.{row['kind']}", row["kind"], lang),
                            row["sector"], row["province"], row["students_placed"],
                            row["priority_1_placed"]] for row in frame.to_dict("records")])


def _value(value: object, lang: Lang, decimal: str) -> object:
    """Messages and lists as text in ``lang``, a decimal number with ``decimal`` (in a
    CSV file); whole numbers and text as they are."""
    if value is None:
        return ""
    if isinstance(value, Message):
        return render(value, lang)
    if isinstance(value, list | tuple):
        return "; ".join(render(v, lang) if isinstance(v, Message) else str(v) for v in value)
    if isinstance(value, float) and decimal != ".":
        return str(value).replace(".", decimal)
    return value


def _cell(value: object, lang: Lang, decimal: str) -> object:
    return text_cell(_value(value, lang, decimal))


def csv_text(table: Table, lang: Lang, dialect: CsvDialect, lineterminator: str = "\r\n"
             ) -> str:
    """The table as CSV text in ``lang`` (a Belgian Excel file starts with its BOM)."""
    table = table.ordered(lang)
    delimiter, decimal = _SEPARATORS[dialect]
    out = io.StringIO()
    if dialect == "excel-be":
        out.write(BOM)
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow([text_cell(render(Message(code), lang)) for code in table.columns])
    columns = [_cells(list(column), lang, decimal) for column in zip(*table.rows, strict=True)]
    writer.writerows(zip(*columns, strict=True))
    return out.getvalue()


def _cells(column: list[object], lang: Lang, decimal: str) -> list[object]:
    """One column's cells (as ``_cell`` makes each), a whole column of ids or whole
    numbers at once: plans have a row per student."""
    kinds = set(map(type, column))
    if kinds <= {int}:
        return column
    if kinds <= {str}:
        return text_column(cast(list[str], column))
    messages = cast(list[Message], column)
    if kinds <= {Message} and not any(message.params for message in messages):
        # the same few words (yes/no, a reason) on every row: render each once
        words = {code: _cell(Message(code), lang, decimal)
                 for code in {message.code for message in messages}}
        return [words[message.code] for message in messages]
    return [_cell(value, lang, decimal) for value in column]


def write_csv(path: Path, table: Table, lang: Lang, dialect: CsvDialect) -> None:
    path.write_text(csv_text(table, lang, dialect), encoding="utf-8", newline="")


def sheet_rows(table: Table, lang: Lang) -> tuple[list[str], list[list[object]]]:
    """Heading and cells for a workbook: numbers stay numbers, everything else is text in
    ``lang`` (the workbook writer marks text cells as text, so no formula runs)."""
    table = table.ordered(lang)
    heading = [render(Message(code), lang) for code in table.columns]
    return heading, [[_value(v, lang, ".") for v in row] for row in table.rows]
