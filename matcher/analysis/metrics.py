"""What one solve tells a policy maker, as tidy rows.

Why tidy (one measurement per row): a sweep appends rows for every ratio, seed
and objective, and any question — a tier's placement rate against the ratio,
a sector's spread over seeds — is then a filter and a group-by, in pandas or
in a spreadsheet, without knowing the shape in advance.

Row fields: ``among`` says over whom (``all`` students, or only the
``feasible`` ones with at least one allowed workplace), ``dimension`` and
``group`` what is measured (``tier``/``1``, ``sector``/``zorg``,
``sector_tier``/``zorg|priority-1``, ``reason``/``capacity``,
``plan``/``mean_travel_min``…), ``students`` and ``placed`` count students
where that makes sense, ``value`` is the rate, share or mean, and
``travel_min`` and ``wish_rank`` are the means over a group's placed
students. Timings are kept out of the rows, so that the same input and seed
give identical rows on any machine or executor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from matcher.analysis.groups import StudentGroups
from matcher.cost import wish_rank
from matcher.pipeline import SolveRun
from matcher.rules import Pairs
from models.scenario import BoolArray, FloatArray, ObjArray

Row = dict[str, Any]
PRIORITY_ONE = "priority-1"
OTHERS = "others"
REASONS = ("no_feasible_workplace", "capacity")
# Who a rate is over: every student, or only those with at least one allowed
# workplace (there a gap is crowding out, not a missing recognition or adjustment).
AMONG = ("all", "feasible")
RATE_DIMENSIONS = ("all", "tier", "sector", "province", "phase", "school_type", "sector_tier")


def _rate_rows(dimension: str, among: str, labels: ObjArray, placed: BoolArray,
               minutes: FloatArray, ranks: FloatArray) -> list[Row]:
    """One row per group: students, placed, rate, and the mean travel minutes and
    wish rank of the group's placed students (NaN where none is placed)."""
    rows = []
    for group in sorted({str(x) for x in labels}, key=group_order):
        members = labels == group
        n = int(members.sum())
        k = int(placed[members].sum())
        chosen = members & placed
        rows.append({"among": among, "dimension": dimension, "group": group, "students": n,
                     "placed": k, "value": k / n if n else float("nan"),
                     "travel_min": float(minutes[chosen].mean()) if k else float("nan"),
                     "wish_rank": float(ranks[chosen].mean()) if k else float("nan")})
    return rows


def group_order(group: str) -> tuple[int, str]:
    """Numeric groups (tiers) in numeric order, others alphabetically."""
    return (int(group), "") if group.isdigit() else (10**9, group)


def plan_rows(run: SolveRun, groups: StudentGroups) -> list[Row]:
    """Tidy rows of one solved plan: placement rates, travel and wish rank per group
    (each over all students and over students with an allowed workplace), unmatched
    reasons, and the plan's mean travel minutes, mean wish rank and total cost."""
    sc, solution = run.scenario, run.solution
    n = len(sc.students)
    placed = solution.workplace >= 0
    who = np.flatnonzero(placed)
    pairs = Pairs(sc, who, solution.workplace[who])
    minutes = np.full(n, np.nan)
    ranks = np.full(n, np.nan)
    minutes[who] = pairs.minutes
    ranks[who] = wish_rank(pairs)
    # priority-1 against everyone else, per sector: the question of the product
    tier = np.where(sc.students.priority == 1, PRIORITY_ONE, OTHERS).astype(object)
    labels = {"all": np.full(n, "all", dtype=object), **groups.dimensions(),
              "sector_tier": groups.sector + "|" + tier}
    feasible = np.zeros(n, dtype=bool)
    feasible[run.candidates.student] = True
    feasible[sc.pinned.student] = True
    rows: list[Row] = []
    for among, members in (("all", np.ones(n, dtype=bool)), ("feasible", feasible)):
        for dimension in RATE_DIMENSIONS:
            rows += _rate_rows(dimension, among, labels[dimension][members], placed[members],
                               minutes[members], ranks[members])

    reasons: list[str] = [u.reason for u in run.plan.unmatched]
    for reason in REASONS:
        count = reasons.count(reason)
        rows.append({"among": "all", "dimension": "reason", "group": reason,
                     "students": count, "placed": None,
                     "value": count / n if n else float("nan")})

    costs = [a.cost for a in run.plan.assignments]
    for name, value in (
        ("mean_travel_min", float(np.nanmean(minutes)) if len(who) else float("nan")),
        ("mean_wish_rank", float(np.nanmean(ranks)) if len(who) else float("nan")),
        ("total_cost", float(sum(costs))),
        ("seats", float(sc.workplaces.seats.sum())),
        ("workplaces", float(len(sc.workplaces))),
    ):
        rows.append({"among": "all", "dimension": "plan", "group": name, "students": None,
                     "placed": None, "value": value})
    return rows
