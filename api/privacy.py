"""The coach-view policy: what a coach (trajectbegeleider) may read, in one place.

A consultant reads everything. A coach reads only the students they follow
(``api.views`` checks who follows whom) and, of those, only what reveals no
support need: a student's adjustments, intensive support and priority (derived
from both) are sensitive, and no field, count, rule name, reason or sentence a
coach reads may let them be inferred. Every answer a coach can get (the JSON
API and its CSV, the coach's web page) passes through the functions below.

Fields
    Never ``adjustments``, ``intensive_support`` or ``priority``; no summary per
    priority; no solver objective value or bound (they weigh students by
    priority). A coach's CSV is built from ``coach_names``: employers, programmes
    and schools next to the ids, and no priority column. No ``conflicts`` at all:
    a conflict is a pinned placement that breaks a hard rule, the consultant
    resolves it, and its rules (or a conflict without any rule a coach may see)
    would name a need.

Rules
    A coach sees the rules that read only facts a coach may know
    (``SHOWN_RULES``: each rule declares it, ``HardRule.shown_to_coach``, and a
    contract test refuses a rule reading a support need that claims it). The
    adjustments rule is never named: with the exclusion
    rule (the consultant's exclusions and refusals) it makes up "other reasons"
    (``OTHER``), so a workplace closed for other reasons is never known to be
    closed by an adjustment.

Counts
    Per shown rule, the workplaces it rejects, as a consultant reads them (they
    depend on shown facts only). ``OTHER`` is given only for an unplaced student
    with no allowed workplace, and then counts the workplaces that pass every
    shown rule: each of them is closed for other reasons, so this number too
    depends on shown facts only. For any other student it is left out: its size
    could hint at a need (an exclusion closes one or two workplaces, a missing
    adjustment can close dozens), and for a placed one its presence would give
    away a pinned placement that breaks a rule.

Sentences
    One form per reason, its words and numbers drawn from shown facts only, so
    two students with the same shown facts read the same sentence: "full" for
    ``capacity`` (whether seats, mentors or the intensive-support limit are the
    cause), and for ``no_feasible_workplace`` either the main reason among the
    shown rules (when they alone leave no workplace: the rule most of the
    workplaces listing the programme fail) or how many workplaces pass the shown
    rules but are closed for other reasons. The sentences are catalogue messages
    (``COACH_SENTENCES``), rendered in the reader's language at the edge.

Actions
    What a coach can do for an unplaced student (``coach_actions``), each decided
    by shown facts only, so two students with the same shown facts get the same
    actions: complete a missing Dutch level or birth date; widen the travel limit
    when workplaces that pass every other shown rule lie a little beyond it
    (within ``policy.max_travel_fix_min``); consider a programme of another sector
    when no recognised workplace lies within reach; and always ask the consultant, who
    may see what the coach may not.

What a coach still sees: whether and where each of their students is placed,
and which workplaces are suggested. Suggestions follow every rule and limit
(otherwise a coach would propose a placement that cannot be made), so two
students with the same shown facts may get different lists; nothing says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from api.schemas import PlanDocument, StudentView, SummaryView
from matcher.explain import recognised_pairs
from matcher.exports import Names
from matcher.messages import DEFAULT_LANG, Lang, Message, render
from matcher.rules import HARD_RULES, RULE_NAMES, RULES, Pairs
from matcher.rules import rule_label as engine_rule_label
from models.plan import Reason, UnmatchedStudent
from models.scenario import BoolArray, Scenario

# Fields of a student only consultants read.
SUPPORT_FIELDS = ("adjustments", "intensive_support", "priority")
# Rules a coach never sees by name (``HardRule.shown_to_coach``): the sensitive one, merged
# with the exclusion rule (a workplace closed by either is closed "for other reasons").
OTHER_REASON_RULES = tuple(name for name, rule in HARD_RULES.items() if not rule.shown_to_coach)
SHOWN_RULES = tuple(rule for rule in RULE_NAMES if rule not in OTHER_REASON_RULES)
OTHER = "other"

OTHER_LABEL = "rule.other"  # "other reasons (the consultant can explain them)"
# The coach's sentence forms, as message codes: parameters ``rule`` (shown_rule) and
# ``workplaces`` (other_reasons).
COACH_SENTENCES: dict[str, str] = {
    "capacity": "coach.capacity",
    "shown_rule": "coach.shown_rule",
    "other_reasons": "coach.other_reasons",
}


def rule_label(rule: str) -> Message:
    """A rule a coach may read about, in plain words."""
    return Message(OTHER_LABEL) if rule == OTHER else engine_rule_label(rule)


@dataclass(frozen=True)
class ShownRules:
    """One student against the rules a coach sees."""

    passing: int  # workplaces that pass every shown rule
    main: str  # the shown rule most of the programme's workplaces fail


def _shown_results(scenario: Scenario, student: int) -> tuple[Pairs, dict[str, BoolArray]]:
    """The student against the workplaces listing their programme, rule by shown rule:
    every other workplace fails recognition, a shown rule, so it is never a near miss."""
    pairs = recognised_pairs(scenario, np.asarray([student], dtype=np.int64))
    return pairs, {rule: RULES[rule](pairs) for rule in SHOWN_RULES}


def check_shown_rules(scenario: Scenario, student: int) -> ShownRules:
    pairs, results = _shown_results(scenario, student)
    if not len(pairs):
        return ShownRules(0, "recognised_for_programme")
    passes = np.logical_and.reduce(list(results.values()))
    misses = {rule: int((~passed).sum()) for rule, passed in results.items()}
    main = max(SHOWN_RULES, key=misses.__getitem__)  # ties: the contract's order
    return ShownRules(int(np.unique(pairs.workplace[passes]).size), main)


def _shown(counts: dict[str, int]) -> dict[str, int]:
    return {rule: int(counts[rule]) for rule in SHOWN_RULES if rule in counts}


def coach_rule_counts(counts: dict[str, int], scenario: Scenario, student: int,
                      unplaceable: bool) -> dict[str, int]:
    """Per-rule rejection counts as a coach reads them (see the module's "Counts");
    ``unplaceable``: the student is unplaced and no workplace is allowed."""
    if not unplaceable:
        return _shown(counts)
    return {**_shown(counts), OTHER: check_shown_rules(scenario, student).passing}


@dataclass(frozen=True)
class CoachWhy:
    """Why a student is unplaced, as a coach reads it."""

    reason: Reason
    rules: dict[str, int]
    sentence: str  # a key of COACH_SENTENCES
    rule: str = ""  # the shown rule the sentence names, if any
    workplaces: int = 0  # the number the sentence gives, if any

    def message(self) -> Message:
        code = COACH_SENTENCES[self.sentence]
        if self.sentence == "shown_rule":
            return Message(code, rule=rule_label(self.rule))
        if self.sentence == "other_reasons":
            return Message(code, workplaces=self.workplaces)
        return Message(code)

    def text(self, lang: Lang = DEFAULT_LANG) -> str:
        return render(self.message(), lang)


def coach_why(entry: UnmatchedStudent, scenario: Scenario, student: int) -> CoachWhy:
    """The coach's explanation of an unplaced student (position ``student``)."""
    if entry.reason == "capacity":
        return CoachWhy("capacity", _shown(entry.rules), "capacity")
    shown = check_shown_rules(scenario, student)
    rules = {**_shown(entry.rules), OTHER: shown.passing}
    if shown.passing:
        return CoachWhy("no_feasible_workplace", rules, "other_reasons",
                        workplaces=shown.passing)
    return CoachWhy("no_feasible_workplace", rules, "shown_rule", rule=shown.main)


def coach_actions(scenario: Scenario, student: int) -> list[Message]:
    """What the coach can do for an unplaced student (see the module's "Actions").

    Evaluated on the workplaces that list the student's programme, with the shown
    rules only: a missing Dutch level or birth date is named only when a workplace
    asks for it; a wider travel limit only when workplaces that pass every other
    shown rule lie at most ``policy.max_travel_fix_min`` minutes beyond it; another
    sector only when no recognised workplace lies within that reach."""
    s = scenario.students
    pairs, results = _shown_results(scenario, student)
    to_complete: dict[str, None] = {}  # the values to fill in, once each, in rule order
    for rule in SHOWN_RULES:
        missing = HARD_RULES[rule].unknown
        if missing is not None and missing.lacks(s, student) and not results[rule].all():
            to_complete[missing.complete_code()] = None
    actions = [Message(code) for code in to_complete]
    extra = pairs.minutes - int(s.max_travel_min[student])
    reach = extra <= scenario.config.policy.max_travel_fix_min
    beyond = np.logical_and.reduce(
        [passed for rule, passed in results.items() if rule != "travel"]) & (extra > 0) & reach
    if beyond.any():
        actions.append(Message("coach.action.widen_travel",
                               workplaces=int(np.unique(pairs.workplace[beyond]).size),
                               minutes=int(extra[beyond].min())))
    if not (results["recognised_for_programme"] & reach).any():
        actions.append(Message("coach.action.other_sector"))
    actions.append(Message("coach.action.ask_consultant"))
    return actions


def coach_unmatched(entry: UnmatchedStudent, scenario: Scenario, student: int
                    ) -> UnmatchedStudent:
    why = coach_why(entry, scenario, student)
    return UnmatchedStudent.explained(entry.student_id, why.reason, why.message(), why.rules)


def coach_plan(plan: PlanDocument, scenario: Scenario) -> PlanDocument:
    """A plan already cut to the coach's own students, as the coach may read it."""
    position = {str(s): i for i, s in enumerate(scenario.students.ids)}
    return plan.model_copy(update={
        "solver": plan.solver.model_copy(update={"objective_value": None, "bound": None}),
        "summary": SummaryView(students=len(plan.assignments) + len(plan.unmatched),
                               placed=len(plan.assignments)),
        "conflicts": None,
        "unmatched": [coach_unmatched(u, scenario, position[u.student_id])
                      for u in plan.unmatched],
    })


def coach_names(scenario: Scenario) -> Names:
    """What a coach's download shows next to ids: employers, programmes and schools, never
    a priority (the column is left out, not emptied)."""
    return Names.of(scenario).without_priority()


def coach_student(view: StudentView, scenario: Scenario, student: int) -> StudentView:
    """One of the coach's students, as the coach may read it."""
    return view.model_copy(update={
        **dict.fromkeys(SUPPORT_FIELDS),
        "unmatched": coach_unmatched(view.unmatched, scenario, student)
        if view.unmatched else None,
    })
