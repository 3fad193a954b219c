"""The plain reference (matcher.check.reference) against the product's code: the
loader's encoding and defaults, every vectorised rule, the travel minutes, the
costs and the candidate filter agree with it on random scenarios, pair by pair and
rule by rule. The reference itself is held to the contract's wording at the edges."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from matcher.candidates import build_candidates
from matcher.check import reference
from matcher.cost import pair_costs
from matcher.io import scenario_from_document
from matcher.rules import RULE_NAMES, Pairs, evaluate
from models.scenario import Scenario
from tests.builders import document, student, workplace
from tests.rules.rule_helpers import passes
from tests.strategies import every_column_documents

CHECK_PACKAGE = Path(__file__).resolve().parents[2] / "matcher" / "check"
EXAMPLES = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _every_pair(sc: Scenario) -> Pairs:
    n_students, n_workplaces = len(sc.students), len(sc.workplaces)
    return Pairs(sc, np.repeat(np.arange(n_students, dtype=np.int64), n_workplaces),
                 np.tile(np.arange(n_workplaces, dtype=np.int64), n_students))


def _rows(ref: reference.ReferenceScenario, pairs: Pairs) -> list[tuple[
        reference.StudentRow, reference.WorkplaceRow]]:
    students, workplaces = list(ref.students.values()), list(ref.workplaces.values())
    return [(students[int(s)], workplaces[int(w)])
            for s, w in zip(pairs.student, pairs.workplace, strict=True)]


def test_the_reference_has_every_rule_of_the_contract_in_order() -> None:
    assert tuple(reference.RULES) == RULE_NAMES


@EXAMPLES
@given(every_column_documents())
def test_the_loaded_scenario_holds_what_the_contract_says(doc: dict[str, Any]) -> None:
    """Defaults (contract_ready, offers_contract, accepts_grade2, priority, travel limit,
    mentor capacity by sector), ages on the reference date, postcodes and code lists."""
    loaded = reference.from_scenario(scenario_from_document(doc))
    assert loaded == reference.from_document(doc)


@EXAMPLES
@given(every_column_documents())
def test_every_rule_agrees_with_the_reference_pair_by_pair(doc: dict[str, Any]) -> None:
    sc = scenario_from_document(doc)
    ref = reference.from_document(doc)
    pairs = _every_pair(sc)
    results = evaluate(pairs)
    rows = _rows(ref, pairs)
    for name, rule in reference.RULES.items():
        expected = [rule(ref, s, w) for s, w in rows]
        actual = [bool(x) for x in results[name]]
        wrong = [f"{s.student_id}→{w.workplace_id}"
                 for (s, w), e, a in zip(rows, expected, actual, strict=True) if e != a]
        assert not wrong, f"rule {name} disagrees with the reference on {wrong}"


@EXAMPLES
@given(every_column_documents())
def test_travel_and_costs_agree_with_the_reference(doc: dict[str, Any]) -> None:
    sc = scenario_from_document(doc)
    ref = reference.from_document(doc)
    pairs = _every_pair(sc)
    costs = pair_costs(pairs)
    for i, (s, w) in enumerate(_rows(ref, pairs)):
        assert int(pairs.minutes[i]) == reference.travel_minutes(ref, s, w)
        assert costs.breakdown(i) == reference.cost_breakdown(ref, s, w)


@EXAMPLES
@given(every_column_documents())
def test_candidates_are_the_pairs_the_reference_allows(doc: dict[str, Any]) -> None:
    """The candidate filter (radius pruning, then every rule) loses and adds nothing."""
    sc = scenario_from_document(doc)
    ref = reference.from_document(doc)
    allowed = {(s.student_id, w.workplace_id): reference.cost_breakdown(ref, s, w)
               for s in ref.students.values() for w in ref.workplaces.values()
               if not reference.broken_rules(ref, s, w)}
    candidates = build_candidates(sc)
    found = {(str(sc.students.ids[s]), str(sc.workplaces.ids[w])): candidates.costs.breakdown(i)
             for i, (s, w) in enumerate(zip(candidates.student, candidates.workplace,
                                            strict=True))}
    assert found == allowed


# The contract's edge wording, one line each: (rule, student, workplace, passes).
EDGES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    ("recognised_for_programme", {}, {"recognised_until": "2026-09-01"}, True),
    ("recognised_for_programme", {}, {"recognised_until": "2026-08-31"}, False),
    ("recognised_for_programme", {"programme": "BOUW"}, {"recognised_programmes": "LOG"},
     False),
    ("placement_type", {"phase": "aanloop"}, {"offers_guided": True, "offers_contract": False},
     True),
    ("placement_type", {"phase": "aanloop"}, {}, False),  # not contract-ready by default
    ("placement_type", {"phase": "aanloop", "contract_ready": True}, {}, True),
    ("placement_type", {"phase": "duaal"}, {"offers_guided": True, "offers_contract": False},
     False),
    ("grade", {"grade": 2}, {}, True),  # accepts_grade2 defaults to true
    ("grade", {"grade": 2}, {"accepts_grade2": False}, False),
    ("adjustments", {"adjustments": "rolstoel;tolk"}, {"adjustments_offered": "tolk;rolstoel"},
     True),
    ("adjustments", {"adjustments": "rolstoel;tolk"}, {"adjustments_offered": "rolstoel"},
     False),
    ("dutch_level", {}, {"min_dutch_level": "A1"}, False),  # an unknown level fails
    ("dutch_level", {}, {"min_dutch_level": "C2", "adjustments_offered": "language_support"},
     True),
    ("dutch_level", {"dutch_level": "B1"}, {"min_dutch_level": "B1"}, True),
    ("dutch_level", {"dutch_level": "A2"}, {"min_dutch_level": "B1"}, False),
    ("min_age", {}, {"min_age": 15}, False),  # an unknown birth date fails
    ("min_age", {"birth_date": "2010-09-01"}, {"min_age": 16}, True),  # birthday that day
    ("min_age", {"birth_date": "2010-09-02"}, {"min_age": 16}, False),
    ("travel", {"max_travel_min": 0}, {}, True),  # same place: 0 minutes
    ("travel", {"max_travel_min": 10}, {"lat": 51.1}, False),  # about 11 km: 35 min
]


@pytest.mark.parametrize(("rule", "student_fields", "workplace_fields", "allowed"), EDGES)
def test_the_reference_and_the_rule_keep_the_contract_at_its_edges(
    rule: str, student_fields: dict[str, Any], workplace_fields: dict[str, Any], allowed: bool
) -> None:
    ref = reference.from_document(document([student(**student_fields)],
                                           [workplace(**workplace_fields)]))
    s, w = next(iter(ref.students.values())), next(iter(ref.workplaces.values()))
    assert reference.RULES[rule](ref, s, w) is allowed
    assert passes(rule, student_fields, workplace_fields) is allowed


def test_ages_count_a_birthday_on_the_reference_date_as_reached() -> None:
    assert reference.age_on(dt.date(2010, 9, 1), dt.date(2026, 9, 1)) == 16
    assert reference.age_on(dt.date(2010, 9, 2), dt.date(2026, 9, 1)) == 15
    assert reference.age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_the_checker_uses_neither_the_rules_nor_the_costs_nor_the_solver() -> None:
    """Only the scenario's data shapes, the cell vocabulary and the postcode table."""
    allowed_prefixes = ("models.", "matcher.check.", "matcher.io.parse.TRUE_WORDS",
                        "matcher.travel.postcode_centres")
    for path in sorted(CHECK_PACKAGE.glob("*.py")):
        own = {name for name in _imports(path)
               if name.split(".")[0] in ("matcher", "models", "api")}
        assert {name for name in own if not name.startswith(allowed_prefixes)} == set(), path
