"""The Lambda functions' least-privilege policy, from the same registries as the tables and queues.

One list of grants, rendered twice:

- in the packaged template, with exact ARNs (``Fn::GetAtt`` of each table and queue, the WebSocket API's id),
  merged over the policy of every role Chalice creates;
- as ``.chalice/policy-<stage>.json`` for ``chalice deploy``, which cannot resolve CloudFormation: the same
  names with the stage's literal prefixes, any region and account.

No grant creates, deletes or reconfigures a table or queue; only the stage's own tables, indexes, streams and
queues (never the dead-letter queues, which only operators read) and the WebSocket ``@connections`` API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.models import Model

from chalicelib.adapters.queues import QueueDef
from infrastructure import dynamodb, sqs
from infrastructure.naming import arn_of, placeholder, sub

TABLE_ACTIONS = sorted(
    f"dynamodb:{action}"
    for action in (
        "BatchGetItem",
        "BatchWriteItem",
        "ConditionCheckItem",  # TransactWriteItems is authorised per item as these four
        "DeleteItem",
        "DescribeTable",  # PynamoDB describes a table before its first request
        "GetItem",
        "PutItem",
        "Query",
        "Scan",
        "UpdateItem",
    )
)
INDEX_ACTIONS = ["dynamodb:Query", "dynamodb:Scan"]
STREAM_ACTIONS = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
# Send for producers; receive/delete/visibility/attributes for the Lambda event source mapping, which
# polls with the function's own role.
QUEUE_ACTIONS = sorted(
    f"sqs:{action}"
    for action in (
        "ChangeMessageVisibility",
        "DeleteMessage",
        "GetQueueAttributes",
        "GetQueueUrl",
        "ReceiveMessage",
        "SendMessage",
    )
)
CONNECTION_ACTIONS = ["execute-api:ManageConnections"]
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]


@dataclass(frozen=True)
class Scope:
    """The ARNs each grant applies to, in one of the two renderings."""

    tables: list[Any]
    indexes: list[Any]
    streams: list[Any]
    queues: list[Any]
    connections: list[Any]
    logs: list[Any]


def document(scope: Scope) -> dict[str, Any]:
    grants = [
        ("ReadWriteTables", TABLE_ACTIONS, scope.tables),
        ("QueryIndexes", INDEX_ACTIONS, scope.indexes),
        ("ReadTableStreams", STREAM_ACTIONS, scope.streams),
        ("UseQueues", QUEUE_ACTIONS, scope.queues),
        ("PostToWebSocketConnections", CONNECTION_ACTIONS, scope.connections),
        ("WriteLogs", LOG_ACTIONS, scope.logs),
    ]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}
            for sid, actions, resources in grants
            if resources
        ],
    }


def template_scope(models: list[type[Model]], queues: tuple[QueueDef, ...], websocket_stage: str | None) -> Scope:
    table_ids = sorted(dynamodb.logical_id(model) for model in models)
    stream_ids = sorted(dynamodb.logical_id(model) for model in models if dynamodb.has_stream(model))

    def in_account(service: str, resource: str) -> dict[str, str]:
        return sub(f"arn:${{AWS::Partition}}:{service}:${{AWS::Region}}:${{AWS::AccountId}}:{resource}")

    return Scope(
        tables=[arn_of(table) for table in table_ids],
        indexes=[sub(placeholder(f"{table}.Arn") + "/index/*") for table in table_ids],
        streams=[sub(placeholder(f"{table}.Arn") + "/stream/*") for table in stream_ids],
        queues=[arn_of(queue) for queue in sorted(sqs.logical_id(queue) for queue in queues)],
        connections=[in_account("execute-api", "${WebsocketAPI}/" + f"{websocket_stage}/*/@connections/*")]
        if websocket_stage
        else [],
        # Function names are chosen by CloudFormation at deploy time: the account's Lambda log groups.
        logs=[in_account("logs", "log-group:/aws/lambda/*")],
    )


def file_scope(
    models: list[type[Model]],
    queues: tuple[QueueDef, ...],
    websocket_stage: str | None,
    *,
    table_prefix: str,
    queue_prefix: str,
    function_prefix: str,
) -> Scope:
    tables = sorted(f"arn:aws:dynamodb:*:*:table/{dynamodb.physical_name(model, table_prefix)}" for model in models)
    streams = sorted(
        f"arn:aws:dynamodb:*:*:table/{dynamodb.physical_name(model, table_prefix)}/stream/*"
        for model in models
        if dynamodb.has_stream(model)
    )
    return Scope(
        tables=tables,
        indexes=[f"{table}/index/*" for table in tables],
        streams=streams,
        queues=sorted(f"arn:aws:sqs:*:*:{queue.name(queue_prefix)}" for queue in queues),
        connections=[f"arn:aws:execute-api:*:*:*/{websocket_stage}/*/@connections/*"] if websocket_stage else [],
        # `chalice deploy` names functions <app>-<stage> and <app>-<stage>-<function>.
        logs=[f"arn:aws:logs:*:*:log-group:/aws/lambda/{function_prefix}*"],
    )
