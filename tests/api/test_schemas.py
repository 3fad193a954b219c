"""Request bodies: text a database cannot store is refused with a pointer to the field."""

from __future__ import annotations

from tests.api.conftest import Api


def test_a_nul_in_a_refusal_reason_is_a_located_422(api: Api,
                                                    demo_plan: tuple[int, int]) -> None:
    _, plan_id = demo_plan
    response = api.client.post(f"/plans/{plan_id}/refusals", headers=api.consultant,
                               json={"student_id": "S04", "workplace_id": "W05",
                                     "reason": "weigering\u0000"})
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"detail": "contains a NUL character",
                                          "pointer": "/reason"}]
