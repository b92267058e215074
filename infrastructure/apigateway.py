"""API Gateway's own answers (`GATEWAY_RESPONSES`) as part of the REST API's definition.

They go into the OpenAPI body as ``x-amazon-apigateway-gateway-responses`` rather than separate
``AWS::ApiGateway::GatewayResponse`` resources: SAM deploys the REST API by overwriting it from its body,
which drops gateway responses declared outside it, and a separate resource is not part of the deployment
snapshot the stage serves. Inside the body they change the deployment hash, so a new one goes live.
"""

from __future__ import annotations

from typing import Any

from chalicelib.api.gateway_responses import GATEWAY_RESPONSES, gateway_body

EXTENSION = "x-amazon-apigateway-gateway-responses"
# Bearer tokens, no cookies: any origin may read our error bodies.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Headers": "Authorization,Content-Type,Idempotency-Key",
}
RETRY_AFTER_SECONDS = {"THROTTLED": 1}


def _header_values(response_type: str) -> dict[str, str]:
    headers = dict(CORS_HEADERS)
    if response_type in RETRY_AFTER_SECONDS:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS[response_type])
    # Static header values are quoted; unquoted text would be read as a mapping expression.
    return {f"gatewayresponse.header.{name}": f"'{value}'" for name, value in headers.items()}


def gateway_responses() -> dict[str, dict[str, Any]]:
    return {
        response_type: {
            "statusCode": str(status),
            "responseParameters": _header_values(response_type),
            "responseTemplates": {"application/json": gateway_body(response_type)},
        }
        for response_type, (status, _code, _message) in sorted(GATEWAY_RESPONSES.items())
    }


def rest_api_overrides() -> dict[str, Any]:
    """Deep-merged into Chalice's ``RestAPI`` (an ``AWS::Serverless::Api``)."""
    return {"Properties": {"DefinitionBody": {EXTENSION: gateway_responses()}}}
