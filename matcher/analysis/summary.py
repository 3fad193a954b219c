"""From a sweep's tidy rows to the answers: spreads over seeds, the ratio at
which priority-1 students are placed as well as the others, and the price of
fairness.

Definitions (also in docs/analysis.md):

- **catch-up ratio** (per objective, per sector and overall): the smallest
  swept ratio from which, at that ratio and every larger one, the mean
  placement rate of priority-1 students over seeds is at least the mean rate of
  all other students minus ``tolerance`` (1 percentage point by default).
  ``None`` when it never happens within the swept ratios;
- **catch-up among feasible students**: the same, counting only students with
  at least one allowed workplace in the sample. A gap there is crowding out
  (others take the seats); a gap only in the first is students for whom no
  workplace within reach has the recognition, adjustment or placement type
  they need — more of the same workplaces cannot close it;
- **price of fairness** (per ratio and seed): placements-first places at least
  as many students as priority-first; the difference is the placements
  priority-first gives up, and the difference in total cost (and in cost per
  placed student) what it pays in wish rank, competence gaps and travel.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from matcher.analysis.metrics import OTHERS, PRIORITY_ONE

TOLERANCE = 0.01


def spread(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean, std, min and max of ``value`` over seeds, per objective, dimension, group, ratio."""
    keys = ["objective", "dimension", "group", "ratio"]
    stats = rows.groupby(keys, sort=True)["value"].agg(["mean", "std", "min", "max", "count"])
    counts = rows.groupby(keys, sort=True)[["students", "placed"]].mean()
    return stats.join(counts).reset_index().rename(columns={"count": "seeds"})


def tier_gap(rows: pd.DataFrame, dimension: str = "sector_tier") -> pd.DataFrame:
    """Placement rate of priority-1 students and of the others, per objective, sector
    (and ``all``), ratio and seed; ``dimension`` ``sector_tier_feasible`` counts only
    students with at least one allowed workplace."""
    part = rows[rows["dimension"] == dimension].copy()
    if not len(part):  # e.g. a sweep written before this dimension existed
        return pd.DataFrame(columns=["objective", "sector", "ratio", "seed", PRIORITY_ONE,
                                     OTHERS])
    split = part["group"].str.rsplit("|", n=1, expand=True)
    part["sector"], part["tier"] = split[0], split[1]
    overall = part.groupby(["objective", "ratio", "seed", "tier"], as_index=False)[
        ["students", "placed"]].sum()
    overall["sector"] = "all"
    both = pd.concat([part[["objective", "ratio", "seed", "tier", "sector", "students",
                            "placed"]], overall], ignore_index=True)
    both = both.astype({"students": float, "placed": float})
    wide = both.pivot_table(index=["objective", "sector", "ratio", "seed"], columns="tier",
                            values=["students", "placed"], aggfunc="sum")
    out = pd.DataFrame(index=wide.index)
    for tier in (PRIORITY_ONE, OTHERS):
        students = wide["students"].get(tier, math.nan)
        placed = wide["placed"].get(tier, math.nan)
        out[tier] = placed / students
    return out.reset_index()


def catch_up(rows: pd.DataFrame, tolerance: float = TOLERANCE,
             dimension: str = "sector_tier") -> dict[str, dict[str, Any]]:
    """Per objective and sector: the catch-up ratio and the mean rates behind it."""
    gap = tier_gap(rows, dimension)
    means = gap.groupby(["objective", "sector", "ratio"], sort=True)[
        [PRIORITY_ONE, OTHERS]].mean().reset_index()
    answer: dict[str, dict[str, Any]] = {}
    for (objective, sector), part in means.groupby(["objective", "sector"], sort=True):
        part = part.sort_values("ratio")
        ok = (part[PRIORITY_ONE] >= part[OTHERS] - tolerance) | part[PRIORITY_ONE].isna()
        ratio = None
        # from the largest ratio down, as long as priority-1 keeps up
        for r, good in zip(part["ratio"].tolist()[::-1], ok.tolist()[::-1], strict=True):
            if not good:
                break
            ratio = float(r)
        answer.setdefault(str(objective), {})[str(sector)] = {
            "catch_up_ratio": ratio,
            "ratios": [float(r) for r in part["ratio"]],
            "priority_1_rate": [_num(v) for v in part[PRIORITY_ONE]],
            "others_rate": [_num(v) for v in part[OTHERS]],
        }
    return answer


def price_of_fairness(rows: pd.DataFrame) -> pd.DataFrame:
    """Per ratio and seed: placements and cost given up by priority-first."""
    plan = rows[(rows["dimension"] == "plan") & (rows["group"] == "total_cost")]
    placed = rows[rows["dimension"] == "all"]
    cost = plan.pivot_table(index=["ratio", "seed"], columns="objective", values="value")
    count = placed.pivot_table(index=["ratio", "seed"], columns="objective", values="placed")
    if not {"priority-first", "placements-first"} <= set(cost.columns):
        return pd.DataFrame(columns=["ratio", "seed", "placements_lost", "cost_added",
                                     "cost_per_placed_added"])
    out = pd.DataFrame(index=cost.index)
    out["placements_lost"] = count["placements-first"] - count["priority-first"]
    out["cost_added"] = cost["priority-first"] - cost["placements-first"]
    out["cost_per_placed_added"] = (cost["priority-first"] / count["priority-first"]
                                    - cost["placements-first"] / count["placements-first"])
    return out.reset_index()


def _num(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else round(number, 6)


def _stats(values: pd.Series) -> dict[str, float | None]:
    return {"mean": _num(values.mean()), "min": _num(values.min()), "max": _num(values.max())}


def summarise(rows: pd.DataFrame, meta: dict[str, Any]) -> dict[str, Any]:
    """The JSON summary of a sweep: settings and timings (``meta``), rates per group
    with their spread, catch-up ratios, and the price of fairness."""
    stats = spread(rows[rows["dimension"] != "plan"])
    groups: dict[str, Any] = {}
    for (objective, dimension, group), part in stats.groupby(
            ["objective", "dimension", "group"], sort=True):
        groups.setdefault(str(objective), {}).setdefault(str(dimension), {})[str(group)] = {
            "ratio": [float(r) for r in part["ratio"]],
            "mean": [_num(v) for v in part["mean"]],
            "min": [_num(v) for v in part["min"]],
            "max": [_num(v) for v in part["max"]],
        }
    plan = spread(rows[rows["dimension"] == "plan"])
    plan_stats = {
        str(objective): {str(group): {"ratio": [float(r) for r in p["ratio"]],
                                      "mean": [_num(v) for v in p["mean"]]}
                         for group, p in part.groupby("group", sort=True)}
        for objective, part in plan.groupby("objective", sort=True)
    }
    fairness = price_of_fairness(rows)
    price = {str(ratio): {column: _stats(part[column]) for column in
                          ("placements_lost", "cost_added", "cost_per_placed_added")}
             for ratio, part in fairness.groupby("ratio", sort=True)}
    return {
        **meta,
        "tolerance": TOLERANCE,
        "catch_up": catch_up(rows),
        "catch_up_feasible": catch_up(rows, dimension="sector_tier_feasible"),
        "price_of_fairness": price,
        "placement_rates": groups,
        "plan": plan_stats,
    }
