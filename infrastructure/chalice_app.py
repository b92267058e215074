"""What ``chalice package`` will generate for our app: its functions, roles, APIs and queue subscriptions.

Read from Chalice's own application graph (the model ``chalice package`` renders), so the logical ids we
merge into are the ones Chalice writes. Loading the graph imports ``app.py`` with the stage's environment
from ``.chalice/config.json`` applied to ``os.environ``, exactly as ``chalice package`` does: call this from
a process of its own (the ``infrastructure.build`` command), never from inside the test session.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from chalice.cli.factory import CLIFactory
from chalice.config import Config
from chalice.deploy import models
from chalice.deploy.appgraph import ApplicationGraphBuilder, DependencyBuilder
from chalice.utils import to_cfn_resource_name

REST_HANDLER_ID = "APIHandler"  # Chalice renames the REST handler to this fixed id


@dataclass(frozen=True)
class Function:
    logical_id: str
    role_logical_id: str | None  # None: a pre-created role that the template does not manage
    timeout: int


@dataclass(frozen=True)
class QueueSubscription:
    function_logical_id: str
    event_logical_id: str
    queue_name: str  # as Chalice read it at import: the stage's QUEUE_PREFIX + the QueueDef's name
    batch_size: int


@dataclass(frozen=True)
class StreamSubscription:
    function_logical_id: str
    event_logical_id: str
    stream_arn: str  # as Chalice read it at import: a placeholder naming the stage's table (api/seat_stream.py)


@dataclass(frozen=True)
class StageConfig:
    name: str
    app_name: str
    environment: dict[str, str]
    api_gateway_stage: str
    manages_policy_file: bool  # autogen_policy off and a managed role: the policy comes from iam_policy_file
    policy_file: str


@dataclass(frozen=True)
class AppShape:
    stage: StageConfig
    functions: tuple[Function, ...]
    has_rest_api: bool
    websocket_stage: str | None
    subscriptions: tuple[QueueSubscription, ...]
    streams: tuple[StreamSubscription, ...] = ()


def _factory(project_dir: Path) -> CLIFactory:
    return CLIFactory(project_dir=str(project_dir), environ=os.environ)


def _stage_config(config: Config, stage: str) -> StageConfig:
    return StageConfig(
        name=stage,
        app_name=config.app_name,
        environment=dict(config.environment_variables),
        api_gateway_stage=config.api_gateway_stage,
        manages_policy_file=not config.autogen_policy and config.manage_iam_role,
        policy_file=config.iam_policy_file or f"policy-{stage}.json",
    )


def stage_configs(project_dir: Path) -> list[StageConfig]:
    """Every stage of ``.chalice/config.json``; reading them does not import the app."""
    factory = _factory(project_dir)
    stages = factory.load_project_config().get("stages", {})
    return [_stage_config(factory.create_config_obj(chalice_stage_name=stage), stage) for stage in sorted(stages)]


def read_app(project_dir: Path, stage: str) -> AppShape:
    config = _factory(project_dir).create_config_obj(chalice_stage_name=stage)
    application = ApplicationGraphBuilder().build(config, stage)
    resources = DependencyBuilder().build_dependencies(application)
    rest_handlers = {id(r.lambda_function) for r in resources if isinstance(r, models.RestAPI)}

    def function_id(function: models.LambdaFunction) -> str:
        return REST_HANDLER_ID if id(function) in rest_handlers else to_cfn_resource_name(function.resource_name)

    functions = tuple(
        Function(
            logical_id=function_id(r),
            role_logical_id=to_cfn_resource_name(r.role.resource_name)
            if isinstance(r.role, models.ManagedIAMRole)
            else None,
            timeout=r.timeout,
        )
        for r in resources
        if isinstance(r, models.LambdaFunction)
    )
    subscriptions = tuple(
        QueueSubscription(
            function_logical_id=function_id(r.lambda_function),
            event_logical_id=to_cfn_resource_name(r.resource_name),
            queue_name=r.queue.queue_name if isinstance(r.queue, models.QueueARN) else r.queue,
            batch_size=r.batch_size,
        )
        for r in resources
        if isinstance(r, models.SQSEventSource)
    )
    streams = tuple(
        StreamSubscription(
            function_logical_id=function_id(r.lambda_function),
            event_logical_id=to_cfn_resource_name(r.resource_name),
            stream_arn=r.stream_arn,
        )
        for r in resources
        if isinstance(r, models.DynamoDBEventSource)
    )
    websockets = [r for r in resources if isinstance(r, models.WebsocketAPI)]
    return AppShape(
        stage=_stage_config(config, stage),
        functions=tuple(sorted(functions, key=lambda f: f.logical_id)),
        has_rest_api=bool(rest_handlers),
        websocket_stage=websockets[0].api_gateway_stage if websockets else None,
        subscriptions=tuple(sorted(subscriptions, key=lambda s: s.event_logical_id)),
        streams=tuple(sorted(streams, key=lambda s: s.event_logical_id)),
    )
