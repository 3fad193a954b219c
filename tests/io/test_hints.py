"""Hints for mistakes that are not errors by the contract, or whose cause is not obvious."""

from __future__ import annotations

import pytest

from matcher.io import ScenarioError, scenario_from_document
from tests.builders import student, workplace


def _document(**changes: object) -> dict[str, object]:
    document: dict[str, object] = {
        "format_version": 1, "reference_date": "2026-09-01",
        "tables": {"students": [student()], "workplaces": [workplace()],
                   "mentors": [{"mentor_id": "M1", "workplace_id": "W1"}]},
    }
    document.update(changes)
    return document


def test_a_misspelled_setting_is_warned_about() -> None:
    scenario = scenario_from_document(_document(weigths={"wish": 1}))
    assert any("weigths" in w and "weights" in w for w in map(str, scenario.warnings))


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
