"""Contract tests over the project's registries, in the spirit of scikit-learn's
``check_estimator``: whatever is registered must come with everything the rest of
the product and the contract expect of it. CONTRIBUTING.md's recipes point here.

A hard rule (``matcher.rules.HARD_RULES``) must have: its own module; a truth-table
test that names it and holds it both ways; honest student fields; its texts in every
catalogue; a label in every explanation; a place in the coach-view policy; a row in
the contract; and a twin in the checker's plain reference, with a case that breaks it
alone. Table columns, solver backends, languages and fix kinds have shorter lists below.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import get_args

import numpy as np
import pytest

from api.privacy import OTHER_REASON_RULES, SHOWN_RULES
from api.web.templating import BACKEND_WORDS, OBJECTIVE_WORDS
from matcher.analysis.changes import EFFORT, ChangeKind
from matcher.candidates import build_candidates
from matcher.check import check_plan, reference
from matcher.io import load_scenario
from matcher.io.parse import TableParser
from matcher.messages import DEFAULT_LANG, LANGUAGES, Lang, Message, known_codes, render
from matcher.pipeline import SolveSettings, run_solve
from matcher.rules import HARD_RULES, RULE_NAMES, RULES, HardRule, Pairs, Rule
from matcher.solve import BACKENDS, solve
from models.config import OBJECTIVES
from models.plan import Backend
from models.scenario import BoolArray, Scenario, Students
from models.tables import TABLE_SPECS, Column, Kind
from tests.check.test_reference import EDGES
from tests.mutants import MUTANTS
from tests.test_check import BREAKS_ONLY

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
# Student fields (of models.scenario.Students) that hold a support need: a rule reading
# one must never be named to a coach (api/privacy.py).
SUPPORT_NEED_FIELDS = frozenset({"adjustments", "intensive", "priority"})

rules = pytest.mark.parametrize("rule", list(HARD_RULES.values()), ids=list(HARD_RULES))


@pytest.fixture(scope="module")
def demo() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "demo")


# --- hard rules -------------------------------------------------------------------------

@rules
def test_a_rule_lives_in_its_own_module_under_its_own_name(rule: HardRule) -> None:
    assert rule.passes.__module__ == f"matcher.rules.{rule.name}"
    assert RULES[rule.name] is rule.passes


@rules
def test_a_rule_has_a_truth_table_that_holds_it_both_ways(
    rule: HardRule, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tests/rules/test_<name>.py names the rule and has a case where it passes and
    one where it fails: the table fails when the rule lets every pair through, and
    when it lets none through."""
    table = ROOT / "tests" / "rules" / f"test_{rule.name}.py"
    assert table.is_file(), f"no truth-table test {table.relative_to(ROOT)}"
    assert f'RULE = "{rule.name}"' in table.read_text(encoding="utf-8")
    for everything in (True, False):
        with monkeypatch.context() as patch:
            patch.setitem(RULES, rule.name, _constant(everything))
            result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider",
                                                  "--rootdir", str(ROOT), str(table))
        assert result.ret == pytest.ExitCode.TESTS_FAILED, (
            f"{table.name} still passes when {rule.name} "
            f"{'allows every pair' if everything else 'allows no pair'}")


def _constant(ok: bool) -> Rule:
    def rule(pairs: Pairs) -> BoolArray:
        return np.full(len(pairs), ok, dtype=bool)

    return rule


@rules
def test_a_rule_reads_only_the_student_fields_it_declares(rule: HardRule,
                                                          demo: Scenario) -> None:
    """Explanations evaluate a rule once per profile of its declared fields, so two
    students alike in those fields must meet the same workplaces."""
    if rule.student_fields is None:
        return
    names = {f.name for f in dataclasses.fields(Students)}
    assert set(rule.student_fields) <= names, f"{rule.name}: no such student field"
    s, n_workplaces = demo.students, len(demo.workplaces)
    everyone = np.arange(len(s), dtype=np.int64)
    pairs = Pairs(demo, np.repeat(everyone, n_workplaces),
                  np.tile(np.arange(n_workplaces, dtype=np.int64), len(s)))
    rows = rule.passes(pairs).reshape(len(s), n_workplaces)
    seen: dict[bytes, int] = {}
    for i in range(len(s)):
        profile = b"".join(np.asarray(getattr(s, field))[i].tobytes()
                           for field in rule.student_fields)
        first = seen.setdefault(profile, i)
        assert (rows[i] == rows[first]).all(), (
            f"{rule.name}: {s.ids[i]} and {s.ids[first]} share {rule.student_fields} "
            "but not their workplaces")


@rules
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_rule_has_its_texts_in_every_catalogue(rule: HardRule, lang: Lang) -> None:
    missing = [code for code in rule.message_codes if code not in known_codes(lang)]
    assert missing == [], f"{lang} catalogue lacks {missing}"


@rules
def test_every_explanation_label_of_a_rule_is_a_catalogue_text(rule: HardRule,
                                                                demo: Scenario) -> None:
    """The label an explanation, a conflict or a page gives the rule, for every student
    of the demo (some with an unknown Dutch level or birth date)."""
    labels = {rule.label_for(demo.students, i).code for i in range(len(demo.students))}
    assert labels <= set(rule.message_codes)
    for code in labels:
        for lang in LANGUAGES:
            assert code in known_codes(lang)


@rules
def test_a_rule_reading_a_support_need_is_never_named_to_a_coach(rule: HardRule) -> None:
    reads_a_need = rule.student_fields is not None and bool(
        SUPPORT_NEED_FIELDS & set(rule.student_fields))
    if reads_a_need:
        assert not rule.shown_to_coach
    assert (rule.name in SHOWN_RULES) is rule.shown_to_coach
    assert (rule.name in OTHER_REASON_RULES) is not rule.shown_to_coach


@rules
def test_a_rule_is_in_the_contract(rule: HardRule) -> None:
    assert re.search(rf"^\| `{rule.name}` \|", CONTRACT, re.MULTILINE), (
        f"docs/scenario-format.md's rule table has no row for {rule.name}")


@rules
def test_the_checkers_reference_covers_the_rule_with_its_own_code(rule: HardRule) -> None:
    """A plain twin in matcher/check/reference.py (not the product's function), edge
    cases for both outcomes that hold the twin and the rule to the same answer
    (tests/check/test_reference.py), and a case breaking it alone, with which the
    checker must catch a plan solved without the rule (tests/test_check.py)."""
    assert rule.name in reference.RULES, "matcher/check/reference.py has no twin"
    assert reference.RULES[rule.name].__module__ == reference.__name__
    outcomes = {allowed for name, _, _, allowed in EDGES if name == rule.name}
    if rule.name != "excluded":  # an exclusion is a scenario table, not a field: BREAKS_ONLY
        assert outcomes == {True, False}, "EDGES in tests/check/test_reference.py"
    assert rule.name in BREAKS_ONLY, "BREAKS_ONLY in tests/test_check.py"


@rules
def test_the_mutation_check_removes_the_rule(rule: HardRule) -> None:
    assert f"rule-{rule.name}" in MUTANTS


def test_the_reference_has_no_rule_the_registry_lacks() -> None:
    assert tuple(reference.RULES) == RULE_NAMES


# --- table columns ------------------------------------------------------------------------

def _contract_section(table: str) -> str:
    """The contract's text about one table: from its heading to the next heading."""
    match = re.search(rf"^### {table}\.csv.*?(?=^##)", CONTRACT, re.MULTILINE | re.DOTALL)
    assert match, f"docs/scenario-format.md has no section ### {table}.csv"
    return match.group(0)


@pytest.mark.parametrize(("table", "column"), [
    (spec.name, column.name) for spec in TABLE_SPECS.values() for column in spec.columns])
def test_a_column_the_loader_reads_is_in_the_contract(table: str, column: str) -> None:
    assert re.search(rf"\b{column}\b", _contract_section(table)), (
        f"docs/scenario-format.md does not describe {table}.{column}")


# Columns the loader takes as plain text, outside the typed readers: a pinned row's
# mentor is looked up among the mentors' ids; an exclusion's reason is for people only.
READ_AS_PLAIN_TEXT = {("placements", "mentor_id"), ("exclusions", "reason")}


def test_the_loader_reads_every_column_as_the_kind_it_is_declared(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """models/tables.py is the one source of column kinds: each typed reader of
    ``TableParser`` refuses a column declared as another kind, and every declared
    column is read by one of them."""
    read: set[tuple[str, str]] = set()
    declared = TableParser._declared

    def spy(parser: TableParser, name: str, kind: Kind) -> Column:
        read.add((parser.spec.name, name))
        return declared(parser, name, kind)

    monkeypatch.setattr(TableParser, "_declared", spy)
    load_scenario(ROOT / "scenarios" / "demo")
    every = {(spec.name, column.name) for spec in TABLE_SPECS.values()
             for column in spec.columns}
    assert every - read == READ_AS_PLAIN_TEXT


# --- solver backends ----------------------------------------------------------------------

def test_the_backends_are_the_plans_vocabulary() -> None:
    assert get_args(Backend) == BACKENDS


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_backend_finds_the_optimum_and_its_plan_passes_the_checker(
    backend: Backend, demo: Scenario
) -> None:
    candidates = build_candidates(demo)
    exact = solve(demo, candidates, backend="flow")
    found = solve(demo, candidates, backend=backend, time_limit_s=30)
    assert found.status == "optimal"
    assert found.objective_value == exact.objective_value
    plan = run_solve(demo, SolveSettings(backend=backend, time_limit_s=30)).plan
    assert plan.solver.backend == backend
    assert check_plan(demo, plan.as_contract()) == []


def test_the_solve_form_offers_every_backend_and_objective() -> None:
    assert tuple(BACKEND_WORDS) == BACKENDS
    assert tuple(OBJECTIVE_WORDS) == OBJECTIVES


# --- languages ----------------------------------------------------------------------------

def test_the_languages_are_the_messages_vocabulary() -> None:
    assert get_args(Lang) == LANGUAGES


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_language_has_every_code_of_the_default_language(lang: Lang) -> None:
    assert known_codes(lang) == known_codes(DEFAULT_LANG)


# --- fix kinds ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", get_args(ChangeKind))
def test_a_change_kind_has_an_effort_and_a_name_in_every_language(kind: str) -> None:
    assert kind in EFFORT
    for lang in LANGUAGES:
        assert f"kind.{kind}" in known_codes(lang)
        assert render(Message(f"kind.{kind}"), lang).strip()
