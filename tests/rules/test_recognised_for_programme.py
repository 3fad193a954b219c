from tests.rules.rule_helpers import passes

RULE = "recognised_for_programme"


def test_workplace_recognised_for_the_programme_passes() -> None:
    assert passes(RULE, {"programme": "LOG"}, {"recognised_programmes": "BOUW;LOG"})


def test_workplace_not_recognised_for_the_programme_fails() -> None:
    assert not passes(RULE, {"programme": "ZORG"}, {"recognised_programmes": "LOG;BOUW"})


def test_programme_codes_are_compared_exactly() -> None:
    assert not passes(RULE, {"programme": "log"}, {"recognised_programmes": "LOG"})


def test_recognition_ending_on_the_reference_date_is_still_valid() -> None:
    assert passes(RULE, {}, {"recognised_until": "2026-09-01"}, reference_date="2026-09-01")


def test_recognition_ending_the_day_before_the_reference_date_has_expired() -> None:
    assert not passes(RULE, {}, {"recognised_until": "2026-08-31"}, reference_date="2026-09-01")


def test_empty_expiry_means_no_expiry() -> None:
    assert passes(RULE, {}, {"recognised_until": ""}, reference_date="2099-01-01")
