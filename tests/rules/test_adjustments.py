from tests.rules.rule_helpers import passes

RULE = "adjustments"


def test_every_needed_adjustment_must_be_offered() -> None:
    assert passes(RULE, {"adjustments": "rolstoel;prikkelarm"},
                  {"adjustments_offered": "prikkelarm;rolstoel;language_support"})
    assert not passes(RULE, {"adjustments": "rolstoel;prikkelarm"},
                      {"adjustments_offered": "rolstoel"})


def test_student_without_adjustments_goes_anywhere() -> None:
    assert passes(RULE, {"adjustments": ""}, {"adjustments_offered": ""})


def test_many_adjustment_codes_beyond_one_bitmask_word() -> None:
    codes = [f"a{i}" for i in range(130)]
    assert passes(RULE, {"adjustments": "a129;a0"}, {"adjustments_offered": ";".join(codes)})
    assert not passes(RULE, {"adjustments": "a129"}, {"adjustments_offered": ";".join(codes[:129])})
