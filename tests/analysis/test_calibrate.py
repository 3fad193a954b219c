"""The shipped Flanders scenario holds the published counts and is what the
calibration script writes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from matcher.analysis.calibrate import COHORTS, write_flanders
from matcher.io import load_scenario

SHIPPED = Path(__file__).resolve().parents[2] / "scenarios" / "flanders-2023"


@pytest.mark.skipif(not SHIPPED.exists(), reason="scenarios/flanders-2023 not present")
def test_shipped_scenario_holds_the_published_counts() -> None:
    sc = load_scenario(SHIPPED)
    s = sc.students
    counted = Counter(
        (str(school).split("-", 1)[0], int(grade), "duaal" if duaal else "aanloop")
        for school, grade, duaal in zip(s.school_id, s.grade, s.duaal, strict=True))
    for c in COHORTS:
        assert counted[(c.school_type, c.grade, "aanloop")] == c.aanloop
        assert counted[(c.school_type, c.grade, "duaal")] == c.duaal
    assert int((~s.duaal).sum()) == 2042 and int(s.duaal.sum()) == 2968
    buso = [str(x).startswith("BUSO-") for x in s.school_id]
    assert all(p == 1 for p, b in zip(s.priority, buso, strict=True) if b)


@pytest.mark.skipif(not SHIPPED.exists(), reason="scenarios/flanders-2023 not present")
def test_calibration_script_rebuilds_the_shipped_files(tmp_path: Path) -> None:
    write_flanders(tmp_path)
    for path in sorted(SHIPPED.iterdir()):
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name
