"""Property-based run over the OpenAPI schema, in process: no 5xx for any input, and
every response conforms to the schema (status code, content type, body, headers).

Bounded: at most MAX_EXAMPLES generated requests per operation, derandomized so
every run sends the same requests.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Api

MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


def _check(operation: Any, headers: dict[str, str]) -> None:
    @settings(max_examples=MAX_EXAMPLES // 2, deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_every_operation_conforms(api: Api, demo_plan: tuple[int, int]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # the schema of every operation is valid
        operations.append(result.ok())
    assert len(operations) >= 15
    for operation in operations:
        # Half the requests with the consultant's key, half with a coach's.
        for headers in (api.consultant, api.coach_tb02):
            _check(operation, headers)
