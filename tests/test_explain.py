"""Explanations are computed in bulk with shortcuts (profiles, a KD-tree, only the
workplaces within reach); they must say what evaluating every rule on every pair says."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import given, settings

from matcher.explain import _details, _no_feasible_details, recognised_pairs, rejection_counts
from matcher.io import scenario_from_document
from matcher.rules import RULE_NAMES, RULES, Pairs
from matcher.travel import EARTH_RADIUS_KM
from tests.builders import scenario, student, workplace
from tests.strategies import every_column_documents


@settings(max_examples=60, deadline=None)
@given(every_column_documents(max_students=6, max_workplaces=8))
def test_rejection_counts_are_those_of_every_workplace(doc: dict[str, Any]) -> None:
    """Per rule, the workplaces it rejects for each student, as the rule says pair by
    pair (measured times, exclusions and missing values included)."""
    sc = scenario_from_document(doc)
    everyone = np.arange(len(sc.students), dtype=np.int64)
    counts = rejection_counts(sc, everyone)
    for who in everyone:
        pairs = Pairs.of_student(sc, int(who))
        for rule in RULE_NAMES:
            assert counts[rule][who] == int((~RULES[rule](pairs)).sum()), rule


@settings(max_examples=60, deadline=None)
@given(every_column_documents(max_students=6, max_workplaces=8))
def test_near_misses_are_those_of_all_recognised_workplaces(doc: dict[str, Any]) -> None:
    """The sentence for a student without a feasible workplace, found among the
    workplaces within reach first, is the one all their recognised workplaces give."""
    sc = scenario_from_document(doc)
    everyone = np.arange(len(sc.students), dtype=np.int64)
    every_pair = _details(sc, everyone, recognised_pairs(sc, everyone), near_misses_only=False)
    assert _no_feasible_details(sc, everyone) == every_pair


def test_a_far_workplace_with_a_measured_time_is_a_near_miss() -> None:
    """A measured time brings a workplace beyond the estimated reach within reach: it is
    a near miss like the one next door."""
    sc = scenario([student("S1", grade=2, max_travel_min=30)],
                  [workplace("W1", accepts_grade2=False, lat=51.5),
                   workplace("W2", accepts_grade2=False)],
                  travel_times=[{"student_id": "S1", "workplace_id": "W1", "minutes": 20}])
    [detail] = _no_feasible_details(sc, np.asarray([0], dtype=np.int64))
    assert detail.code == "explain.one_rule_short"
    assert detail.params["count"] == 2 and detail.params["examples"] == "W1, W2"


def test_a_workplace_at_the_edge_of_reach_is_judged_by_the_travel_rule() -> None:
    """Just inside the estimated reach (in the KD-tree's rounding shell) a workplace
    passes the travel rule: it is not counted as rejected."""
    reach_km = 30 * 25.0 / 60 / 1.3  # 30 minutes at the default speed and detour
    lat = 51.0 + math.degrees((reach_km - 0.0005) / EARTH_RADIUS_KM)
    sc = scenario([student("S1", max_travel_min=30)], [workplace("W1", lat=lat)])
    assert int(Pairs.of_student(sc, 0).minutes[0]) == 30
    assert rejection_counts(sc, np.asarray([0], dtype=np.int64))["travel"].tolist() == [0]
