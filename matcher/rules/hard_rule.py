"""What a hard rule declares about itself, once, in its own module.

Everything else that needs to know a rule (candidate search, explanations, the
catalogue's codes, the coach-view policy, the mutation check, the contract tests)
reads it from the registry in ``matcher.rules``, so adding a rule is one module
and one line there. The plan checker's plain reference (``matcher.check.reference``)
is the exception on purpose: it keeps its own table, and a contract test requires
it to cover every rule registered here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from matcher.messages import Message
from matcher.rules.pairs import Pairs
from models.scenario import BoolArray, Students

Rule = Callable[[Pairs], BoolArray]


@dataclass(frozen=True)
class MissingValue:
    """A student value a rule needs: without it, a requirement the workplace sets fails."""

    column: str  # the students.csv column to fill in
    lacks: Callable[[Students, int], bool]  # whether student ``i`` has no value

    def complete_code(self) -> str:
        """The coach's action "complete this value" (catalogue code)."""
        return f"coach.action.complete_{self.column}"


@dataclass(frozen=True)
class HardRule:
    """One hard rule of the contract.

    ``name`` is the contract's rule code: it appears in ``plan.json`` (conflicts,
    per-rule counts of unmatched students) and names the rule's catalogue entries
    (:attr:`message_codes`).
    """

    name: str
    passes: Rule  # True where the pair keeps the rule, vectorised over pairs
    # The ``Students`` fields the rule reads, so explanations evaluate it once per
    # distinct profile; None when it depends on the individual student (location,
    # the student's own exclusions).
    student_fields: tuple[str, ...] | None
    # False when naming the rule could let a coach infer a support need: the coach-view
    # policy (``api.privacy``) then folds it into "other reasons".
    shown_to_coach: bool = True
    # For a rule that fails on a missing student value: which value. A student who
    # lacks it reads ``rule.<name>_unknown`` (what to fill in) instead of
    # ``rule.<name>``, and a coach is asked to complete it
    # (``coach.action.complete_<column>``) when the rule is shown to coaches.
    unknown: MissingValue | None = None

    @property
    def message_codes(self) -> tuple[str, ...]:
        """The catalogue codes this rule needs, in every language: its label in
        explanations, conflicts and pages, its column heading in the exported files,
        and, for a rule with ``unknown``, the label that asks for the missing value and
        the coach's action to complete it."""
        codes: tuple[str, ...] = (f"rule.{self.name}", f"csv.rule.{self.name}")
        if self.unknown is not None:
            codes += (f"rule.{self.name}_unknown",)
            if self.shown_to_coach:
                codes += (self.unknown.complete_code(),)
        return codes

    def label(self) -> Message:
        """What a workplace lacks under this rule, in plain words."""
        return Message(f"rule.{self.name}")

    def label_for(self, students: Students, student: int) -> Message:
        """The label for one student: what to fill in when the rule failed because a
        value of theirs is unknown, else :meth:`label`."""
        if self.unknown is not None and self.unknown.lacks(students, student):
            return Message(f"rule.{self.name}_unknown")
        return self.label()
