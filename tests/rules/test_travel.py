from tests.rules.rule_helpers import passes

RULE = "travel"
# 0.1 degree of latitude is 11.12 km: 11.12 × 1.3 / 25 × 60 = 34.7 → 35 minutes.
NEAR = {"lat": 51.1, "lon": 4.4}


def test_estimate_within_the_default_limit_passes() -> None:
    assert passes(RULE, {}, NEAR, policy={"default_max_travel_min": 35})


def test_estimate_one_minute_over_the_limit_fails() -> None:
    assert not passes(RULE, {}, NEAR, policy={"default_max_travel_min": 34})


def test_student_limit_overrides_the_policy_default() -> None:
    assert not passes(RULE, {"max_travel_min": 30}, NEAR, policy={"default_max_travel_min": 60})


def test_measured_time_overrides_the_estimate_both_ways() -> None:
    shorter = [{"student_id": "S1", "workplace_id": "W1", "minutes": 20}]
    longer = [{"student_id": "S1", "workplace_id": "W1", "minutes": 50}]
    assert passes(RULE, {"max_travel_min": 30}, NEAR, travel_times=shorter)
    assert not passes(RULE, {"max_travel_min": 45}, NEAR, travel_times=longer)


def test_postcode_stands_for_its_municipality_centre() -> None:
    # 3500 Hasselt; a workplace at the same centre is 0 minutes away.
    assert passes(RULE, {"lat": "", "lon": "", "postcode": "3500"},
                  {"lat": 50.930358, "lon": 5.336838}, policy={"default_max_travel_min": 0})
