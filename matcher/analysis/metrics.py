"""What one solve tells a policy maker, as tidy rows.

Why tidy (one measurement per row): a sweep appends rows for every ratio, seed
and objective, and any question — a tier's placement rate against the ratio,
a sector's spread over seeds — is then a filter and a group-by, in pandas or
in a spreadsheet, without knowing the shape in advance.

Row fields: ``dimension`` and ``group`` say what is measured (``tier``/``1``,
``sector``/``zorg``, ``reason``/``capacity``, ``plan``/``mean_travel_min``…),
``students`` and ``placed`` count students where that makes sense, ``value``
is the rate, share or mean. Timings are kept out of the rows, so that the
same input and seed give identical rows on any machine or executor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matcher.analysis.groups import StudentGroups
from matcher.cost import wish_rank
from matcher.pipeline import SolveRun
from matcher.rules import Pairs
from models.scenario import BoolArray, ObjArray

Row = dict[str, Any]
PRIORITY_ONE = "priority-1"
OTHERS = "others"
REASONS = ("no_feasible_workplace", "capacity")


def _rate_rows(dimension: str, labels: ObjArray, placed: BoolArray) -> list[Row]:
    rows = []
    for group in sorted({str(x) for x in labels}, key=group_order):
        members = labels == group
        n = int(members.sum())
        k = int(placed[members].sum())
        rows.append({"dimension": dimension, "group": group, "students": n, "placed": k,
                     "value": k / n if n else float("nan")})
    return rows


def group_order(group: str) -> tuple[int, str]:
    """Numeric groups (tiers) in numeric order, others alphabetically."""
    return (int(group), "") if group.isdigit() else (10**9, group)


def plan_rows(run: SolveRun, groups: StudentGroups) -> list[Row]:
    """Tidy rows of one solved plan: placement rates per group, unmatched reasons,
    and the plan's mean travel minutes, mean wish rank and total cost."""
    sc, solution = run.scenario, run.solution
    n = len(sc.students)
    placed = solution.workplace >= 0
    rows: list[Row] = _rate_rows("all", np.full(n, "all", dtype=object), placed)
    for dimension, labels in groups.dimensions().items():
        rows += _rate_rows(dimension, labels, placed)
    # The question of the product: priority-1 against everyone else, per sector;
    # once over all students, once over those with at least one allowed workplace
    # (where a gap is crowding out, not a missing recognition or adjustment).
    tier = np.where(sc.students.priority == 1, PRIORITY_ONE, OTHERS).astype(object)
    rows += _rate_rows("sector_tier", groups.sector + "|" + tier, placed)
    feasible = np.zeros(n, dtype=bool)
    feasible[run.candidates.student] = True
    feasible[sc.pinned.student] = True
    rows += _rate_rows("sector_tier_feasible", (groups.sector + "|" + tier)[feasible],
                       placed[feasible])

    reasons: list[str] = [u.reason for u in run.plan.unmatched]
    for reason in REASONS:
        count = reasons.count(reason)
        rows.append({"dimension": "reason", "group": reason, "students": count,
                     "placed": None, "value": count / n if n else float("nan")})

    who = np.flatnonzero(placed)
    pairs = Pairs(sc, who, solution.workplace[who])
    minutes = pairs.minutes
    ranks = wish_rank(pairs)
    costs = [a.cost for a in run.plan.assignments]
    for name, value in (
        ("mean_travel_min", float(minutes.mean()) if len(who) else float("nan")),
        ("mean_wish_rank", float(ranks.mean()) if len(who) else float("nan")),
        ("total_cost", float(sum(costs))),
        ("seats", float(sc.workplaces.seats.sum())),
        ("workplaces", float(len(sc.workplaces))),
    ):
        rows.append({"dimension": "plan", "group": name, "students": None, "placed": None,
                     "value": value})
    return rows
