"""The deployed template limits traffic at the edge: stage and per-route throttling, WAF rate rules per source IP.

Read from what ``chalice package`` makes of the merge template (the routes are the app's own, so a renamed
route leaves no limit pointing at nothing) and from the committed merge template.
"""

from __future__ import annotations

import json

import pytest

from chalicelib.api.auth import AUTHORIZER_TTL_SECONDS
from infrastructure import edge

LIMITED_ROUTES = {("/api/auth/login", "POST"), ("/api/auth/register", "POST"), ("/api/seat-reservations", "POST")}
PER_SOURCE_ROUTES = {("/api/auth/register", "POST"), ("/api/seat-reservations", "POST")}


def method_settings(resources) -> dict[tuple[str, str], dict]:
    settings = resources["RestAPI"]["Properties"]["MethodSettings"]
    return {(s["ResourcePath"], s["HttpMethod"]): s for s in settings}


def decoded(resource_path: str) -> str:
    return resource_path[1:].replace("~1", "/")


def test_the_whole_stage_is_throttled_with_a_rate_and_a_burst(resources):
    everything = method_settings(resources)[("/*", "*")]

    assert everything["ThrottlingRateLimit"] == edge.STAGE_THROTTLE.rate > 0
    assert everything["ThrottlingBurstLimit"] == edge.STAGE_THROTTLE.burst >= everything["ThrottlingRateLimit"]


def test_login_register_and_holds_have_tighter_limits_of_their_own(resources):
    routes = {(decoded(path), method): s for (path, method), s in method_settings(resources).items() if path != "/*"}

    assert set(routes) == LIMITED_ROUTES
    for route, setting in routes.items():
        assert 0 < setting["ThrottlingRateLimit"] < edge.STAGE_THROTTLE.rate, route
        assert setting["ThrottlingRateLimit"] <= setting["ThrottlingBurstLimit"] < edge.STAGE_THROTTLE.burst, route


def test_a_waf_rate_rule_per_source_ip_guards_registration_and_holds(resources):
    acl = resources[edge.WEB_ACL]
    rules = acl["Properties"]["Rules"]

    assert acl["Type"] == "AWS::WAFv2::WebACL" and acl["Properties"]["Scope"] == "REGIONAL"
    guarded = set()
    for rule in rules:
        rate = rule["Statement"]["RateBasedStatement"]
        assert rate["AggregateKeyType"] == "IP"
        assert rate["Limit"] >= 10 and rate["EvaluationWindowSec"] in (60, 120, 300, 600)
        method, path = (s["ByteMatchStatement"] for s in rate["ScopeDownStatement"]["AndStatement"]["Statements"])
        assert method["FieldToMatch"] == {"Method": {}} and path["FieldToMatch"] == {"UriPath": {}}
        guarded.add((path["SearchString"], method["SearchString"]))
        assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == 429
    assert guarded == PER_SOURCE_ROUTES


def test_a_blocked_client_gets_our_error_body_and_a_retry_after(resources):
    properties = resources[edge.WEB_ACL]["Properties"]
    body = properties["CustomResponseBodies"][edge.RATE_LIMITED_BODY]
    response = properties["Rules"][0]["Action"]["Block"]["CustomResponse"]

    assert json.loads(body["Content"])["error"]["code"] == "rate_limited"
    assert {"Name": "Retry-After", "Value": str(edge.RETRY_AFTER_SECONDS)} in response["ResponseHeaders"]


@pytest.mark.slow
def test_every_limited_route_is_a_route_of_the_packaged_api(packaged_resources):
    paths = packaged_resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"]

    for path, method in LIMITED_ROUTES | PER_SOURCE_ROUTES:
        assert method.lower() in paths[path], (path, method)
    assert method_settings(packaged_resources)[("/*", "*")]["ThrottlingRateLimit"] == edge.STAGE_THROTTLE.rate


@pytest.mark.slow
def test_the_web_acl_is_attached_to_the_rest_apis_stage(packaged_resources):
    association = packaged_resources[edge.WEB_ACL_ASSOCIATION]
    stage = packaged_resources["RestAPI"]["Properties"]["StageName"]

    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [edge.WEB_ACL, "Arn"]}
    assert association["Properties"]["ResourceArn"]["Fn::Sub"].endswith("/restapis/${RestAPI}/stages/" + stage)
    assert association["DependsOn"] == [f"RestAPI{stage}Stage"]


@pytest.mark.slow
def test_api_gateway_caches_an_authorizers_answer_for_30_seconds_only(packaged_resources):
    schemes = packaged_resources["RestAPI"]["Properties"]["DefinitionBody"]["securityDefinitions"]

    ttls = {name: s["x-amazon-apigateway-authorizer"]["authorizerResultTtlInSeconds"] for name, s in schemes.items()}

    assert ttls == {name: AUTHORIZER_TTL_SECONDS for name in ("customer_auth", "staff_auth", "admin_auth")}
    assert AUTHORIZER_TTL_SECONDS == 30
