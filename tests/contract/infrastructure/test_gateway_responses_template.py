"""API Gateway's own errors (bad token, denied role, unknown path) answer with our error body in AWS too."""

from __future__ import annotations

import json

from chalicelib.api.gateway_responses import GATEWAY_RESPONSES, gateway_body


def deployed_responses(resources):
    return resources["RestAPI"]["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]


def test_every_gateway_response_is_deployed_with_its_status_and_our_error_body(resources):
    deployed = deployed_responses(resources)

    assert deployed.keys() == GATEWAY_RESPONSES.keys()
    for response_type, (status, code, message) in GATEWAY_RESPONSES.items():
        rendered = deployed[response_type]
        assert rendered["statusCode"] == str(status)
        assert rendered["responseTemplates"] == {"application/json": gateway_body(response_type)}
        assert json.loads(rendered["responseTemplates"]["application/json"])["error"]["code"] == code
        # Response templates are Velocity: a "$" or "#" in a message would be evaluated, not shown.
        assert "$" not in message and "#" not in message


def test_browsers_may_read_gateway_errors_from_any_origin(resources):
    for response_type, rendered in deployed_responses(resources).items():
        headers = rendered["responseParameters"]
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'", response_type
        assert "Authorization" in headers["gatewayresponse.header.Access-Control-Allow-Headers"], response_type


def test_a_throttled_client_is_told_when_to_retry(resources):
    headers = deployed_responses(resources)["THROTTLED"]["responseParameters"]

    assert headers["gatewayresponse.header.Retry-After"] == "'1'"
