from tests.rules.rule_helpers import passes

RULE = "min_age"


def test_birthday_on_the_reference_date_counts_as_reached() -> None:
    assert passes(RULE, {"birth_date": "2008-09-01"}, {"min_age": 18})


def test_one_day_short_of_the_minimum_age_fails() -> None:
    assert not passes(RULE, {"birth_date": "2008-09-02"}, {"min_age": 18})


def test_unknown_birth_date_fails_a_set_minimum() -> None:
    assert not passes(RULE, {"birth_date": ""}, {"min_age": 16})


def test_no_minimum_age_lets_everyone_pass() -> None:
    assert passes(RULE, {"birth_date": ""}, {"min_age": ""})


def test_leap_day_birthday_is_reached_on_the_first_of_march() -> None:
    assert not passes(RULE, {"birth_date": "2008-02-29"}, {"min_age": 18},
                      reference_date="2026-02-28")
    assert passes(RULE, {"birth_date": "2008-02-29"}, {"min_age": 18},
                  reference_date="2026-03-01")
