"""One local cloud for tests and benchmarks: the tree ``make run`` starts, on free ports, seeded by `scripts.seed`.

    from scripts import demo_data
    from scripts.localcloud.harness import local_cloud

    with local_cloud(env={"HOLD_SECONDS": "5"}) as cloud:             # python -m scripts.localcloud --no-seed
        [screening_id] = cloud.seed(demo_data.halls(1)).screening_ids  # or cloud.seed() for the demo data
        requests.get(f"{cloud.api_url}/api/health")                    # cloud.ws_url, cloud.aws_endpoint

In tests, the fixture `local_cloud` (tests/e2e/conftest.py, one cloud per module) or one of your own:
``cloud = local_cloud_fixture(env={...})`` in a conftest or test module.

The supervisor (`scripts.localcloud.__main__`) runs with this interpreter (`sys.executable`) and its own
moto (an ``AWS_ENDPOINT_URL`` in this environment is dropped); ``env`` adds to or overrides the environment
the app's processes see (``LOG_LEVEL`` is WARNING unless given). While the block runs, this process's
environment is the cloud's (`LocalCloud.env`: the same `local_environment` the children get), so
`get_settings()`, the PynamoDB models, spawned processes and `scripts.seed` all talk to it; it is restored
afterwards. Leaving the block, even by an exception, sends SIGTERM to the supervisor, which stops its
children; should the supervisor not stop, it is killed and its children follow it (``PR_SET_PDEATHSIG``).
Start and stop the cloud from the same thread: the kernel ties that signal to the starting thread.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from unittest import mock
from urllib.parse import urlsplit

from scripts.localcloud.children import ROOT, die_with_parent, free_port, wait_for
from scripts.localcloud.environment import API_STAGE, Ports, local_environment

if TYPE_CHECKING:
    from chalicelib.bootstrap import Services
    from chalicelib.services.tokens import AccessTokens
    from chalicelib.settings import Settings
    from scripts.demo_data import Dataset
    from scripts.seed import SeedReport

__all__ = [
    "LocalCloud",
    "access_tokens",
    "attached",
    "free_port",
    "local_cloud",
    "local_cloud_fixture",
    "token",
    "wait_for",
]

START_SECONDS = 90  # the README promises a minute on a quiet machine; tests share 2 cores
STOP_SECONDS = 30
BANNER = "local cloud is up"
QUIET = {"LOG_LEVEL": "WARNING"}
# The direct hold path, for benchmarks that measure it: at the default SURGE_RATE_PER_SECOND (50) a screening rushed
# by a benchmark's clients switches to the waiting line within a second and holds answer 202 (docs/surge.md).
DIRECT_PATH = {"SURGE_RATE_PER_SECOND": "1000000"}


def access_tokens(settings: Settings | None = None) -> AccessTokens:
    """What a local cloud signs with (the stage's keys), to mint tokens without signing anyone in."""
    from chalicelib.domain.clock import SystemClock
    from chalicelib.services.tokens import AccessTokens
    from chalicelib.settings import get_settings

    return AccessTokens(settings or get_settings(), SystemClock())


def token(user_id: str, role: str = "customer", tokens: AccessTokens | None = None) -> str:
    """A bearer token for `user_id` (no account needed: the API trusts its signature)."""
    from chalicelib.domain.identity import Principal

    return (tokens or access_tokens()).issue(Principal(user_id, role)).token


@dataclass
class LocalCloud:
    """A running local cloud (or one attached to): its URLs, its environment, its seeding and its stop."""

    ports: Ports
    env: dict[str, str]  # what the app's processes run with
    process: subprocess.Popen | None = None  # the supervisor; None when attached to a cloud started elsewhere
    banner: str = ""
    start_seconds: float = 0.0
    seeded: SeedReport | None = None  # the last `seed()`'s report
    _logs: list[IO[str]] = field(default_factory=list, repr=False)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.api}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.ports.ws}"

    @property
    def management_url(self) -> str:
        """The WebSocket API's @connections endpoint (``apigatewaymanagementapi``)."""
        return f"http://127.0.0.1:{self.ports.ws}/{API_STAGE}"

    @property
    def aws_endpoint(self) -> str:
        """moto: DynamoDB and SQS."""
        return self.env["AWS_ENDPOINT_URL"]

    def settings(self) -> Settings:
        """The app's settings in the cloud's environment, whatever this process's environment is meanwhile."""
        from chalicelib.settings import get_settings

        with mock.patch.dict(os.environ, self.env, clear=True):
            return get_settings()

    def services(self) -> Services:
        """The app's composition on this cloud's storage, for checks from the database itself."""
        from chalicelib.bootstrap import Services

        return Services(self.settings())

    def token(self, user_id: str, role: str = "customer") -> str:
        return token(user_id, role, access_tokens(self.settings()))

    def seed(self, dataset: Dataset | None = None) -> SeedReport:
        """`scripts.seed` through the REST API: the demo data, or `dataset` (e.g. `demo_data.halls(n)`)."""
        from scripts import demo_data
        from scripts.seed import seed

        self.seeded = seed(self.api_url, dataset=dataset or demo_data.DEMO, using=self.services())
        return self.seeded

    def stdout(self) -> str:
        return Path(self._logs[0].name).read_text() if self._logs else ""

    def stderr(self) -> str:
        """The supervisor's log (``started rest (pid ...)``) and whatever the app's processes wrote."""
        return Path(self._logs[1].name).read_text() if self._logs else ""

    def stop(self) -> int | None:
        """SIGTERM to the supervisor (it stops its children); killed if it has not stopped in time. Idempotent."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()  # its children get SIGTERM from the kernel (PR_SET_PDEATHSIG)
                self.process.wait(timeout=10)
        return self.process.returncode

    def _wait_for_banner(self, seconds: float) -> str:
        def banner() -> str:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"the local cloud exited with {self.process.returncode}:\n{self.stderr()[-3000:]}")
            text = self.stdout()
            return text if BANNER in text else ""

        try:
            return wait_for(banner, seconds, "the local cloud's banner", every=0.1)
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}\n{self.stderr()[-3000:]}") from exc


def _supervisor_environment(overrides: Mapping[str, str], ports: Ports) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "AWS_ENDPOINT_URL"}
    env.update(QUIET)
    env.update(overrides)
    env.update(API_PORT=str(ports.api), WS_PORT=str(ports.ws), MOTO_PORT=str(ports.moto))
    return env


def start(env: Mapping[str, str] | None = None) -> LocalCloud:
    """Start ``python -m scripts.localcloud --no-seed`` on free ports and wait for its banner (it answers then)."""
    ports = Ports(api=free_port(), ws=free_port(), moto=free_port())
    supervisor_env = _supervisor_environment(env or {}, ports)
    cloud = LocalCloud(
        ports,
        local_environment(supervisor_env, aws_endpoint=f"http://127.0.0.1:{ports.moto}", ports=ports, localstack=False),
    )
    cloud._logs = [tempfile.NamedTemporaryFile("w+", prefix=f"localcloud-{n}-", suffix=".log") for n in ("out", "err")]  # noqa: SIM115
    started = time.monotonic()
    cloud.process = subprocess.Popen(
        [sys.executable, "-m", "scripts.localcloud", "--no-seed"],
        cwd=ROOT,
        env=supervisor_env,
        stdout=cloud._logs[0],
        stderr=cloud._logs[1],
        start_new_session=True,  # a Ctrl-C reaches only this process, which then stops the cloud in order
        preexec_fn=die_with_parent,
    )
    try:
        cloud.banner = cloud._wait_for_banner(START_SECONDS)
    except BaseException:
        cloud.stop()
        raise
    cloud.start_seconds = time.monotonic() - started
    return cloud


@contextmanager
def _environment_of(cloud: LocalCloud) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in cloud.env}
    os.environ.update(cloud.env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def local_cloud(env: Mapping[str, str] | None = None, *, dataset: Dataset | None = None) -> Iterator[LocalCloud]:
    """A local cloud for the block, seeded with `dataset` when one is given (see the module's docstring)."""
    cloud = start(env)
    try:
        with _environment_of(cloud):
            if dataset is not None:
                cloud.seed(dataset)
            yield cloud
    finally:
        cloud.stop()


@contextmanager
def attached(api_url: str, aws_endpoint: str) -> Iterator[LocalCloud]:
    """A local cloud started elsewhere (``make run``), seen as `local_cloud` sees its own; nothing to stop."""
    ports = Ports(api=_port(api_url), ws=Ports.from_env().ws, moto=_port(aws_endpoint))
    cloud = LocalCloud(ports, local_environment(os.environ, aws_endpoint=aws_endpoint, ports=ports, localstack=False))
    with _environment_of(cloud):
        yield cloud


def _port(url: str) -> int:
    port = urlsplit(url).port
    if port is None:
        raise ValueError(f"{url} names no port")
    return port


def local_cloud_fixture(scope: str = "module", env: Mapping[str, str] | None = None) -> Any:
    """A pytest fixture of a local cloud (unseeded: seed it in your own fixture or test), stopped after its scope."""
    import pytest

    @pytest.fixture(scope=scope)
    def cloud() -> Iterator[LocalCloud]:
        with local_cloud(env) as running:
            yield running

    return cloud
