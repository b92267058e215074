"""The local cloud as a user starts it: one command, then real HTTP and WebSocket clients.

Starts ``python -m scripts.localcloud`` on free ports (without the demo data, to stay fast), waits for
its banner, and checks what the README promises: health, a WebSocket whose ``$connect`` ran, errors
answered on the connection, 410 after a disconnect, and a clean stop with no process left behind.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3
import pytest
import requests
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalCloud:
    def __init__(self) -> None:
        self.api, self.ws, self.moto = _free_port(), _free_port(), _free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "TABLE_PREFIX", "QUEUE_PREFIX")}
        env.update(API_PORT=str(self.api), WS_PORT=str(self.ws), MOTO_PORT=str(self.moto), LOG_LEVEL="WARNING")
        self.stdout = tempfile.NamedTemporaryFile("w+", prefix="localcloud-out-", suffix=".log")  # noqa: SIM115
        self.stderr = tempfile.NamedTemporaryFile("w+", prefix="localcloud-err-", suffix=".log")  # noqa: SIM115
        started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scripts.localcloud", "--no-seed"],
            cwd=ROOT,
            env=env,
            stdout=self.stdout,
            stderr=self.stderr,
        )
        self.banner = self._wait_for_banner(START_SECONDS)
        self.start_seconds = time.monotonic() - started

    def _wait_for_banner(self, seconds: float) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            text = Path(self.stdout.name).read_text()
            if "local cloud is up" in text:
                return text
            if self.process.poll() is not None:
                raise AssertionError(f"the local cloud exited: {Path(self.stderr.name).read_text()[-3000:]}")
            time.sleep(0.1)
        raise AssertionError(f"no banner within {seconds} s")

    def dynamodb(self):
        return boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{self.moto}", region_name="us-east-1")

    def connection_ids(self) -> list[str]:
        items = self.dynamodb().scan(TableName="cinema-local-connections", ConsistentRead=True)["Items"]
        return [item["connection_id"]["S"] for item in items]

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        return code, Path(self.stderr.name).read_text()


@pytest.fixture(scope="module")
def cloud():
    running = LocalCloud()
    yield running
    if running.process.poll() is None:
        running.stop()


def _wait_for(predicate, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_the_banner_names_the_urls_and_health_reports_dynamodb_and_sqs(cloud):
    assert f"http://localhost:{cloud.api}" in cloud.banner
    assert f"ws://localhost:{cloud.ws}" in cloud.banner

    health = requests.get(f"http://127.0.0.1:{cloud.api}/api/health", timeout=10)

    assert health.status_code == 200
    assert health.json()["checks"] == {"dynamodb": True, "sqs": True}
    assert health.headers["x-amzn-RequestId"]
    assert cloud.start_seconds < 60, "the README promises a running local cloud within a minute"


def test_a_websocket_client_connects_gets_errors_for_bad_messages_and_stays_connected(cloud):
    with connect(f"ws://127.0.0.1:{cloud.ws}") as client:
        [connection_id] = _wait_for(cloud.connection_ids)  # the $connect handler recorded it

        client.send("this is not json")
        not_json = json.loads(client.recv(timeout=10))
        client.send(json.dumps({"action": "dance"}))
        unknown = json.loads(client.recv(timeout=10))
        client.send(json.dumps({"action": "join_screening", "screening_id": "no-such-screening"}))
        no_screening = json.loads(client.recv(timeout=10))

    assert (not_json["type"], not_json["code"]) == ("error", "invalid_json")
    assert unknown["code"] == "unknown_action"
    assert no_screening["code"] == "screening_not_found"
    assert _wait_for(lambda: connection_id not in cloud.connection_ids())  # $disconnect forgot it
    management = boto3.client(
        "apigatewaymanagementapi", endpoint_url=f"http://127.0.0.1:{cloud.ws}/api", region_name="us-east-1"
    )
    with pytest.raises(management.exceptions.GoneException) as gone:
        management.post_to_connection(ConnectionId=connection_id, Data=b'{"type": "hello"}')
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410


def test_an_invalid_token_is_refused_at_the_handshake(cloud):
    with pytest.raises(InvalidStatus) as refused:
        connect(f"ws://127.0.0.1:{cloud.ws}/?token=forged")

    assert refused.value.response.status_code == 401


@pytest.mark.slow
def test_seeding_twice_creates_the_demo_data_once(cloud):
    env = {**os.environ, "API_PORT": str(cloud.api), "WS_PORT": str(cloud.ws), "MOTO_PORT": str(cloud.moto)}
    env.pop("AWS_ENDPOINT_URL", None)

    def seed() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "scripts.seed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return re.search(r"seeded: (.*)", done.stderr).group(1)

    first, second = seed(), seed()
    theaters = requests.get(f"http://127.0.0.1:{cloud.api}/api/theaters", timeout=10).json()["items"]

    assert "created {'theaters': 2, 'movies': 6" in first
    assert second.startswith("created {'theaters': 0, 'movies': 0, 'screenings': 0}")
    assert sorted(theater["name"] for theater in theaters) == ["Grand Hall", "Studio 2"]


def test_sigterm_stops_every_process_of_the_tree(cloud):
    code, stderr = cloud.stop()
    pids = [int(pid) for pid in re.findall(r"started \w+ \(pid (\d+)\)", stderr)]

    assert code == 0
    assert len(pids) == 4
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
    leftovers = subprocess.run(
        ["pgrep", "-f", f"scripts.localcloud.* --port {cloud.api}"], capture_output=True, text=True
    ).stdout.split()
    assert leftovers == []
