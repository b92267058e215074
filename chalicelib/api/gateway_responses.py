"""API Gateway's own answers (no Lambda ran: bad token, denied role, unknown path, throttling), in our error body.

Defined once: the CloudFormation template deploys them as ``AWS::ApiGateway::GatewayResponse`` and the
local cloud's gateway emulator answers with them, so clients see one error shape everywhere.
"""

from __future__ import annotations

import json

from chalicelib.api.errors import error_body

GATEWAY_RESPONSES: dict[str, tuple[int, str, str]] = {
    # response type: (status, code, message)
    "UNAUTHORIZED": (401, "unauthorized", "Sign in: the access token is missing, invalid or expired."),
    "ACCESS_DENIED": (403, "forbidden", "Your role does not allow this."),
    "MISSING_AUTHENTICATION_TOKEN": (404, "not_found", "There is no such endpoint."),
    "THROTTLED": (429, "rate_limited", "Too many requests. Slow down and retry."),
    "REQUEST_TOO_LARGE": (413, "payload_too_large", "The request is too large."),
    "DEFAULT_4XX": (400, "bad_request", "The request was refused by the gateway."),
    "DEFAULT_5XX": (502, "gateway_error", "The gateway could not reach the application."),
}


# API Gateway's quotas on the request itself (the URL; the request line and header values together): it
# refuses such a request before any route or gateway response applies. The local REST front answers
# them in our error body (scripts/localcloud/rest.py); they are not gateway response types to deploy.
REQUEST_LIMITS: dict[str, tuple[int, str, str]] = {
    "URI_TOO_LONG": (414, "uri_too_long", "The URL is too long."),
    "HEADERS_TOO_LARGE": (431, "headers_too_large", "The request line and headers are too large."),
}
MAX_URL_CHARACTERS = 10_240  # URI_TOO_LONG above this: the length of the URL, for a regional REST API
MAX_REQUEST_LINE_AND_HEADERS_BYTES = 10_240  # HEADERS_TOO_LARGE above this: request line and header values together
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # REQUEST_TOO_LARGE above this: the body


def gateway_answer(response_type: str) -> tuple[int, str, str]:
    """(status, code, message) of a gateway response type or a request quota's refusal."""
    return GATEWAY_RESPONSES.get(response_type) or REQUEST_LIMITS[response_type]


def gateway_body(response_type: str) -> str:
    _, code, message = gateway_answer(response_type)
    return json.dumps(error_body(code, message))
