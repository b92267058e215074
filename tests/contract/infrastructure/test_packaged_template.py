"""``chalice package --merge-template infrastructure/resources.json`` makes a template CloudFormation accepts.

Packaging runs once per session (about ten seconds: it builds the deployment zip). These tests read what
Chalice generated for the app as it is now, so a new function, role or queue consumer is covered without
anyone editing them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from infra_support import VENV_BIN, run

from chalicelib.adapters.passwords import PRODUCTION_MEMORY_COST_KIB
from chalicelib.adapters.queues import ALL_QUEUES

pytestmark = pytest.mark.slow
SIX_TIMES = 6  # AWS: a queue hides a message for at least six times its consumer's timeout


def of_type(resources: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in resources.items() if r.get("Type") == kind}


def sqs_events(resources: dict[str, Any]):
    for name, function in of_type(resources, "AWS::Serverless::Function").items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                yield name, function["Properties"], event["Properties"]


def test_cfn_lint_passes_on_the_packaged_template(packaged):
    result = run([str(VENV_BIN / "cfn-lint"), str(packaged)])

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_merge_only_adds_to_resources_chalice_generated(packaged_resources):
    # An override for a logical id Chalice did not generate would stay a bare fragment without a Type.
    assert [name for name, r in packaged_resources.items() if "Type" not in r] == []


def test_every_function_runs_with_the_stages_tables_queues_and_signing_keys(packaged_resources):
    has_websocket = "WebsocketAPI" in packaged_resources

    for name, function in of_type(packaged_resources, "AWS::Serverless::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["TABLE_PREFIX"] == {"Ref": "TablePrefix"}, name
        assert variables["QUEUE_PREFIX"] == {"Ref": "QueuePrefix"}, name
        for keys in ("JWT_SIGNING_KEYS", "TICKET_SIGNING_KEYS"):
            assert variables[keys]["Fn::Sub"].startswith("{{resolve:secretsmanager:"), (name, keys)
        assert variables["STAGE"] == "dev", name
        if has_websocket:
            assert variables["WS_MANAGEMENT_URL"] == {
                "Fn::Sub": "https://${WebsocketAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api"
            }, name
        else:
            assert "WS_MANAGEMENT_URL" not in variables, name


def test_every_role_grants_only_the_functions_policy(packaged_resources):
    roles = of_type(packaged_resources, "AWS::IAM::Role")

    assert roles
    for name, role in roles.items():
        assert role["Properties"]["Policies"] == [], name
        assert role["Properties"]["ManagedPolicyArns"] == [{"Ref": "LambdaFunctionsPolicy"}], name


def test_every_queue_consumer_subscribes_to_a_queue_the_template_creates(packaged_resources):
    queues = of_type(packaged_resources, "AWS::SQS::Queue")
    by_name = {q.name("${QueuePrefix}"): q for q in ALL_QUEUES}

    for function_name, _function, event in sqs_events(packaged_resources):
        queue_id = re.fullmatch(r"\$\{(\w+)\.Arn\}", event["Queue"]["Fn::Sub"]).group(1)
        queue = queues[queue_id]["Properties"]
        definition = by_name[queue["QueueName"]["Fn::Sub"]]
        assert event["BatchSize"] == definition.batch_size, function_name
        assert "RedrivePolicy" in queue, f"{function_name} consumes a dead-letter queue"


def test_every_queue_hides_a_message_long_enough_for_its_consumer_to_finish_six_times(packaged_resources):
    queues = of_type(packaged_resources, "AWS::SQS::Queue")

    for function_name, function, event in sqs_events(packaged_resources):
        queue_id = re.fullmatch(r"\$\{(\w+)\.Arn\}", event["Queue"]["Fn::Sub"]).group(1)
        visibility = queues[queue_id]["Properties"]["VisibilityTimeout"]
        assert visibility >= SIX_TIMES * function["Timeout"], (
            f"{function_name} may run {function['Timeout']} s but {queue_id} hides a message for {visibility} s: "
            f"set lambda_timeout <= {visibility // SIX_TIMES} for it in .chalice/config.json "
            f"or raise the QueueDef's visibility_timeout to {SIX_TIMES * function['Timeout']}"
        )


def test_the_rest_api_answers_gateway_errors_with_our_error_body(packaged_resources, resources):
    definition = packaged_resources["RestAPI"]["Properties"]["DefinitionBody"]

    ours = resources["RestAPI"]["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]
    assert definition["x-amazon-apigateway-gateway-responses"] == ours
    assert definition["paths"], "the merge must add to Chalice's routes, not replace them"


MEASURED_IMPORT_PEAK_MIB = 115  # scripts/measure_memory.py: a cold start, before any request (docs/deploy.md)


def test_no_function_runs_at_lambdas_default_128_mb_and_the_rest_handler_fits_a_login(packaged_resources):
    memory = {
        name: function["Properties"]["MemorySize"]
        for name, function in of_type(packaged_resources, "AWS::Serverless::Function").items()
    }

    assert all(size >= 2 * MEASURED_IMPORT_PEAK_MIB for size in memory.values()), memory
    assert memory["APIHandler"] >= 2 * (MEASURED_IMPORT_PEAK_MIB + PRODUCTION_MEMORY_COST_KIB // 1024), memory
