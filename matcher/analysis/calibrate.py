"""The Flanders-sized scenario ``scenarios/flanders-2023``, calibrated on public counts.

Why: the ratio curve only means something at the size and mix of the real
system. On 1 February 2023 Flanders counted 2,042 students in the aanloopfase
and 2,968 in the dual track (duaal):

=================  ========  ======  =====
provider (school)  grade     aanloop duaal
=================  ========  ======  =====
DBSO (CDO)         2         1,782   252
DBSO (CDO)         3         236     423
Syntra             3         11      831
regular secondary  3         13      1,326
BUSO               3         0       136
total                        2,042   2,968
=================  ========  ======  =====

The published totals fix the BUSO split: 1,782 + 236 + 11 + 13 = 2,042 is the
whole aanloop total, and 2,968 − (252 + 423 + 831 + 1,326) = 136, so all BUSO
students are counted in duaal. Syntra, regular secondary and BUSO have no
published grade split; they are written as grade 3 (dual learning there is
almost all third grade). BUSO students all need at least one reasonable
adjustment (so they are priority 1 by the contract's default) and a quarter of
them intensive support.

Everything else — programmes, sectors, wishes, locations around regional
hubs weighted by province population, workplaces, mentors, existing
placements — comes from ``matcher.generate`` (seeded), with 2 workplaces per
student (about 3 seats per student), so a sweep can sample ratios up to 3
without clones. The school type is the ``school_id`` prefix: ``DBSO-``,
``SYNTRA-``, ``SO-``, ``BUSO-``. Dates are moved to the reference date
2023-02-01 (ages and recognition expiries keep their distance to it).

Rebuild with ``python -m matcher.analysis.calibrate scenarios/flanders-2023``.
"""

from __future__ import annotations

import datetime as dt
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.generate import (
    ADJUSTMENT_WEIGHTS,
    ADJUSTMENTS,
    REFERENCE_DATE,
    TABLE_ORDER,
    GeneratorSettings,
    generate_tables,
    scenario_yaml_text,
)

CALIBRATION_DATE = dt.date(2023, 2, 1)
SEED = 2023
WORKPLACES_PER_STUDENT = 2.0
BUSO_INTENSIVE_SHARE = 0.25
AANLOOP_CONTRACT_READY_SHARE = 0.25


@dataclass(frozen=True)
class Cohort:
    school_type: str
    grade: int
    aanloop: int
    duaal: int


COHORTS: tuple[Cohort, ...] = (
    Cohort("DBSO", 2, 1782, 252),
    Cohort("DBSO", 3, 236, 423),
    Cohort("SYNTRA", 3, 11, 831),
    Cohort("SO", 3, 13, 1326),
    Cohort("BUSO", 3, 0, 136),
)
TOTAL_AANLOOP = 2042
TOTAL_DUAAL = 2968
assert sum(c.aanloop for c in COHORTS) == TOTAL_AANLOOP
assert sum(c.duaal for c in COHORTS) == TOTAL_DUAAL


def _rng(stream: str) -> np.random.Generator:
    return np.random.default_rng([SEED, zlib.crc32(stream.encode("utf-8"))])


def _shift(cells: pd.Series, days: int) -> list[str]:
    """ISO dates moved by ``days``; empty cells stay empty."""
    out = []
    for cell in cells.tolist():
        text = str(cell)
        out.append("" if not text else (dt.date.fromisoformat(text)
                                        + dt.timedelta(days=days)).isoformat())
    return out


def _birth_dates(grade: np.ndarray, known: np.ndarray) -> list[str]:
    """Ages 15–16 in grade 2 and 16–20 in grade 3 on the calibration date."""
    u = _rng("birth").random(len(grade))
    young = (dt.date(2006, 2, 2), dt.date(2008, 2, 1))
    old = (dt.date(2002, 2, 2), dt.date(2007, 2, 1))
    dates = []
    for g, x, k in zip(grade.tolist(), u.tolist(), known.tolist(), strict=True):
        lo, hi = young if g == 2 else old
        dates.append((lo + dt.timedelta(days=int(x * (hi - lo).days))).isoformat() if k else "")
    return dates


def flanders_tables() -> dict[str, pd.DataFrame]:
    """The calibrated tables (text cells, as written)."""
    students_n = TOTAL_AANLOOP + TOTAL_DUAAL
    tables = generate_tables(GeneratorSettings(students=students_n,
                                               ratio=WORKPLACES_PER_STUDENT, seed=SEED))
    days = (CALIBRATION_DATE - REFERENCE_DATE).days
    st = tables["students"].copy()

    labels = [(c.school_type, c.grade, phase) for c in COHORTS
              for phase, count in (("aanloop", c.aanloop), ("duaal", c.duaal))
              for _ in range(count)]
    order = _rng("cohorts").permutation(students_n)
    cohort = [labels[i] for i in order]
    school_type = np.asarray([c[0] for c in cohort], dtype=object)
    grade = np.asarray([c[1] for c in cohort], dtype=np.int64)
    phase = np.asarray([c[2] for c in cohort], dtype=object)

    school_number = st["school_id"].str.replace("SCH", "", regex=False)
    st["school_id"] = [f"{t}-{n}" for t, n in zip(school_type, school_number, strict=True)]
    st["phase"] = phase
    st["grade"] = grade.astype(str)
    u = _rng("contract_ready").random(students_n)
    st["contract_ready"] = np.where((phase == "aanloop") & (u < AANLOOP_CONTRACT_READY_SHARE),
                                    "true", "")
    st["birth_date"] = _birth_dates(grade, (st["birth_date"] != "").to_numpy())

    buso = school_type == "BUSO"
    u = _rng("buso").random((students_n, 2))
    weights = np.cumsum(ADJUSTMENT_WEIGHTS) / sum(ADJUSTMENT_WEIGHTS)
    drawn = np.asarray(ADJUSTMENTS, dtype=object)[np.searchsorted(weights, u[:, 0])]
    has = st["adjustments"] != ""
    st["adjustments"] = np.where(buso & ~has, drawn, st["adjustments"])
    st["intensive_support"] = np.where(buso & (u[:, 1] < BUSO_INTENSIVE_SHARE), "true",
                                       st["intensive_support"])
    tables["students"] = st
    if "placements" in tables:
        # Existing placements were drawn for duaal grade-3 students without needs;
        # keep those whose student still is one, so the scenario has no conflicts.
        still = set(st["student_id"][(phase == "duaal") & (grade == 3) & ~buso])
        pins = tables["placements"]
        tables["placements"] = pins[pins["student_id"].isin(still)].reset_index(drop=True)

    wp = tables["workplaces"].copy()
    wp["recognised_until"] = _shift(wp["recognised_until"], days)
    tables["workplaces"] = wp
    return tables


def scenario_yaml(tables: list[str]) -> str:
    return scenario_yaml_text("Flanders 2023 (calibrated on 1 February 2023 counts)",
                              CALIBRATION_DATE, tables)


def write_flanders(out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = flanders_tables()
    names = [name for name in TABLE_ORDER if name in tables]
    for name in names:
        tables[name].to_csv(out_dir / f"{name}.csv", index=False, lineterminator="\n",
                            encoding="utf-8")
    (out_dir / "scenario.yaml").write_text(scenario_yaml(names), encoding="utf-8")
    return out_dir


if __name__ == "__main__":
    print(write_flanders(Path(sys.argv[1] if len(sys.argv) > 1 else
                              "scenarios/flanders-2023")))
