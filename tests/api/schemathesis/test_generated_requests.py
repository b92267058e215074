"""Generated requests against the published OpenAPI document: no input answers a 5xx, and every answer has a
documented status, media type, headers and body.

Each operation is tried with cases generated from its published schemas (`MAX_EXAMPLES` each, in-process:
the REST front's WSGI adapter, the API Gateway emulator, the app on moto). Path parameters and body fields
named like an id are sometimes replaced by ids that exist, so cases also reach the code past "not found".
The token is the one of the role the operation requires (``x-role``), sometimes left out.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "40"))
"""Per operation: about 1,100 cases in all, a couple of minutes on 2 cores. Raise it for a long run."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_no_generated_request_answers_a_5xx_or_an_undocumented_answer(case, known):
    role = case.operation.definition.raw.get("x-role")
    headers = {"Authorization": f"Bearer {known.tokens[role]}"} if role else {}

    case.call_and_validate(headers=headers, checks=CHECKS)
