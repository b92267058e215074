"""The local cloud as a user starts it: one command, then real HTTP and WebSocket clients.

Starts ``python -m scripts.localcloud`` on free ports without the demo data, to stay fast (the
`local_cloud` fixture of tests/e2e/conftest.py), waits for its banner, and checks what the README
promises: health, a WebSocket whose ``$connect`` ran, errors answered on the connection, 410 after a
disconnect, and a clean stop with no process left behind.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from scripts.localcloud.children import ROOT
from scripts.localcloud.harness import LocalCloud, wait_for

pytestmark = pytest.mark.e2e


def connection_ids(cloud: LocalCloud) -> list[str]:
    dynamodb = boto3.client("dynamodb", endpoint_url=cloud.aws_endpoint, region_name="us-east-1")
    items = dynamodb.scan(TableName="cinema-local-connections", ConsistentRead=True)["Items"]
    return [item["connection_id"]["S"] for item in items]


def test_the_banner_names_the_urls_and_health_reports_dynamodb_and_sqs(local_cloud):
    assert f"http://localhost:{local_cloud.ports.api}" in local_cloud.banner
    assert f"ws://localhost:{local_cloud.ports.ws}" in local_cloud.banner

    health = requests.get(f"http://127.0.0.1:{local_cloud.ports.api}/api/health", timeout=10)

    assert health.status_code == 200
    assert health.json()["checks"] == {"dynamodb": True, "sqs": True}
    assert health.headers["x-amzn-RequestId"]
    assert local_cloud.start_seconds < 60, "the README promises a running local cloud within a minute"


def test_a_websocket_client_connects_gets_errors_for_bad_messages_and_stays_connected(local_cloud):
    with connect(f"ws://127.0.0.1:{local_cloud.ports.ws}") as client:
        [connection_id] = wait_for(lambda: connection_ids(local_cloud))  # the $connect handler recorded it

        client.send("this is not json")
        not_json = json.loads(client.recv(timeout=10))
        client.send(json.dumps({"action": "dance"}))
        unknown = json.loads(client.recv(timeout=10))
        client.send(json.dumps({"action": "join_screening", "screening_id": "no-such-screening"}))
        no_screening = json.loads(client.recv(timeout=10))

    assert (not_json["type"], not_json["code"]) == ("error", "invalid_json")
    assert unknown["code"] == "unknown_action"
    assert no_screening["code"] == "screening_not_found"
    assert wait_for(lambda: connection_id not in connection_ids(local_cloud))  # $disconnect forgot it
    management = boto3.client(
        "apigatewaymanagementapi", endpoint_url=f"http://127.0.0.1:{local_cloud.ports.ws}/api", region_name="us-east-1"
    )
    with pytest.raises(management.exceptions.GoneException) as gone:
        management.post_to_connection(ConnectionId=connection_id, Data=b'{"type": "hello"}')
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410


def test_an_invalid_token_is_refused_at_the_handshake(local_cloud):
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://127.0.0.1:{local_cloud.ports.ws}/?token=forged")

    assert refused.value.response.status_code == 401


@pytest.mark.slow
def test_seeding_twice_creates_the_demo_data_once(local_cloud):
    env = {
        **os.environ,
        "API_PORT": str(local_cloud.ports.api),
        "WS_PORT": str(local_cloud.ports.ws),
        "MOTO_PORT": str(local_cloud.ports.moto),
    }
    env.pop("AWS_ENDPOINT_URL", None)

    def seed() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "scripts.seed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return re.search(r"seeded: (.*)", done.stderr).group(1)

    first, second = seed(), seed()
    theaters = requests.get(f"http://127.0.0.1:{local_cloud.ports.api}/api/theaters", timeout=10).json()["items"]

    assert "created {'theaters': 2, 'movies': 6" in first
    assert second.startswith("created {'theaters': 0, 'movies': 0, 'screenings': 0}")
    assert sorted(theater["name"] for theater in theaters) == ["Grand Hall", "Studio 2"]


def test_sigterm_stops_every_process_of_the_tree(local_cloud):
    code, stderr = local_cloud.stop(), local_cloud.stderr()
    pids = [int(pid) for pid in re.findall(r"started \w+ \(pid (\d+)\)", stderr)]

    assert code == 0
    assert len(pids) == 4
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    leftovers = subprocess.run(
        ["pgrep", "-f", f"scripts.locallocal_cloud.* --port {local_cloud.ports.api}"], capture_output=True, text=True
    ).stdout.split()
    assert leftovers == []
