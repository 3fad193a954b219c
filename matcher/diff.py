"""The difference of two plans: per student, what changed, and counts of it.

One function, ``plan_diff``, is what every screen uses to show a change (re-plans
after a refusal, plan comparisons on the page, ``matcher diff``), so they all tell
the same story. It speaks in codes and ids only; the edges turn them into words.

A student's place is their workplace and mentor. Per student the change is
``gained`` (unplaced → placed), ``lost`` (placed → unplaced), ``moved`` (placed in
both, at another workplace or with another mentor) or ``unchanged``. Two plans of
different scenario versions may not list the same students: a student only in the
new plan is ``added``, one only in the old plan ``removed``; they are never dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal, Protocol

from matcher.messages import Message
from models.plan import Assignment, UnmatchedStudent
from models.scenario import Scenario

ChangeKind = Literal["gained", "lost", "moved", "unchanged", "added", "removed"]
CHANGE_KINDS: tuple[ChangeKind, ...] = ("gained", "lost", "moved", "unchanged", "added",
                                        "removed")
UNKNOWN_PRIORITY = "unknown"  # the group of students the given priorities lack (listed last)


class PlanLike(Protocol):
    """What the difference reads of a plan: models.plan.Plan, or a role's view of it."""

    @property
    def assignments(self) -> Sequence[Assignment]: ...

    @property
    def unmatched(self) -> Sequence[UnmatchedStudent]: ...


class InconsistentPlan(ValueError):
    """A plan that lists a student twice (placed twice, or placed and unmatched)."""

    def __init__(self, side: Literal["before", "after"], student_id: str) -> None:
        self.side = side
        self.student_id = student_id
        self.message = Message("diff.twice", side=Message(f"diff.side.{side}"),
                               student=student_id)
        super().__init__(str(self.message))


@dataclass(frozen=True)
class Place:
    """A student's place in one plan: a workplace and mentor, or the unmatched reason."""

    workplace_id: str | None  # None: unplaced
    mentor_id: str | None = None
    reason: str | None = None  # the unmatched reason when unplaced

    @property
    def placed(self) -> bool:
        return self.workplace_id is not None


@dataclass(frozen=True)
class StudentChange:
    student_id: str
    change: ChangeKind
    before: Place | None  # None: the student is not in the old plan
    after: Place | None  # None: the student is not in the new plan
    priority: int | None  # None when no priorities were given, or they lack the student

    def as_json(self, with_priority: bool) -> dict[str, Any]:
        """One entry of ``changes``: before/after are workplace ids or null."""
        entry: dict[str, Any] = {
            "student_id": self.student_id, "change": self.change,
            "before": self.before.workplace_id if self.before else None,
            "after": self.after.workplace_id if self.after else None,
            "before_mentor_id": self.before.mentor_id if self.before else None,
            "after_mentor_id": self.after.mentor_id if self.after else None,
            "before_reason": self.before.reason if self.before else None,
            "after_reason": self.after.reason if self.after else None,
        }
        if with_priority:
            entry["priority"] = self.priority
        return entry


def _kind(before: Place | None, after: Place | None) -> ChangeKind:
    if before is None:
        return "added"
    if after is None:
        return "removed"
    if before.placed and after.placed:
        same = (before.workplace_id, before.mentor_id) == (after.workplace_id, after.mentor_id)
        return "unchanged" if same else "moved"
    if after.placed:
        return "gained"
    return "lost" if before.placed else "unchanged"


def _places(plan: PlanLike, side: Literal["before", "after"]) -> dict[str, Place]:
    """Every student the plan lists, with their place; ``side`` names the plan in an error."""
    found: dict[str, Place] = {}
    entries: list[tuple[str, Place]] = [
        (a.student_id, Place(a.workplace_id, a.mentor_id)) for a in plan.assignments]
    entries += [(u.student_id, Place(None, reason=u.reason)) for u in plan.unmatched]
    for student_id, place in entries:
        if student_id in found:
            raise InconsistentPlan(side, student_id)
        found[student_id] = place
    return found


@dataclass(frozen=True)
class PriorityCounts:
    students: int  # in either plan
    placed_before: int
    placed_after: int
    changes: dict[ChangeKind, int]


@dataclass(frozen=True)
class ReasonCounts:
    before: int  # unmatched for this reason in the old plan
    after: int  # unmatched for this reason in the new plan
    gained: int  # unmatched for this reason before, placed now
    lost: int  # placed before, unmatched for this reason now


@dataclass(frozen=True)
class PlanDiff:
    students: tuple[StudentChange, ...]  # every student of either plan, by student_id
    with_priority: bool  # whether priorities were given (never for a coach)

    @property
    def changes(self) -> list[StudentChange]:
        """The students whose place differs, or who are in only one plan."""
        return [s for s in self.students if s.change != "unchanged"]

    def change_of(self) -> dict[str, ChangeKind]:
        """Each student's kind of change, by student_id."""
        return {s.student_id: s.change for s in self.students}

    def counts(self) -> dict[ChangeKind, int]:
        found = Counter(s.change for s in self.students)
        return {kind: found[kind] for kind in CHANGE_KINDS}

    def placed(self) -> tuple[int, int]:
        """Placed students in the old and in the new plan."""
        return (sum(1 for s in self.students if s.before and s.before.placed),
                sum(1 for s in self.students if s.after and s.after.placed))

    def by_priority(self) -> dict[str, PriorityCounts]:
        """Counts per priority level (as in plan.json's summary: "1", "2", …); empty
        when no priorities were given."""
        if not self.with_priority:
            return {}
        groups: dict[int | None, list[StudentChange]] = {}
        for s in self.students:
            groups.setdefault(s.priority, []).append(s)
        levels = sorted(level for level in groups if level is not None)
        counts = {str(level): _priority_counts(groups[level]) for level in levels}
        if None in groups:
            counts[UNKNOWN_PRIORITY] = _priority_counts(groups[None])
        return counts

    def by_reason(self) -> dict[str, ReasonCounts]:
        """Counts per unmatched reason code, alphabetically."""
        before = Counter(s.before.reason for s in self.students
                         if s.before and not s.before.placed)
        after = Counter(s.after.reason for s in self.students if s.after and not s.after.placed)
        gained = Counter(s.before.reason for s in self.students
                         if s.change == "gained" and s.before)
        lost = Counter(s.after.reason for s in self.students if s.change == "lost" and s.after)
        reasons = sorted({str(r) for r in (before | after)})
        return {r: ReasonCounts(before[r], after[r], gained[r], lost[r]) for r in reasons}

    def summary_json(self) -> dict[str, Any]:
        placed_before, placed_after = self.placed()
        summary: dict[str, Any] = {
            "students": len(self.students),
            "placed": {"before": placed_before, "after": placed_after},
            "changes": self.counts(),
            "by_reason": {r: asdict(c) for r, c in self.by_reason().items()},
        }
        if self.with_priority:
            summary["by_priority"] = {
                level: {"students": c.students, "placed_before": c.placed_before,
                        "placed_after": c.placed_after, "changes": c.changes}
                for level, c in self.by_priority().items()}
        return summary

    def as_json(self) -> dict[str, Any]:
        """``{"changes": [...], "summary": {...}}``: only changed students are listed."""
        return {"changes": [s.as_json(self.with_priority) for s in self.changes],
                "summary": self.summary_json()}


def _priority_counts(students: list[StudentChange]) -> PriorityCounts:
    found = Counter(s.change for s in students)
    return PriorityCounts(
        students=len(students),
        placed_before=sum(1 for s in students if s.before and s.before.placed),
        placed_after=sum(1 for s in students if s.after and s.after.placed),
        changes={kind: found[kind] for kind in CHANGE_KINDS})


def student_priorities(scenario: Scenario) -> dict[str, int]:
    """Each student's priority level, for ``plan_diff`` (plan.json does not hold it)."""
    return {str(i): int(p) for i, p in zip(scenario.students.ids, scenario.students.priority,
                                          strict=True)}


def plan_diff(before: PlanLike, after: PlanLike,
              priorities: Mapping[str, int] | None = None) -> PlanDiff:
    """What changed for each student from ``before`` to ``after``.

    ``priorities`` (student_id → level, see ``student_priorities``) adds counts per
    priority; leave it out where priority must not be shown (a coach's view).
    Raises ``InconsistentPlan`` when a plan lists a student twice.
    """
    old, new = _places(before, "before"), _places(after, "after")
    students = []
    for student_id in sorted(old.keys() | new.keys()):
        was, now = old.get(student_id), new.get(student_id)
        level = priorities.get(student_id) if priorities is not None else None
        students.append(StudentChange(student_id, _kind(was, now), was, now, level))
    return PlanDiff(tuple(students), with_priority=priorities is not None)


@dataclass(frozen=True)
class _Rows:
    """Some rows of a plan, as ``plan_diff`` reads them."""

    assignments: Sequence[Assignment]
    unmatched: Sequence[UnmatchedStudent]


def _place_keys(plan: PlanLike) -> dict[str, tuple[str | None, str | None, str | None]]:
    """Each student's place as a tuple (workplace, mentor, unmatched reason)."""
    keys: dict[str, tuple[str | None, str | None, str | None]] = {
        a.student_id: (a.workplace_id, a.mentor_id, None) for a in plan.assignments}
    keys.update((u.student_id, (None, None, u.reason)) for u in plan.unmatched)
    return keys


def plan_changes(before: PlanLike, after: PlanLike,
                 priorities: Mapping[str, int] | None = None) -> list[StudentChange]:
    """``plan_diff(before, after, priorities).changes``, in time proportional to the
    plans' rows but with objects only for the students whose place differs (a re-plan
    moves a few of thousands). Raises ``InconsistentPlan`` as ``plan_diff`` does."""
    old, new = _place_keys(before), _place_keys(after)
    if len(old) != len(before.assignments) + len(before.unmatched) or \
            len(new) != len(after.assignments) + len(after.unmatched):
        return plan_diff(before, after, priorities).changes  # a student listed twice
    differ = {s for s in old.keys() | new.keys() if old.get(s) != new.get(s)}

    def rows(plan: PlanLike) -> _Rows:
        return _Rows([a for a in plan.assignments if a.student_id in differ],
                     [u for u in plan.unmatched if u.student_id in differ])

    return plan_diff(rows(before), rows(after), priorities).changes
