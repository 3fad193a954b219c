import pytest

from tests.rules.rule_helpers import passes

RULE = "placement_type"


@pytest.mark.parametrize(
    ("student", "contract", "guided", "expected"),
    [
        ({"phase": "duaal"}, True, False, True),
        ({"phase": "duaal"}, False, True, False),
        ({"phase": "duaal", "contract_ready": "false"}, True, False, True),
        ({"phase": "aanloop", "contract_ready": "true"}, True, False, True),
        ({"phase": "aanloop", "contract_ready": "true"}, False, True, True),
        ({"phase": "aanloop", "contract_ready": "false"}, True, False, False),
        ({"phase": "aanloop", "contract_ready": "false"}, False, True, True),
        ({"phase": "aanloop", "contract_ready": "false"}, False, False, False),
    ],
)
def test_placement_type_matches_phase_and_readiness(
    student: dict[str, str], contract: bool, guided: bool, expected: bool
) -> None:
    workplace = {"offers_contract": contract, "offers_guided": guided}
    assert passes(RULE, student, workplace) is expected


def test_aanloop_student_is_not_contract_ready_by_default() -> None:
    assert not passes(RULE, {"phase": "aanloop"}, {"offers_contract": "true"})


def test_duaal_student_is_contract_ready_by_default_and_workplaces_offer_contracts() -> None:
    assert passes(RULE, {"phase": "duaal"}, {})


def test_workplaces_offer_no_guided_experience_by_default() -> None:
    assert not passes(RULE, {"phase": "aanloop"}, {})
