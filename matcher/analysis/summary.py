"""From a sweep's tidy rows to the answers: means with 95 % intervals over seeds,
a verdict per point on whether priority-1 students are placed as well as the
others, and the price of fairness.

Definitions (also in docs/analysis.md):

- **interval**: the 95 % Student t-interval of the mean over seeds,
  ``mean ± t(0.975, n − 1) · s / √n`` with ``s`` the sample standard deviation
  of the per-seed values and ``n`` the number of seeds. It says how far the
  mean could move with other samples of the same scenario; it says nothing
  about how far the synthetic scenario is from reality. One seed gives no
  interval.
- **gap** (per point, seed and objective): the placement rate of priority-1
  students minus that of all other students, over all students or only over
  students with at least one allowed workplace (``among``). A gap among the
  latter is crowding out (others take the seats); a gap only among all students
  is students whom no workplace within reach can take — more of the same
  workplaces cannot close it.
- **verdict** (per point and objective) from the gap's interval: ``better``
  when the whole interval is above 0, ``worse`` when it is below 0, else
  ``as_well`` when it lies within ± ``tolerance`` (1 percentage point), else
  ``unclear`` (and always with one seed). A sentence built on a verdict only
  claims what the interval shows.
- **catch-up** along one axis (the others fixed): the smallest swept value
  from which, at it and every larger swept value, the verdict is ``better`` or
  ``as_well``; none when the largest value is not.
- **price of fairness** (per point and seed): placements-first places at least
  as many students as priority-first; the difference is the placements
  priority-first gives up, and the difference in total cost (and in cost per
  placed student) what it pays in wish rank, competence gaps and travel.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from matcher.analysis.metrics import OTHERS, PRIORITY_ONE
from matcher.analysis.sweep import AXES, POINT

TOLERANCE = 0.01
CONFIDENCE = 0.95
INTERVAL_METHOD = "t-interval over seeds"
Verdict = Literal["better", "as_well", "worse", "unclear"]
VERDICTS: tuple[Verdict, ...] = ("better", "as_well", "worse", "unclear")
KEEPS_UP: tuple[Verdict, ...] = ("better", "as_well")


def t_interval(values: Iterable[float], confidence: float = CONFIDENCE
               ) -> tuple[float, float, float]:
    """Mean and the ``confidence`` Student t-interval of the mean (NaNs left out);
    NaN bounds with fewer than two values."""
    data = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if not len(data):
        return math.nan, math.nan, math.nan
    mean = float(data.mean())
    if len(data) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, len(data) - 1)
                 * data.std(ddof=1) / math.sqrt(len(data)))
    return mean, mean - half, mean + half


def verdict_of(low: float, high: float, tolerance: float = TOLERANCE) -> Verdict:
    """What a gap's interval shows (see the module doc)."""
    if math.isnan(low) or math.isnan(high):
        return "unclear"
    if low > 0:
        return "better"
    if high < 0:
        return "worse"
    if low >= -tolerance and high <= tolerance:
        return "as_well"
    return "unclear"


def _by(frame: pd.DataFrame, keys: list[str]) -> Any:
    # NaN in an axis means "as in the scenario", a point like any other
    return frame.groupby(keys, sort=True, dropna=False)


def spread(rows: pd.DataFrame) -> pd.DataFrame:
    """Per objective, among, dimension, group and point: the mean of ``value`` over
    seeds with its interval, the seeds, and the mean students, placed, travel
    minutes and wish rank."""
    keys = ["objective", "among", "dimension", "group", *POINT]
    records = []
    for key, part in _by(rows, keys):
        mean, low, high = t_interval(part["value"].astype(float))
        records.append({**dict(zip(keys, key, strict=True)), "mean": mean, "low": low,
                        "high": high, "seeds": len(part),
                        **{c: float(part[c].astype(float).mean()) if c in part else math.nan
                           for c in ("students", "placed", "travel_min", "wish_rank")}})
    return pd.DataFrame(records, columns=[*keys, "mean", "low", "high", "seeds", "students",
                                          "placed", "travel_min", "wish_rank"])


def tier_gap(rows: pd.DataFrame, among: str = "all") -> pd.DataFrame:
    """Per objective, sector (and ``all``), point and seed: the placement rate and the
    number of priority-1 students and of the others, ``among`` all students or the
    ``feasible`` ones."""
    keys = ["objective", *POINT, "seed"]
    columns = [*keys, "sector", PRIORITY_ONE, OTHERS, "students_1", "students_others"]
    part = rows[(rows["dimension"] == "sector_tier") & (rows["among"] == among)].copy()
    if not len(part):
        return pd.DataFrame(columns=columns)
    split = part["group"].str.rsplit("|", n=1, expand=True)
    part["sector"], part["tier"] = split[0], split[1]
    overall = _by(part, [*keys, "tier"])[["students", "placed"]].sum().reset_index()
    overall["sector"] = "all"
    both = pd.concat([part[[*keys, "sector", "tier", "students", "placed"]], overall],
                     ignore_index=True).astype({"students": float, "placed": float})
    records = []
    for key, group in _by(both, [*keys, "sector"]):
        record: dict[str, Any] = dict(zip([*keys, "sector"], key, strict=True))
        for tier, suffix in ((PRIORITY_ONE, "1"), (OTHERS, "others")):
            mine = group[group["tier"] == tier]
            students, placed = float(mine["students"].sum()), float(mine["placed"].sum())
            record[tier] = placed / students if students else math.nan
            record[f"students_{suffix}"] = students
        records.append(record)
    return pd.DataFrame(records, columns=columns)


def verdicts(rows: pd.DataFrame, among: str = "all", sector: str = "all",
             tolerance: float = TOLERANCE) -> pd.DataFrame:
    """Per objective and point: priority-1 and others' rates with intervals, the gap
    with its interval, the mean group sizes, the seeds and the verdict."""
    gap = tier_gap(rows, among)
    gap = gap[gap["sector"] == sector]
    keys = ["objective", *POINT]
    records = []
    for key, part in _by(gap, keys):
        record: dict[str, Any] = dict(zip(keys, key, strict=True))
        for name, values in ((PRIORITY_ONE, part[PRIORITY_ONE]), (OTHERS, part[OTHERS]),
                             ("gap", part[PRIORITY_ONE] - part[OTHERS])):
            mean, low, high = t_interval(values.astype(float))
            record.update({name: mean, f"{name}_low": low, f"{name}_high": high})
        record["students_1"] = float(part["students_1"].mean())
        record["students_others"] = float(part["students_others"].mean())
        record["seeds"] = int((part[PRIORITY_ONE] - part[OTHERS]).notna().sum())
        record["verdict"] = (verdict_of(record["gap_low"], record["gap_high"], tolerance)
                             if record["students_1"] and record["students_others"]
                             else "unclear")
        records.append(record)
    return pd.DataFrame(records)


def swept_axes(rows: pd.DataFrame) -> list[str]:
    """The axes that take more than one value in ``rows`` (in ``AXES`` order)."""
    return [axis for axis in AXES if rows[axis].nunique(dropna=False) > 1]


def catch_up(table: pd.DataFrame, axis: str) -> pd.DataFrame:
    """Per objective and value of the other axes: the smallest swept value of ``axis``
    from which every verdict is ``better`` or ``as_well`` (NaN: none)."""
    others = ["objective", *[a for a in POINT if a != axis]]
    records = []
    for key, part in _by(table, others):
        part = part[part[axis].notna()].sort_values(axis)
        value = math.nan
        for v, verdict in zip(part[axis].tolist()[::-1], part["verdict"].tolist()[::-1],
                              strict=True):
            if verdict not in KEEPS_UP:
                break
            value = float(v)
        records.append({**dict(zip(others, key, strict=True)), "axis": axis,
                        "catch_up": value})
    return pd.DataFrame(records)


def price_of_fairness(rows: pd.DataFrame) -> pd.DataFrame:
    """Per point and seed: placements and cost given up by priority-first."""
    columns = [*POINT, "seed", "placements_lost", "cost_added", "cost_per_placed_added"]
    keys = [*POINT, "seed"]
    cost = rows[(rows["dimension"] == "plan") & (rows["group"] == "total_cost")]
    placed = rows[(rows["dimension"] == "all") & (rows["among"] == "all")]
    records = []
    for key, part in _by(pd.concat([cost.assign(kind="cost"), placed.assign(kind="placed")]),
                         keys):
        mine = {(o, k): float(v if k == "cost" else p) for o, k, v, p in zip(
            part["objective"], part["kind"], part["value"], part["placed"], strict=True)}
        if not {("priority-first", "cost"), ("placements-first", "cost")} <= set(mine):
            continue
        first, most = ("priority-first", "placements-first")
        records.append({
            **dict(zip(keys, key, strict=True)),
            "placements_lost": mine[(most, "placed")] - mine[(first, "placed")],
            "cost_added": mine[(first, "cost")] - mine[(most, "cost")],
            "cost_per_placed_added": (mine[(first, "cost")] / max(mine[(first, "placed")], 1)
                                      - mine[(most, "cost")] / max(mine[(most, "placed")], 1)),
        })
    return pd.DataFrame(records, columns=columns)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else round(number, 6)


def as_float(value: object) -> float:
    """A cell of an axis as a number (NaN: as in the scenario)."""
    return float(value) if isinstance(value, int | float | np.number) else math.nan


def point_of(record: Mapping[Any, Any]) -> dict[str, Any]:
    """The point of a record for JSON: an axis as in the scenario is ``null``."""
    return {"capacity": record["capacity"],
            **{axis: _num(record[axis]) for axis in AXES}}


def summarise(rows: pd.DataFrame, meta: dict[str, Any]) -> dict[str, Any]:
    """The JSON summary of a sweep: settings and timings (``meta``), the verdict per
    point with intervals (over all students and over feasible ones), catch-up per
    swept axis, rates, travel and wish rank per group with intervals, and the
    price of fairness."""
    answer: dict[str, Any] = {}
    catch: dict[str, Any] = {}
    for among in ("all", "feasible"):
        table = verdicts(rows, among)
        answer[among] = [{**point_of(r), "objective": r["objective"],
                          **{k: _num(r[k]) for k in r if k not in (*POINT, "objective",
                                                                    "verdict")},
                          "verdict": r["verdict"]} for r in table.to_dict("records")]
        catch[among] = [{**{k: (v if k in ("objective", "axis", "capacity") else _num(v))
                            for k, v in r.items()}}
                        for axis in swept_axes(rows)
                        for r in catch_up(table, axis).to_dict("records")]
    groups = [{**point_of(r), **{k: r[k] for k in ("objective", "among", "dimension", "group")},
               **{k: _num(r[k]) for k in ("mean", "low", "high", "students", "placed",
                                          "travel_min", "wish_rank")},
               "seeds": int(r["seeds"])}
              for r in spread(rows[rows["dimension"] != "plan"]).to_dict("records")]
    price = []
    for key, part in _by(price_of_fairness(rows), list(POINT)):
        record = dict(zip(POINT, key, strict=True))
        entry = point_of(record)
        for column in ("placements_lost", "cost_added", "cost_per_placed_added"):
            mean, low, high = t_interval(part[column].astype(float))
            entry[column] = {"mean": _num(mean), "low": _num(low), "high": _num(high),
                             "min": _num(part[column].min()), "max": _num(part[column].max())}
        price.append(entry)
    return {
        **meta,
        "tolerance": TOLERANCE,
        "interval": {"confidence": CONFIDENCE, "method": INTERVAL_METHOD},
        "verdicts": answer,
        "catch_up": catch,
        "price_of_fairness": price,
        "groups": groups,
    }
