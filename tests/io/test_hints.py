"""Hints for mistakes that are not errors by the contract, or whose cause is not obvious."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.io import ScenarioError, load_scenario, scenario_from_document
from tests.builders import student, workplace

DEMO = Path(__file__).resolve().parents[2] / "scenarios" / "demo"


def _document(**changes: object) -> dict[str, object]:
    document: dict[str, object] = {
        "format_version": 1, "reference_date": "2026-09-01",
        "tables": {"students": [student()], "workplaces": [workplace()],
                   "mentors": [{"mentor_id": "M1", "workplace_id": "W1"}]},
    }
    document.update(changes)
    return document


def test_a_misspelled_optional_column_is_kept_but_warned_about() -> None:
    record = student()
    record["sector_wish"] = "retail"
    document = _document()
    document["tables"]["students"] = [record]  # type: ignore[index]
    scenario = scenario_from_document(document)
    assert any("sector_wish" in w and "sector_wishes" in w for w in scenario.warnings)


def test_a_misspelled_setting_is_warned_about() -> None:
    scenario = scenario_from_document(_document(weigths={"wish": 1}))
    assert any("weigths" in w and "weights" in w for w in scenario.warnings)


def test_a_semicolon_separated_csv_gets_a_hint(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    for name in ("scenario.yaml", "workplaces.csv", "mentors.csv"):
        (folder / name).write_bytes((DEMO / name).read_bytes())
    text = (DEMO / "students.csv").read_text(encoding="utf-8")
    (folder / "students.csv").write_text(text.replace(",", ";"), encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    assert any("';'" in p.message for p in caught.value.problems)


def test_a_header_with_spaces_gets_a_hint() -> None:
    record = student()
    record[" programme"] = record.pop("programme")
    document = _document()
    document["tables"]["students"] = [record]  # type: ignore[index]
    with pytest.raises(ScenarioError) as caught:
        scenario_from_document(document)
    assert "remove spaces" in str(caught.value)


def test_an_absurd_weight_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_document(_document(weights={"wish": 10**15}))
    assert "weights.wish" in str(caught.value)
