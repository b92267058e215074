"""The merge template: parameters, tables, queues, and what we add to the resources Chalice generates.

Deep-merged by ``chalice package --merge-template``: a key we write replaces Chalice's value (lists whole),
so each override names the exact logical id Chalice uses (see `chalice_app`).
"""

from __future__ import annotations

from typing import Any

from pynamodb.models import Model

from chalicelib.adapters.queues import QueueDef
from infrastructure import apigateway, dynamodb, edge, iam, sqs
from infrastructure.chalice_app import AppShape, StageConfig
from infrastructure.naming import (
    DELETION_PROTECTION_PARAM,
    JWT_SECRET_PARAM,
    QUEUE_PREFIX_PARAM,
    TABLE_PREFIX_PARAM,
    placeholder,
    ref,
    sub,
)

PREFIX_PATTERN = "^[A-Za-z0-9_.-]*$"
FUNCTIONS_POLICY = "LambdaFunctionsPolicy"


class TemplateError(ValueError):
    """The code's definitions cannot be deployed as they stand; the message says what to change."""


def stage_prefixes(stage: StageConfig) -> tuple[str, str]:
    env = stage.environment
    missing = [name for name in ("TABLE_PREFIX", "QUEUE_PREFIX") if not env.get(name)]
    if missing:
        raise TemplateError(f".chalice/config.json: stage {stage.name!r} must set {', '.join(missing)}")
    return env["TABLE_PREFIX"], env["QUEUE_PREFIX"]


def parameters(stage: StageConfig) -> dict[str, Any]:
    table_prefix, queue_prefix = stage_prefixes(stage)
    return {
        TABLE_PREFIX_PARAM: {
            "Type": "String",
            "Default": table_prefix,
            "AllowedPattern": PREFIX_PATTERN,
            "Description": "Prepended to every table's short name; the functions get it as TABLE_PREFIX.",
        },
        QUEUE_PREFIX_PARAM: {
            "Type": "String",
            "Default": queue_prefix,
            "AllowedPattern": PREFIX_PATTERN,
            "Description": "Prepended to every queue's name; the functions get it as QUEUE_PREFIX.",
        },
        JWT_SECRET_PARAM: {
            "Type": "String",
            "Default": f"{stage.app_name}/{stage.name}/jwt-signing-keys",
            "Description": (
                "Secrets Manager secret (name or ARN) whose SecretString is the JSON object of JWT signing keys, "
                '{"<kid>": "<key>", ...}; the first key signs. Resolved at deploy time (docs/deploy.md).'
            ),
        },
        DELETION_PROTECTION_PARAM: {
            "Type": "String",
            "Default": "true",
            "AllowedValues": ["true", "false"],
            "Description": "DynamoDB deletion protection on every table. Set false only to tear a stage down.",
        },
    }


def function_environment(shape: AppShape) -> dict[str, Any]:
    environment: dict[str, Any] = {
        "TABLE_PREFIX": ref(TABLE_PREFIX_PARAM),
        "QUEUE_PREFIX": ref(QUEUE_PREFIX_PARAM),
        "JWT_SIGNING_KEYS": sub("{{resolve:secretsmanager:" + placeholder(JWT_SECRET_PARAM) + ":SecretString}}"),
    }
    if shape.websocket_stage:
        environment["WS_MANAGEMENT_URL"] = sub(
            "https://${WebsocketAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + shape.websocket_stage
        )
    return environment


def chalice_overrides(
    shape: AppShape, models: list[type[Model]], queues: tuple[QueueDef, ...]
) -> dict[str, dict[str, Any]]:
    _, queue_prefix = stage_prefixes(shape.stage)
    overrides: dict[str, dict[str, Any]] = {}
    environment = function_environment(shape)
    for function in shape.functions:
        overrides[function.logical_id] = {"Properties": {"Environment": {"Variables": dict(environment)}}}
    for role_id in sorted({f.role_logical_id for f in shape.functions if f.role_logical_id}):
        # Chalice's inline copy of the policy file gives way to the one managed policy with exact ARNs; the
        # role depends on it, so no function or queue subscription starts before its grants exist.
        overrides[role_id] = {"Properties": {"Policies": [], "ManagedPolicyArns": [ref(FUNCTIONS_POLICY)]}}
    for subscription in shape.subscriptions:
        queue = sqs.queue_for(subscription.queue_name, queue_prefix, queues)
        if queue is None:
            raise TemplateError(
                f"{subscription.function_logical_id} consumes {subscription.queue_name!r}, which is no QueueDef in "
                "chalicelib.adapters.queues.ALL_QUEUES: subscribe with QueueDef.deployed_name and register the queue"
            )
        # The queue's ARN instead of its name: the mapping then waits for the queue and follows QueuePrefix.
        # Chalice writes ``{"Fn::Sub": ...}`` here and the merge is deep, so the override must be a Sub too.
        events = overrides[subscription.function_logical_id]["Properties"].setdefault("Events", {})
        queue_arn = sub(placeholder(sqs.logical_id(queue) + ".Arn"))
        events[subscription.event_logical_id] = {"Properties": {"Queue": queue_arn}}
    if shape.has_rest_api:
        properties = {**apigateway.rest_api_overrides()["Properties"], **edge.rest_api_overrides()["Properties"]}
        overrides["RestAPI"] = {"Properties": properties}
    return overrides


def functions_policy(shape: AppShape, models: list[type[Model]], queues: tuple[QueueDef, ...]) -> dict[str, Any]:
    return {
        FUNCTIONS_POLICY: {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "Description": "What every Lambda function of the app may do: this stage's tables, queues, WebSocket.",
                "PolicyDocument": iam.document(iam.template_scope(models, queues, shape.websocket_stage)),
            },
        }
    }


def merge_template(shape: AppShape, models: list[type[Model]], queues: tuple[QueueDef, ...]) -> dict[str, Any]:
    resources: dict[str, dict[str, Any]] = {}
    for part in (
        dynamodb.table_resources(models),
        sqs.all_queue_resources(queues),
        functions_policy(shape, models, queues),
        chalice_overrides(shape, models, queues),
        edge.web_acl_resources(shape.stage.api_gateway_stage) if shape.has_rest_api else {},
    ):
        clashes = sorted(resources.keys() & part.keys())
        if clashes:
            raise TemplateError(f"logical ids defined twice: {', '.join(clashes)}")
        resources.update(part)
    return {"Parameters": parameters(shape.stage), "Resources": resources}
