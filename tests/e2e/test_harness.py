"""The tests' local cloud (scripts/localcloud/harness.py): overrides reach the app, and nothing outlives the block."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import requests

from scripts.localcloud.harness import local_cloud

pytestmark = pytest.mark.e2e


class Boom(Exception):
    pass


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def test_a_block_that_fails_still_stops_every_process_and_gives_back_the_environment():
    before = dict(os.environ)
    seen: dict = {}

    # When a block using a local cloud with an override raises
    with pytest.raises(Boom), local_cloud(env={"HOLD_SECONDS": "7"}) as cloud:
        seen["health"] = requests.get(f"{cloud.api_url}/api/health", timeout=10).json()
        seen["hold_seconds"] = cloud.settings().hold_seconds
        seen["environment"] = (os.environ["AWS_ENDPOINT_URL"], os.environ["HOLD_SECONDS"], os.environ["STAGE"])
        seen["pids"] = [int(pid) for pid in re.findall(r"started \w+ \(pid (\d+)\)", cloud.stderr())]
        raise Boom

    # Then, inside, the app ran with the override and this process spoke to the cloud's moto
    assert seen["health"]["checks"] == {"dynamodb": True, "sqs": True}
    assert seen["hold_seconds"] == 7
    assert seen["environment"] == (cloud.aws_endpoint, "7", "local")
    # ... and afterwards the supervisor and its four children are gone and the environment is as it was
    assert cloud.process is not None and cloud.process.returncode == 0
    assert len(seen["pids"]) == 4
    assert [pid for pid in [cloud.process.pid, *seen["pids"]] if _alive(pid)] == []
    workers = subprocess.run(["pgrep", "-f", f"--port {cloud.ports.api}"], capture_output=True, text=True)
    assert workers.stdout.split() == []  # nor gunicorn's workers
    assert dict(os.environ) == before
