"""The shipped Flanders scenario holds the counts of the data table (recomputed
from its files), the table adds up to the published totals, and the files are
what the calibration script writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matcher.analysis.calibrate import (
    COHORTS,
    TOTAL_AANLOOP,
    TOTAL_DUAAL,
    counts_table,
    write_flanders,
)

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios" / "flanders-2023"


def test_counts_table_adds_up_to_the_published_totals() -> None:
    table = counts_table()
    assert not table.duplicated(["provider", "grade", "phase"]).any()
    totals = table.groupby("phase")["students"].sum()
    assert totals["aanloop"] == TOTAL_AANLOOP and totals["duaal"] == TOTAL_DUAAL
    assert set(table["count_basis"]) <= {"published", "derived"}
    assert set(table["grade_basis"]) <= {"published", "assumed"}
    # the one split issue 16 quotes from the study: Syntra grade 2, 8 aanloop / 302 duaal
    syntra = table[(table["provider"] == "SYNTRA") & (table["grade"] == 2)]
    assert dict(zip(syntra["phase"], syntra["students"], strict=True)) == {
        "aanloop": 8, "duaal": 302}
    assert set(syntra["grade_basis"]) == {"published"}
    assert sum(c.aanloop + c.duaal for c in COHORTS) == TOTAL_AANLOOP + TOTAL_DUAAL


@pytest.mark.skipif(not SHIPPED.exists(), reason="scenarios/flanders-2023 not present")
def test_shipped_files_hold_the_counts_table() -> None:
    students = pd.read_csv(SHIPPED / "students.csv", dtype=str, keep_default_na=False)
    counted = (students.assign(provider=students["school_id"].str.split("-", n=1).str[0],
                               grade=students["grade"].astype(int))
               .groupby(["provider", "grade", "phase"]).size().rename("students"))
    table = counts_table().set_index(["provider", "grade", "phase"])["students"]
    expected = table[table > 0]
    pd.testing.assert_series_equal(counted.sort_index(), expected.sort_index(),
                                   check_dtype=False, check_names=False)
    buso = students[students["school_id"].str.startswith("BUSO-")]
    assert (buso["adjustments"] != "").all()  # priority 1 by the contract's default


@pytest.mark.skipif(not SHIPPED.exists(), reason="scenarios/flanders-2023 not present")
def test_calibration_script_rebuilds_the_shipped_files(tmp_path: Path) -> None:
    write_flanders(tmp_path)
    for path in sorted(SHIPPED.iterdir()):
        if path.suffix in (".csv", ".yaml"):
            assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
