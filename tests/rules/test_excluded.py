from tests.rules.rule_helpers import passes

RULE = "excluded"


def test_excluded_pair_is_never_allowed() -> None:
    rows = [{"student_id": "S1", "workplace_id": "W1", "reason": "werkgever weigerde"}]
    assert not passes(RULE, exclusions=rows)


def test_pairs_not_listed_are_allowed() -> None:
    assert passes(RULE, exclusions=[])
