"""The environment every part of the local cloud runs the app with: the ``local`` stage on moto or LocalStack.

One definition, so the REST front, the WebSocket gateway, the event pump and the seeding see the same
tables, queues and endpoints. Values the user set (``HOLD_SECONDS``, ``LOG_LEVEL``...) are kept.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

API_STAGE = "api"  # API Gateway stage of both APIs (.chalice/config.json)
LOCAL_PREFIX = "cinema-local-"
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}
PYNAMODB_SETTINGS = Path(__file__).with_name("pynamodb_settings.py")  # connection pools as large as the threads


@dataclass(frozen=True)
class Ports:
    api: int = 8000
    ws: int = 8001
    moto: int = 5000

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Ports:
        return cls(
            api=int(env.get("API_PORT") or cls.api),
            ws=int(env.get("WS_PORT") or cls.ws),
            moto=int(env.get("MOTO_PORT") or cls.moto),
        )


EVENT_PUMP_APP_ID = "localcloud-events"
"""``AWS_SDK_UA_APP_ID`` of the event pump (botocore puts ``app/<id>`` in each User-Agent): the local moto lets
its calls pass the API's (`moto_server.PumpFirstLock`)."""


def local_environment(base: Mapping[str, str], *, aws_endpoint: str, ports: Ports, localstack: bool) -> dict[str, str]:
    """The environment of the app's processes: ``base`` plus the local stage's settings."""
    env = dict(base)
    env.pop("AWS_PROFILE", None)
    if localstack:
        env.setdefault("AWS_ACCESS_KEY_ID", "test")
        env.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    else:
        env.update(FAKE_CREDENTIALS)
        env.pop("AWS_SESSION_TOKEN", None)
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    env.update(
        STAGE="local",
        AWS_ENDPOINT_URL=aws_endpoint,
        AWS_REGION=region,
        AWS_DEFAULT_REGION=region,
        AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled",
        TABLE_PREFIX=LOCAL_PREFIX,
        QUEUE_PREFIX=LOCAL_PREFIX,
        WS_MANAGEMENT_URL=f"http://127.0.0.1:{ports.ws}/{API_STAGE}",
        API_PORT=str(ports.api),
        WS_PORT=str(ports.ws),
    )
    env.setdefault("PYNAMODB_CONFIG", str(PYNAMODB_SETTINGS))
    env.setdefault("WS_PUBLIC_URL", f"ws://localhost:{ports.ws}")  # what the demo page opens
    env.setdefault("HOLD_SECONDS", "600")
    env.setdefault("LOG_LEVEL", "INFO")
    env.setdefault("POWERTOOLS_SERVICE_NAME", "cinema-booking")
    return env


def configure_logging() -> None:
    """Plain lines to stderr for the local cloud's own processes; the app keeps its JSON lines on stdout."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", stream=sys.stderr)
    for noisy in ("botocore", "pynamodb", "werkzeug", "aiohttp.access", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def warm_up() -> None:
    """In a new process of the app (a REST worker, the WebSocket gateway, the event pump), before it serves: what
    its first requests would otherwise build while users wait.

    The composition root, a botocore client per table (PynamoDB keeps one per model, ~0.3 s each to build)
    and the SQS client: built lazily, a rush on fresh threads builds them all at once, each thread its own
    copy (measured: 79% of the WebSocket gateway's CPU went to building clients in the first seconds of a
    surge, while 20 watchers joined).
    """
    from chalicelib import bootstrap
    from chalicelib.adapters.dynamodb import tables

    services = bootstrap.services()
    for model in tables.all_models():
        _ = model._get_connection().connection.client
    _ = services.sqs, services.booking
