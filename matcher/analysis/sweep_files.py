"""Write a sweep's results: the tidy CSV, the JSON summary and the plots.

Why separate from running: the same result is written by the CLI, read back
by the report, and compared across executors in tests; none of that should
depend on where or how the runs were executed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from matcher.analysis.plots import save, sweep_figures
from matcher.analysis.summary import summarise
from matcher.analysis.sweep import COLUMNS, SweepResult
from matcher.messages import DEFAULT_LANG, Lang


def _values(axis: tuple[float | int | None, ...]) -> list[float | int | None]:
    return [None] * (None in axis) + sorted({v for v in axis if v is not None})


def sweep_meta(result: SweepResult) -> dict[str, Any]:
    s = result.settings
    runs = result.run_seconds
    return {
        **result.meta,
        "capacity": s.capacity,
        "ratios": _values(s.ratios),
        "adapted_shares": _values(s.adapted_shares),
        "travel_limits": _values(s.travel_limits),
        "seeds": s.seeds,
        "first_seed": s.first_seed,
        "objectives": list(s.objectives),
        "executor": result.executor,
        "wall_seconds": round(result.wall_seconds, 2),
        "run_seconds": {"total": round(sum(runs), 2),
                        "mean": round(sum(runs) / len(runs), 3) if runs else None,
                        "max": round(max(runs), 3) if runs else None},
    }


def write_sweep(result: SweepResult, out_dir: Path, lang: Lang = DEFAULT_LANG) -> list[Path]:
    """``sweep.csv``, ``summary.json`` and ``plots/*.svg|png`` (their words in ``lang``)
    in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / "sweep.csv"
    result.rows.to_csv(csv_path, index=False, lineterminator="\n", float_format="%.6g")
    summary = summarise(result.rows, sweep_meta(result))
    json_path = out_dir / "summary.json"
    json_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n",
                         encoding="utf-8")
    written = [csv_path, json_path]
    for name, fig in sweep_figures(result.rows, lang).items():
        written += save(fig, out_dir / "plots", name)
    return written


def read_rows(csv_path: Path) -> pd.DataFrame:
    """The tidy rows of a written sweep (the group column stays text; an empty axis
    cell is NaN, "as in the scenario")."""
    rows = pd.read_csv(csv_path, dtype={"group": str, "capacity": str, "among": str,
                                        "objective": str, "dimension": str})
    missing = [c for c in COLUMNS if c not in rows.columns]
    if missing:
        raise SweepFileError(csv_path, missing)
    return rows


class SweepFileError(ValueError):
    """A sweep.csv without the columns of this version (written by an older one)."""

    def __init__(self, path: Path, missing: list[str]) -> None:
        super().__init__(f"{path}: columns missing: {', '.join(missing)}")
        self.path = path
        self.missing = missing
