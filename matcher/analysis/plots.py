"""Plots of a sweep: rates per tier, priority-1 against the others (overall and per
sector, over all students and over students with an allowed workplace) and
the price of fairness, against the swept axis, with the 95 % interval over
seeds as a band.

Figures are built on ``matplotlib.figure.Figure`` directly (no pyplot): no
global state, no display needed, the Agg renderer for PNG and the SVG
renderer for SVG. Every figure is written as both, and can be embedded in the
HTML report as base64 PNG. Every word on them comes from the catalogue, in the
language asked for.

The x axis is the first swept axis (ratio, adapted share, travel limit); when
another axis is swept too, there is one set of figures per value of the
others. A point "as in the scenario" has no x position and is left out of the
figures (the tables show it).
"""

from __future__ import annotations

import base64
import io
import math
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from matcher.analysis.metrics import OTHERS, PRIORITY_ONE
from matcher.analysis.summary import as_float, price_of_fairness, swept_axes, t_interval, tier_gap
from matcher.analysis.sweep import AXES
from matcher.messages import DEFAULT_LANG, Lang, Message, Param, render

OBJECTIVE_STYLE = {"priority-first": "-", "placements-first": "--"}
TIER_COLOURS = ("#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#7f8c8d")


class _Say:
    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, code: str, /, **params: Param) -> str:
        return render(Message(code, **params), self.lang)


def axis_label(axis: str, capacity: str) -> Message:
    """The name of an axis (``ratio`` counts workplaces or seats per student)."""
    return Message(f"axis.ratio.{capacity}" if axis == "ratio" else f"axis.{axis}")


def _band(ax: Axes, frame: pd.DataFrame, x: str, column: str, label: str, colour: str,
          style: str = "-") -> None:
    """Mean over seeds as a line, its 95 % interval as a shaded band."""
    points = []
    for value, part in frame.groupby(x, sort=True):
        points.append((as_float(value), *t_interval(part[column].astype(float))))
    if not points:
        return
    xs, mean, low, high = (list(v) for v in zip(*points, strict=True))
    ax.plot(xs, mean, style, color=colour, marker="o", markersize=3, label=label)
    low = [m if math.isnan(v) else v for v, m in zip(low, mean, strict=True)]
    high = [m if math.isnan(v) else v for v, m in zip(high, mean, strict=True)]
    ax.fill_between(xs, low, high, color=colour, alpha=0.15, linewidth=0)


def _axes_style(ax: Axes, title: str, xlabel: str, rate: bool = True) -> None:
    ax.set_title(title, fontsize=9)
    if rate:
        ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=7)


def tier_figure(rows: pd.DataFrame, x: str, say: _Say, xlabel: str) -> Figure:
    """Placement rate per priority tier against ``x``, one panel per objective."""
    tiers = rows[(rows["dimension"] == "tier") & (rows["among"] == "all")]
    objectives = sorted(tiers["objective"].unique(), reverse=True)
    fig = Figure(figsize=(5 * max(1, len(objectives)), 4), layout="constrained")
    axes = fig.subplots(1, max(1, len(objectives)), squeeze=False)[0]
    for ax, objective in zip(axes, objectives, strict=False):
        part = tiers[tiers["objective"] == objective]
        for i, tier in enumerate(sorted(part["group"].unique(), key=int)):
            _band(ax, part[part["group"] == tier], x, "value",
                  say("plot.priority", tier=str(tier)), TIER_COLOURS[i % len(TIER_COLOURS)])
        _axes_style(ax, say("plot.tiers_title", objective=Message(f"objective.{objective}")),
                    xlabel)
        ax.set_ylabel(say("plot.share_placed"), fontsize=8)
        ax.legend(fontsize=7, loc="lower right")
    return fig


def sector_figure(rows: pd.DataFrame, x: str, say: _Say, xlabel: str,
                  among: str = "all") -> Figure:
    """Per sector (and overall): priority-1 against the others, both objectives."""
    gap = tier_gap(rows, among)
    sectors = ["all", *sorted(str(s) for s in gap["sector"].unique() if s != "all")]
    columns = 4
    n_rows = -(-len(sectors) // columns)
    fig = Figure(figsize=(3.2 * columns, 2.6 * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, columns, squeeze=False).ravel()
    for ax, sector in zip(axes, sectors, strict=False):
        part = gap[gap["sector"] == sector]
        for objective, style in OBJECTIVE_STYLE.items():
            mine = part[part["objective"] == objective]
            if not len(mine):
                continue
            named = Message(f"objective.{objective}")
            _band(ax, mine, x, PRIORITY_ONE, say("plot.priority_one_of", objective=named),
                  TIER_COLOURS[0], style)
            _band(ax, mine, x, OTHERS, say("plot.others_of", objective=named),
                  TIER_COLOURS[1], style)
        _axes_style(ax, say("plot.all_sectors") if sector == "all" else sector, xlabel)
    for ax in axes[len(sectors):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=8)
    fig.suptitle(say("plot.sectors_title", among=Message(f"cli.among_{among}")), fontsize=10)
    return fig


def fairness_figure(rows: pd.DataFrame, x: str, say: _Say, xlabel: str) -> Figure:
    """What priority-first gives up against placements-first, against ``x``."""
    price = price_of_fairness(rows)
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    if len(price):
        _band(left, price, x, "placements_lost", say("plot.placements_lost"), TIER_COLOURS[0])
        _band(right, price, x, "cost_per_placed_added", say("plot.cost_added"),
              TIER_COLOURS[1])
    for ax, title in ((left, say("plot.placements_lost")), (right, say("plot.cost_added"))):
        _axes_style(ax, title, xlabel, rate=False)
        ax.axhline(0, color="black", linewidth=0.5)
    fig.suptitle(say("plot.fairness_title"), fontsize=10)
    return fig


def sweep_figures(rows: pd.DataFrame, lang: Lang = DEFAULT_LANG) -> dict[str, Figure]:
    """The figures of a sweep, by file name (without suffix)."""
    say = _Say(lang)
    swept = swept_axes(rows)
    x = swept[0] if swept else "ratio"
    others = [a for a in AXES if a != x]
    capacity = str(rows["capacity"].iloc[0]) if len(rows) else "workplaces"
    xlabel = render(axis_label(x, capacity), lang)
    drawn = rows[rows[x].notna()]
    figures: dict[str, Figure] = {}
    slices = list(drawn.groupby(others, sort=True, dropna=False))
    for key, part in slices:
        suffix = "" if len(slices) == 1 else "-" + "-".join(
            f"{axis}={'scenario' if math.isnan(as_float(v)) else f'{as_float(v):g}'}"
            for axis, v in zip(others, key, strict=True) if axis in swept)
        figures[f"tiers{suffix}"] = tier_figure(part, x, say, xlabel)
        figures[f"sectors{suffix}"] = sector_figure(part, x, say, xlabel)
        figures[f"sectors_feasible{suffix}"] = sector_figure(part, x, say, xlabel, "feasible")
        figures[f"price_of_fairness{suffix}"] = fairness_figure(part, x, say, xlabel)
    return figures


def save(fig: Figure, folder: Path, name: str) -> list[Path]:
    """Write ``name.svg`` and ``name.png`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix in ("svg", "png"):
        path = folder / f"{name}.{suffix}"
        fig.savefig(path, format=suffix, dpi=110,
                    metadata={"Date": None} if suffix == "svg" else None)
        paths.append(path)
    return paths


def png_base64(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    return base64.b64encode(buffer.getvalue()).decode("ascii")
