"""Plots of a sweep: rates per tier and per sector against the ratio, with the
spread over seeds, and the price of fairness.

Figures are built on ``matplotlib.figure.Figure`` directly (no pyplot): no
global state, no display needed, the Agg renderer for PNG and the SVG
renderer for SVG. Every figure is written as both, and can be embedded in the
HTML report as base64 PNG.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from matcher.analysis.metrics import OTHERS, PRIORITY_ONE
from matcher.analysis.summary import catch_up, price_of_fairness, tier_gap

OBJECTIVE_STYLE = {"priority-first": "-", "placements-first": "--"}
TIER_COLOURS = ("#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#7f8c8d")


def _band(ax: Axes, frame: pd.DataFrame, column: str, label: str, colour: str,
          style: str = "-") -> None:
    """Mean over seeds as a line, min–max over seeds as a shaded band."""
    stats = frame.groupby("ratio", sort=True)[column].agg(["mean", "min", "max"])
    ax.plot(stats.index, stats["mean"], style, color=colour, marker="o", markersize=3,
            label=label)
    ax.fill_between(stats.index, stats["min"], stats["max"], color=colour, alpha=0.15,
                    linewidth=0)


def _rate_axes(ax: Axes, title: str) -> None:
    ax.set_title(title, fontsize=9)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_xlabel("seats per student", fontsize=8)
    ax.tick_params(labelsize=7)


def tier_figure(rows: pd.DataFrame) -> Figure:
    """Placement rate per priority tier against the ratio, one panel per objective."""
    tiers = rows[rows["dimension"] == "tier"]
    objectives = sorted(tiers["objective"].unique(), reverse=True)
    fig = Figure(figsize=(5 * max(1, len(objectives)), 4), layout="constrained")
    axes = fig.subplots(1, max(1, len(objectives)), squeeze=False)[0]
    for ax, objective in zip(axes, objectives, strict=False):
        part = tiers[tiers["objective"] == objective]
        groups = sorted(part["group"].unique(), key=int)
        for i, tier in enumerate(groups):
            _band(ax, part[part["group"] == tier], "value", f"priority {tier}",
                  TIER_COLOURS[i % len(TIER_COLOURS)])
        _rate_axes(ax, f"Placement rate per priority tier ({objective})")
        ax.set_ylabel("share of students placed", fontsize=8)
        ax.legend(fontsize=7, loc="lower right")
    return fig


def sector_figure(rows: pd.DataFrame, dimension: str = "sector_tier") -> Figure:
    """Per sector (and overall): priority-1 against the others, both objectives;
    a dotted line marks the priority-first catch-up ratio."""
    gap = tier_gap(rows, dimension)
    answers = catch_up(rows, dimension=dimension)
    sectors = ["all", *sorted(s for s in gap["sector"].unique() if s != "all")]
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
            _band(ax, mine, PRIORITY_ONE, f"priority 1, {objective}", TIER_COLOURS[0], style)
            _band(ax, mine, OTHERS, f"others, {objective}", TIER_COLOURS[1], style)
        ratio = answers.get("priority-first", {}).get(sector, {}).get("catch_up_ratio")
        if ratio is not None:
            ax.axvline(ratio, color="black", linestyle=":", linewidth=1)
        _rate_axes(ax, f"{sector}" + (f" (catches up at {ratio:g})" if ratio else ""))
    for ax in axes[len(sectors):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=8)
    among = (" (students with at least one allowed workplace)"
             if dimension == "sector_tier_feasible" else "")
    fig.suptitle("Placement rate of priority-1 students and of the others, per sector" + among,
                 fontsize=10)
    return fig


def fairness_figure(rows: pd.DataFrame) -> Figure:
    """What priority-first gives up against placements-first, per ratio."""
    price = price_of_fairness(rows)
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    if len(price):
        _band(left, price, "placements_lost", "placements lost", TIER_COLOURS[0])
        _band(right, price, "cost_per_placed_added", "cost per placed student added",
              TIER_COLOURS[1])
    for ax, title in ((left, "Students placed: placements-first minus priority-first"),
                      (right, "Cost per placed student: priority-first minus "
                              "placements-first")):
        ax.set_title(title, fontsize=9)
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("seats per student", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.axhline(0, color="black", linewidth=0.5)
    fig.suptitle("Price of fairness (mean and min–max over seeds)", fontsize=10)
    return fig


def sweep_figures(rows: pd.DataFrame) -> dict[str, Figure]:
    figures = {"tiers": tier_figure(rows), "sectors": sector_figure(rows)}
    if (rows["dimension"] == "sector_tier_feasible").any():
        figures["sectors_feasible"] = sector_figure(rows, "sector_tier_feasible")
    figures["price_of_fairness"] = fairness_figure(rows)
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
