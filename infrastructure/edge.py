"""Limits at the edge, before a Lambda runs: API Gateway stage and per-route throttling, and a WAF web ACL
with per-source-IP rate rules on registration and holds.

Only in the deployed template: the local cloud has none of it (its load test registers thousands of users
from one address). The numbers and why they are what they are: docs/deploy.md, "Edge limits".

The code keeps its own limits too (failed logins per email and per IP, one hold per user and screening, the
hold cap and its cooldown); these bound what many accounts from one place, or everyone at once, can cost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chalicelib.api.errors import error_body
from infrastructure.naming import sub


@dataclass(frozen=True)
class Throttle:
    rate: float  # steady requests per second, across all clients of the stage
    burst: int  # requests API Gateway lets through at once above the rate (its token bucket)


@dataclass(frozen=True)
class RouteThrottle:
    path: str  # as the app routes it (chalicelib/api/...)
    method: str
    throttle: Throttle


STAGE_THROTTLE = Throttle(rate=1000, burst=2000)
ROUTE_THROTTLES = (
    RouteThrottle("/api/auth/login", "POST", Throttle(rate=50, burst=100)),
    RouteThrottle("/api/auth/register", "POST", Throttle(rate=20, burst=40)),
    RouteThrottle("/api/seat-reservations", "POST", Throttle(rate=300, burst=600)),
)


@dataclass(frozen=True)
class SourceRateRule:
    name: str
    path: str  # matched at the end of the URI (WAF sees the stage prefix in front of the app's path)
    method: str
    limit: int  # requests per source IP per `WINDOW_SECONDS`; WAF blocks the rest until the rate falls
    priority: int


WINDOW_SECONDS = 300
SOURCE_RATE_RULES = (
    SourceRateRule("register-per-ip", "/api/auth/register", "POST", limit=20, priority=0),
    SourceRateRule("holds-per-ip", "/api/seat-reservations", "POST", limit=300, priority=1),
)
WEB_ACL = "EdgeWebACL"
WEB_ACL_ASSOCIATION = "EdgeWebACLAssociation"
RATE_LIMITED_BODY = "rate_limited"
RETRY_AFTER_SECONDS = 60  # WAF re-evaluates a source's rate continuously; a minute is a fair first wait


def _encoded(path: str) -> str:
    """A method setting's ResourcePath: ``/api/auth/login`` -> ``/~1api~1auth~1login``."""
    return "/" + path.replace("/", "~1")


def _method_setting(path: str, method: str, throttle: Throttle) -> dict[str, Any]:
    return {
        "ResourcePath": path,
        "HttpMethod": method,
        "ThrottlingRateLimit": throttle.rate,
        "ThrottlingBurstLimit": throttle.burst,
    }


def method_settings() -> list[dict[str, Any]]:
    """The stage's throttling (every method), then each limited route's own (API Gateway applies the tighter)."""
    return [_method_setting("/*", "*", STAGE_THROTTLE)] + [
        _method_setting(_encoded(route.path), route.method, route.throttle) for route in ROUTE_THROTTLES
    ]


def rest_api_overrides() -> dict[str, Any]:
    """Deep-merged into Chalice's ``RestAPI`` (an ``AWS::Serverless::Api``): SAM puts them on its stage."""
    return {"Properties": {"MethodSettings": method_settings()}}


def _byte_match(field: dict[str, Any], value: str, position: str) -> dict[str, Any]:
    return {
        "ByteMatchStatement": {
            "FieldToMatch": field,
            "PositionalConstraint": position,
            "SearchString": value,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }


def _rate_rule(rule: SourceRateRule) -> dict[str, Any]:
    return {
        "Name": rule.name,
        "Priority": rule.priority,
        "Action": {"Block": {"CustomResponse": _blocked_response()}},
        "Statement": {
            "RateBasedStatement": {
                "Limit": rule.limit,
                "EvaluationWindowSec": WINDOW_SECONDS,
                "AggregateKeyType": "IP",
                "ScopeDownStatement": {
                    "AndStatement": {
                        "Statements": [
                            _byte_match({"Method": {}}, rule.method, "EXACTLY"),
                            _byte_match({"UriPath": {}}, rule.path, "ENDS_WITH"),
                        ]
                    }
                },
            }
        },
        "VisibilityConfig": _visibility(rule.name),
    }


def _blocked_response() -> dict[str, Any]:
    return {
        "ResponseCode": 429,
        "CustomResponseBodyKey": RATE_LIMITED_BODY,
        "ResponseHeaders": [{"Name": "Retry-After", "Value": str(RETRY_AFTER_SECONDS)}],
    }


def _visibility(name: str) -> dict[str, Any]:
    return {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True, "MetricName": name}


def rate_limited_body() -> str:
    """Our error body (API.md, `chalicelib.api.errors.error_body`), as WAF sends it instead of its own 403 page."""
    message = "Too many requests from your network. Try again in a minute."
    details = {"retry_after_seconds": RETRY_AFTER_SECONDS, "scope": "source"}
    return json.dumps(error_body("rate_limited", message, details), separators=(",", ":"))


def web_acl_resources(api_stage: str) -> dict[str, dict[str, Any]]:
    """The web ACL and its association with the REST API's stage (which SAM names ``RestAPI<stage>Stage``)."""
    return {
        WEB_ACL: {
            "Type": "AWS::WAFv2::WebACL",
            "Properties": {
                "Name": sub("${AWS::StackName}-edge"),
                "Scope": "REGIONAL",
                "DefaultAction": {"Allow": {}},
                "Rules": [_rate_rule(rule) for rule in SOURCE_RATE_RULES],
                "CustomResponseBodies": {
                    RATE_LIMITED_BODY: {"ContentType": "APPLICATION_JSON", "Content": rate_limited_body()}
                },
                "VisibilityConfig": _visibility("edge"),
            },
        },
        WEB_ACL_ASSOCIATION: {
            "Type": "AWS::WAFv2::WebACLAssociation",
            "DependsOn": [f"RestAPI{api_stage}Stage"],
            "Properties": {
                "ResourceArn": sub(
                    "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${RestAPI}/stages/" + api_stage
                ),
                "WebACLArn": {"Fn::GetAtt": [WEB_ACL, "Arn"]},
            },
        },
    }
