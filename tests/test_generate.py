"""The scenario generator: reproducible, calibrated, and loadable by the matcher."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from matcher.cli import app
from matcher.generate import (
    SECTORS,
    GeneratorSettings,
    generate_tables,
    write_scenario,
)
from matcher.io import load_scenario
from matcher.rules import Pairs, broken_rules


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _codes(cell: str) -> list[str]:
    return [c for c in cell.split(";") if c]


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return generate_tables(GeneratorSettings(students=2000, ratio=1.5, seed=3))


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("students", "ratio", "seed"),
    [(0, 1.0, 1), (-5, 1.0, 1), (10, 0.0, 1), (10, -1.0, 1), (10, math.nan, 1), (10, 1.0, -1)],
)
def test_settings_refuse_nonsense(students: int, ratio: float, seed: int) -> None:
    with pytest.raises(ValueError, match=r"students|ratio|seed"):
        GeneratorSettings(students=students, ratio=ratio, seed=seed)


@pytest.mark.parametrize(
    ("students", "ratio", "workplaces"),
    [(500, 1.5, 750), (500, 0.8, 400), (333, 1.0, 333), (3, 0.5, 2), (1, 0.01, 1)],
)
def test_workplace_count_follows_the_ratio(students: int, ratio: float, workplaces: int) -> None:
    generated = generate_tables(GeneratorSettings(students, ratio, seed=1))
    assert len(generated["students"]) == students
    assert len(generated["workplaces"]) == workplaces


# --- determinism ----------------------------------------------------------------------------


def test_same_settings_give_byte_identical_files(tmp_path: Path) -> None:
    settings = GeneratorSettings(students=300, ratio=1.5, seed=11)
    first = write_scenario(settings, tmp_path / "a")
    second = write_scenario(settings, tmp_path / "b")
    assert first == tmp_path / "a"
    assert _files(first) == _files(second)
    assert {"scenario.yaml", "students.csv", "workplaces.csv", "mentors.csv"} <= set(
        _files(first))


def test_a_different_seed_gives_different_files(tmp_path: Path) -> None:
    one = _files(write_scenario(GeneratorSettings(300, 1.5, seed=1), tmp_path / "one"))
    two = _files(write_scenario(GeneratorSettings(300, 1.5, seed=2), tmp_path / "two"))
    for name in ("students.csv", "workplaces.csv"):
        assert one[name] != two[name]


def test_more_workplaces_keep_the_same_students_and_first_workplaces() -> None:
    """With one seed, a higher ratio only adds workplaces: ratio sweeps compare like with like."""
    low = generate_tables(GeneratorSettings(400, 0.8, seed=5))
    high = generate_tables(GeneratorSettings(400, 2.0, seed=5))
    pd.testing.assert_frame_equal(low["students"], high["students"])
    n = len(low["workplaces"])
    pd.testing.assert_frame_equal(low["workplaces"], high["workplaces"].iloc[:n])
    m = len(low["mentors"])
    pd.testing.assert_frame_equal(low["mentors"], high["mentors"].iloc[:m])


def test_rewriting_a_folder_removes_a_stale_optional_table(tmp_path: Path) -> None:
    (tmp_path / "placements.csv").write_text("student_id,workplace_id,mentor_id\nX,Y,\n")
    write_scenario(GeneratorSettings(students=1, ratio=1.0, seed=1), tmp_path)
    document = yaml.safe_load((tmp_path / "scenario.yaml").read_text())
    listed = set(document["tables"].values())
    on_disk = {p.name for p in tmp_path.glob("*.csv")}
    assert on_disk == listed
    load_scenario(tmp_path)


# --- calibration ----------------------------------------------------------------------------


def test_student_shares_roughly_hold(tables: dict[str, pd.DataFrame]) -> None:
    s = tables["students"]
    aanloop = s["phase"] == "aanloop"
    grade2 = s["grade"] == "2"
    assert 0.3 <= aanloop.mean() <= 0.5
    assert 0.25 <= grade2.mean() <= 0.42
    assert aanloop[grade2].mean() >= 0.7  # grade-2 students are mostly aanloop
    ready = s["contract_ready"]
    assert set(ready) <= {"", "true"}
    assert (ready[~aanloop] == "").all()  # duaal keeps the default
    assert 0.15 <= (ready[aanloop] == "true").mean() <= 0.35
    assert 0.06 <= (s["adjustments"] != "").mean() <= 0.14
    assert 0.01 <= (s["intensive_support"] == "true").mean() <= 0.06
    assert 0.10 <= (s["postcode"] != "").mean() <= 0.20
    assert ((s["postcode"] != "") == (s["lat"] == "")).all()
    assert 0.7 <= (s["max_travel_min"] == "").mean() <= 0.9
    assert set(s["max_travel_min"]) == {"", "30", "60"}
    assert 0.85 <= (s["dutch_level"] != "").mean() < 1.0
    assert (s["priority"] == "").mean() >= 0.95
    assert s["sector_wishes"].map(lambda c: len(_codes(c))).between(0, 3).all()
    assert s["competence_gaps"].map(lambda c: len(_codes(c))).between(0, 4).all()
    assert s["student_id"].is_unique
    assert 10 <= len(s) / s["coach_id"].nunique() <= 20


def test_workplace_and_mentor_shares_roughly_hold(tables: dict[str, pd.DataFrame]) -> None:
    w, m = tables["workplaces"], tables["mentors"]
    assert w["workplace_id"].is_unique and m["mentor_id"].is_unique
    assert set(w["seats"]) == {"1", "2", "3"}
    assert (w["seats"].isin(["1", "2"])).mean() >= 0.8
    assert (w["offers_contract"] == "true").mean() >= 0.8
    assert 0.3 <= (w["offers_guided"] == "true").mean() <= 0.5
    assert not ((w["offers_contract"] == "false") & (w["offers_guided"] == "false")).any()
    assert 0.6 <= (w["accepts_grade2"] == "true").mean() <= 0.8
    until = w["recognised_until"]
    assert 0.02 <= ((until != "") & (until < "2026-09-01")).mean() <= 0.09
    assert 0.02 <= (w["min_age"] == "18").mean() <= 0.09
    assert set(w["min_dutch_level"]) <= {"", "A2", "B1", "B2"}
    assert 0.06 <= (w["min_dutch_level"] != "").mean() <= 0.14
    assert 0.10 <= (w["postcode"] != "").mean() <= 0.20
    without = ~w["workplace_id"].isin(m["workplace_id"])
    assert 0.01 <= without.mean() <= 0.06
    per_workplace = m.groupby("workplace_id").size()
    assert per_workplace.between(1, 2).all()
    assert (m["capacity"] == "").mean() >= 0.5
    assert set(m["current_load"]) == {"", "1"}


def test_programmes_and_competences_belong_to_the_workplace_sector(
    tables: dict[str, pd.DataFrame],
) -> None:
    programmes = {s.code: {p.code: set(p.competences) for p in s.programmes} for s in SECTORS}
    for sector, recognised, offered in zip(
        tables["workplaces"]["sector"], tables["workplaces"]["recognised_programmes"],
        tables["workplaces"]["competences_offered"], strict=True,
    ):
        codes = _codes(recognised)
        assert 1 <= len(codes) <= 3 and len(set(codes)) == len(codes)
        assert set(codes) <= set(programmes[sector])
        offered_codes = _codes(offered)
        assert 2 <= len(offered_codes) <= 5
        assert set(offered_codes) <= programmes[sector][codes[0]]
    known = {p for by_programme in programmes.values() for p in by_programme}
    assert set(tables["students"]["programme"]) <= known


def test_every_province_is_used(tables: dict[str, pd.DataFrame]) -> None:
    from matcher.travel import postcode_centres

    centres = postcode_centres()
    s = tables["students"]
    with_postcode = s.loc[s["postcode"] != "", "postcode"]
    provinces = {centres[p].province for p in with_postcode}
    assert provinces == {"VAN", "VLI", "VOV", "VBR", "VWV"}


# --- the matcher reads it -------------------------------------------------------------------


def test_a_generated_scenario_loads_without_errors(tmp_path: Path) -> None:
    settings = GeneratorSettings(students=800, ratio=1.2, seed=4)
    scenario = load_scenario(write_scenario(settings, tmp_path))
    assert scenario.name == settings.name == "Generated 800 students, ratio 1.2 (seed 4)"
    assert len(scenario.students) == 800
    assert len(scenario.workplaces) == 960
    assert str(scenario.config.reference_date) == "2026-09-01"
    policy = scenario.config.policy
    assert policy.objective == "priority-first"
    assert policy.default_max_travel_min == 45
    assert policy.mentor_capacity.for_sector("zorg") == 1
    assert policy.mentor_capacity.for_sector("bouw") == 2
    assert policy.max_intensive_per_mentor == 1
    known = scenario.students.age[scenario.students.age >= 0]
    assert known.min() >= 15 and known.max() <= 20
    assert (scenario.students.age < 0).any()  # some unknown birth dates
    assert np.isfinite(scenario.students.lat).all() and np.isfinite(scenario.workplaces.lon).all()


def test_generated_existing_placements_keep_every_rule() -> None:
    from matcher.io import scenario_from_document

    generated = generate_tables(GeneratorSettings(students=3000, ratio=1.5, seed=2))
    assert len(generated["placements"]) > 0
    assert len(generated["exclusions"]) > 0 and len(generated["travel_times"]) > 0
    document = {
        "format_version": 1,
        "reference_date": "2026-09-01",
        "policy": {"mentor_capacity": {"default": 2, "zorg": 1}},
        "tables": {name: frame.to_dict("records") for name, frame in generated.items()},
    }
    scenario = scenario_from_document(document)
    pinned = scenario.pinned
    assert len(pinned) == len(generated["placements"])
    assert broken_rules(Pairs(scenario, pinned.student, pinned.workplace)) == [
        [] for _ in range(len(pinned))
    ]


def test_the_cli_generate_command_writes_a_valid_scenario(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["generate", "--out", str(tmp_path / "g"), "--students",
                                      "120", "--ratio", "2", "--seed", "9"])
    assert result.exit_code == 0, result.output
    scenario = load_scenario(tmp_path / "g")
    assert len(scenario.students) == 120 and len(scenario.workplaces) == 240


# --- several regions ----------------------------------------------------------------------


@pytest.mark.parametrize("regions", [2, 3, 6])
def test_several_regions_lie_where_the_contract_accepts_locations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, regions: int
) -> None:
    """Scenarios past 25,000 students are several regions; a small region size stands in
    so the test stays quick (the layout depends on the number of regions only)."""
    monkeypatch.setattr("matcher.generate.STUDENTS_PER_REGION", 100)
    folder = write_scenario(GeneratorSettings(students=100 * regions, ratio=1.5, seed=5),
                            tmp_path / "s")
    scenario = load_scenario(folder)  # the loader checks the plausible area itself
    for located in (scenario.students, scenario.workplaces):
        assert located.lat.min() >= 49.0 and located.lat.max() <= 52.0
        assert located.lon.min() >= 1.5 and located.lon.max() <= 7.0
    # drawn smaller from three regions on, with the speed scaled alike
    assert scenario.config.policy.travel_speed_kmh == {2: 25.0, 3: 20.0, 6: 16.25}[regions]
    # the regions are apart: the students' spread covers several times one region's height
    assert np.ptp(scenario.students.lat) > 1.0
