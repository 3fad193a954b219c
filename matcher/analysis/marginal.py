"""Marginal value of recruiting: which added workplace, seat, mentor slot,
recognition or adjustment places the most students — a ranked recruitment list
for the consultant, per sector and province.

Method: counterfactual re-solves (``matcher.analysis.changes.Resolver``), the
same exact solver as the plan, so a value is a number of students the real
optimiser places, per priority level. The flow backend does not expose dual
values; instead, the residual graph of the optimal plan (what duals summarise)
is used to decide *which* changes can have any value, so only those are
re-solved:

- more room at workplace ``w`` (a copy of ``w``, a seat, a mentor slot) can
  place someone only if an unmatched student reaches ``w`` by an alternating
  path through the plan (``matcher.analysis.fixes.reachable_workplaces``);
  otherwise its value is exactly 0. Workplaces are tried in order of how many
  unmatched students reach them;
- a recognition or an adjustment at ``w`` can only help students for whom
  ``w`` breaks just that one rule; those are tried in order of how many
  unmatched students they concern.

Tests compare these values with an exhaustive brute force on tiny scenarios.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.analysis.changes import Change, ChangeKind, Resolver
from matcher.analysis.fixes import one_rule_changes, reachable_workplaces
from matcher.analysis.groups import PROVINCE_NAMES, workplace_provinces
from matcher.messages import DEFAULT_LANG, Lang, Message, render
from matcher.pipeline import SolveRun

LIMIT = 25  # changes re-solved per kind


@dataclass(frozen=True)
class Recruit:
    change: Change
    description: Message
    sector: str
    province: str
    placed: int  # net students placed by the change
    by_priority: dict[str, int]  # net placed per priority level (levels that changed)


def reach_counts(run: SolveRun) -> Counter[int]:
    """Per workplace, how many unmatched students reach it through the plan."""
    counts: Counter[int] = Counter()
    for student in np.flatnonzero(run.solution.workplace < 0).tolist():
        counts.update(reachable_workplaces(run, student))
    return counts


def _rule_counts(run: SolveRun) -> Counter[Change]:
    counts: Counter[Change] = Counter()
    for student in np.flatnonzero(run.solution.workplace < 0).tolist():
        counts.update(c for c in one_rule_changes(run, student, per_kind=LIMIT)
                      if c.kind in ("recognition", "adjustment"))
    return counts


def candidate_recruits(run: SolveRun, limit: int = LIMIT) -> list[Change]:
    """The changes worth a re-solve (see module doc), at most ``limit`` per kind."""
    reach = sorted(reach_counts(run).items(), key=lambda item: (-item[1], item[0]))[:limit]
    room_kinds: tuple[ChangeKind, ...] = ("workplace", "seat", "mentor")
    changes = [Change(kind, workplace=w) for kind in room_kinds for w, _ in reach]
    rules = sorted(_rule_counts(run).items(),
                   key=lambda item: (-item[1], item[0].kind, item[0].workplace,
                                     item[0].programme, item[0].codes))
    for kind in ("recognition", "adjustment"):
        changes += [c for c, _ in rules if c.kind == kind][:limit]
    return changes


def recruitment_list(run: SolveRun, limit: int = LIMIT, resolver: Resolver | None = None,
                     private: bool = True) -> list[Recruit]:
    """Changes that place at least one more student, most students first (then most
    priority-1 students, then the smallest effort)."""
    sc = run.scenario
    resolver = resolver or Resolver(sc, run.candidates, run.solution, run.solution.objective)
    sectors = np.asarray(sc.sectors.codes, dtype=object)
    provinces = workplace_provinces(sc)
    priority = sc.students.priority
    before = run.solution.workplace >= 0
    recruits = []
    changes = candidate_recruits(run, limit)
    resolver.prepare(changes)
    for change in changes:
        outcome = resolver.outcome(change)
        if outcome.net_gain <= 0:
            continue
        after = outcome.workplace >= 0
        levels = sorted({int(p) for p in priority[after != before]})
        by_priority = {str(level): int((after & (priority == level)).sum()
                                       - (before & (priority == level)).sum())
                       for level in levels}
        w = change.workplace
        recruits.append(Recruit(change, change.describe(sc, private=private),
                                str(sectors[sc.workplaces.sector[w]]),
                                PROVINCE_NAMES.get(str(provinces[w]), str(provinces[w])),
                                outcome.net_gain, by_priority))
    recruits.sort(key=lambda r: (-r.placed, -r.by_priority.get("1", 0), r.change.effort,
                                 str(r.description)))
    return recruits


def recruitment_frame(recruits: list[Recruit], lang: Lang = DEFAULT_LANG) -> pd.DataFrame:
    return pd.DataFrame([{"change": render(r.description, lang), "kind": r.change.kind,
                          "sector": r.sector, "province": r.province, "students_placed": r.placed,
                          "priority_1_placed": r.by_priority.get("1", 0)} for r in recruits],
                        columns=["change", "kind", "sector", "province", "students_placed",
                                 "priority_1_placed"])


def by_sector_and_province(recruits: list[Recruit], lang: Lang = DEFAULT_LANG) -> pd.DataFrame:
    """Per sector and province: the best single change and how many it places."""
    frame = recruitment_frame(recruits, lang)
    if not len(frame):
        return frame
    best = frame.sort_values(["students_placed", "priority_1_placed"], ascending=False,
                             kind="stable").groupby(["sector", "province"], sort=False).head(1)
    counts = frame.groupby(["sector", "province"]).size().rename("changes_with_value")
    return best.merge(counts.reset_index(), on=["sector", "province"]).reset_index(drop=True)
