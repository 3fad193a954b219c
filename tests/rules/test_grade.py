from tests.rules.rule_helpers import passes

RULE = "grade"


def test_grade2_student_needs_a_workplace_accepting_grade2() -> None:
    assert not passes(RULE, {"grade": 2}, {"accepts_grade2": "nee"})
    assert passes(RULE, {"grade": 2}, {"accepts_grade2": "ja"})


def test_grade3_student_goes_anywhere() -> None:
    assert passes(RULE, {"grade": 3}, {"accepts_grade2": "false"})


def test_workplaces_accept_grade2_by_default() -> None:
    assert passes(RULE, {"grade": 2}, {})
