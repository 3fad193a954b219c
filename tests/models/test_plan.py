"""Plan rows built in bulk are the rows ``model_construct`` builds."""

from __future__ import annotations

import gc

import pytest

from models.plan import Assignment, Breakdown, trusted_rows


def test_trusted_rows_are_those_model_construct_builds() -> None:
    breakdowns = trusted_rows(Breakdown, {"travel": [3, 0], "wish": [1, 0],
                                          "competence": [2, 0]})
    rows = trusted_rows(Assignment, {
        "student_id": ["S1", "S2"], "workplace_id": ["W1", "W2"], "mentor_id": ["M1", None],
        "cost": [6, 0], "breakdown": breakdowns, "pinned": [None, True]})
    expected = [
        Assignment.model_construct(
            student_id="S1", workplace_id="W1", mentor_id="M1", cost=6,
            breakdown=Breakdown.model_construct(wish=1, competence=2, travel=3), pinned=None),
        Assignment.model_construct(
            student_id="S2", workplace_id="W2", mentor_id=None, cost=0,
            breakdown=Breakdown.model_construct(wish=0, competence=0, travel=0), pinned=True),
    ]
    assert rows == expected
    for row, other in zip(rows, expected, strict=True):
        assert row.model_fields_set == other.model_fields_set
        assert row.model_dump_json() == other.model_dump_json()
        assert list(vars(row)) == list(vars(other))  # the same field order
    assert gc.isenabled()


def test_trusted_rows_need_every_field() -> None:
    with pytest.raises(TypeError):
        trusted_rows(Breakdown, {"wish": [1], "competence": [2]})
