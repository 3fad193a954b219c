"""The Flanders-sized scenario ``scenarios/flanders-2023``: its students follow the
counts of 1 February 2023 per provider, grade and phase; everything else is
synthetic.

Why: the ratio curve only means something at the size and mix of the real
system. The counts are a data table, ``matcher/data/flanders_2023_counts.csv``
(provider = ``school_id`` prefix, grade, phase, students), read by this script
and recomputed from the shipped files by a test. Each row says what it rests on:

- ``count_basis`` ``published``: the count as quoted from the Inspectorate's
  study of dual learning on 1 February 2023 (in issues 5 and 16 of this
  project; the study itself is not on this machine, so its figure numbers are
  not cited here); ``derived``: computed from published figures — Syntra
  grade 3 is Syntra's published total (11 aanloop, 831 duaal) minus its
  published grade 2 (8, 302), and BUSO follows from the published totals
  (2,042 aanloop = DBSO 1,782 + 236 + Syntra 11 + regular secondary 13, so no
  BUSO student is in the aanloop phase; 2,968 duaal − 252 − 423 − 831 − 1,326
  = 136);
- ``grade_basis`` ``published`` or ``assumed``: the study splits regular
  secondary and BUSO by grade too, but those figures are not available here;
  they are written as grade 3 (and Syntra's remainder as well), an assumption
  to replace by the published split.

BUSO students all need at least one reasonable adjustment (so they are
priority 1 by the contract's default) and a quarter of them intensive
support: an assumption, not a published figure.

Synthetic (``matcher.generate``, seeded, not calibrated on any count):
programmes, sectors, wishes, homes and workplaces around regional hubs
weighted by province population, the workplaces themselves (2 per student,
about 3 seats per student, so a sweep can sample ratios up to 3 seats per
student without clones), their seats, sectors and adjustments offered,
mentors, existing placements, exclusions and travel times; and the schools
(the school number after the prefix is the generator's, so the number of
schools per provider is not the study's). The school type is the
``school_id`` prefix: ``DBSO-``, ``SYNTRA-``, ``SO-``, ``BUSO-``. Dates are
moved to the reference date 2023-02-01 (ages and recognition expiries keep
their distance to it).

Rebuild with ``python -m matcher.analysis.calibrate scenarios/flanders-2023``.
"""

from __future__ import annotations

import datetime as dt
import sys
import zlib
from dataclasses import dataclass
from importlib import resources
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
# Published totals on the calibration date (the counts table must add up to them).
TOTAL_AANLOOP = 2042
TOTAL_DUAAL = 2968
COUNTS_FILE = "flanders_2023_counts.csv"


@dataclass(frozen=True)
class Cohort:
    school_type: str
    grade: int
    aanloop: int
    duaal: int


def counts_table() -> pd.DataFrame:
    """The counts per provider, grade and phase, with what each rests on."""
    with resources.files("matcher.data").joinpath(COUNTS_FILE).open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"provider": str, "phase": str, "count_basis": str,
                                     "grade_basis": str})


def cohorts(table: pd.DataFrame | None = None) -> tuple[Cohort, ...]:
    """The counts table as one cohort per provider and grade, in table order."""
    rows = counts_table() if table is None else table
    found: dict[tuple[str, int], dict[str, int]] = {}
    for provider, grade, phase, students in zip(rows["provider"], rows["grade"].astype(int),
                                                rows["phase"], rows["students"].astype(int),
                                                strict=True):
        found.setdefault((str(provider), int(grade)), {})[str(phase)] = int(students)
    return tuple(Cohort(provider, grade, phases.get("aanloop", 0), phases.get("duaal", 0))
                 for (provider, grade), phases in found.items())


COHORTS: tuple[Cohort, ...] = cohorts()


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
