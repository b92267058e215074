"""The merge template: parameters, tables, queues, and what we add to the resources Chalice generates.

Deep-merged by ``chalice package --merge-template``: a key we write replaces Chalice's value (lists whole),
so each override names the exact logical id Chalice uses (see `chalice_app`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.models import Model

from chalicelib.adapters.queues import QueueDef
from infrastructure import apigateway, dynamodb, edge, iam, sqs
from infrastructure.chalice_app import AppShape, StageConfig
from infrastructure.naming import (
    DELETION_PROTECTION_PARAM,
    QUEUE_PREFIX_PARAM,
    TABLE_PREFIX_PARAM,
    placeholder,
    ref,
    sub,
)

PREFIX_PATTERN = "^[A-Za-z0-9_.-]*$"
FUNCTIONS_POLICY = "LambdaFunctionsPolicy"


@dataclass(frozen=True)
class SigningSecret:
    """Keys the functions read from an environment variable, resolved from Secrets Manager when the stack deploys.

    Never in the repository or the template: the parameter names the secret (its name or ARN), and CloudFormation's
    dynamic reference puts its value into every function's environment (docs/deploy.md says how to create it).
    """

    variable: str
    parameter: str
    name: str  # the secret's name after "<app>/<stage>/", the parameter's default
    holds: str


SIGNING_SECRETS = (
    SigningSecret(
        "JWT_SIGNING_KEYS", "JwtSigningKeysSecretId", "jwt-signing-keys", '{"<kid>": "<key>", ...}; the first key signs'
    ),
    SigningSecret(
        "TICKET_SIGNING_KEYS",
        "TicketSigningKeysSecretId",
        "ticket-signing-keys",
        '{"<kid>": "<base64url 32-byte Ed25519 seed>", ...}; TICKET_ACTIVE_KID (default: the first) signs, all verify',
    ),
)


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
        DELETION_PROTECTION_PARAM: {
            "Type": "String",
            "Default": "true",
            "AllowedValues": ["true", "false"],
            "Description": "DynamoDB deletion protection on every table. Set false only to tear a stage down.",
        },
    } | {
        secret.parameter: {
            "Type": "String",
            "Default": f"{stage.app_name}/{stage.name}/{secret.name}",
            "Description": (
                f"Secrets Manager secret (name or ARN) whose SecretString is the JSON object the functions get as "
                f"{secret.variable}: {secret.holds}. Resolved at deploy time (docs/deploy.md)."
            ),
        }
        for secret in SIGNING_SECRETS
    }


def function_environment(shape: AppShape) -> dict[str, Any]:
    environment: dict[str, Any] = {
        "TABLE_PREFIX": ref(TABLE_PREFIX_PARAM),
        "QUEUE_PREFIX": ref(QUEUE_PREFIX_PARAM),
    } | {
        secret.variable: sub("{{resolve:secretsmanager:" + placeholder(secret.parameter) + ":SecretString}}")
        for secret in SIGNING_SECRETS
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
    table_prefix, _ = stage_prefixes(shape.stage)
    for stream in shape.streams:
        # The table's real StreamArn instead of the placeholder Chalice read at import (api/seat_stream.py).
        table = stream.stream_arn.split(":", 5)[5].split("/")[1]
        model = next((m for m in models if dynamodb.physical_name(m, table_prefix) == table), None)
        if model is None or not dynamodb.has_stream(model):
            raise TemplateError(
                f"{stream.function_logical_id} reads the stream of {table!r}, which is no model with a "
                "Meta.stream_view_type in chalicelib.adapters.dynamodb.tables"
            )
        events = overrides[stream.function_logical_id]["Properties"].setdefault("Events", {})
        stream_arn = {"Fn::GetAtt": [dynamodb.logical_id(model), "StreamArn"]}
        events[stream.event_logical_id] = {"Properties": {"Stream": stream_arn}}
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
