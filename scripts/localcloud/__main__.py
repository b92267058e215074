"""``make run``: the whole application on this machine, in one supervised process tree.

    moto (serialized, per-item transactions)   127.0.0.1:MOTO_PORT (5000)   unless AWS_ENDPOINT_URL names LocalStack
    REST: gunicorn + API Gateway emulator      http://localhost:API_PORT (8000)
    WebSocket + @connections: aiohttp gateway  ws://localhost:WS_PORT (8001)
    event pump: SQS consumers and schedules

Tables and queues come from their single definitions (`tables.create_all`, `queues.create_all`), the demo
data goes in through the REST API (`scripts.seed`, idempotent), then the URLs and the admin's login are
printed. Ctrl-C or SIGTERM stops every child; if one child dies, everything stops with an error.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from types import FrameType

import boto3

from scripts.localcloud.children import Children, port_is_free, wait_for, wait_for_port
from scripts.localcloud.environment import Ports, configure_logging, local_environment

log = logging.getLogger("localcloud")

START_SECONDS = 60


class Stop(Exception):
    """SIGTERM or SIGINT: leave the supervision loop and stop the children."""


def _stop(signum: int, _frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def _prepare_queues(endpoint: str) -> None:
    """Every queue, from the single definition (idempotent): the event pump looks them up as it starts."""
    from chalicelib.adapters import queues
    from chalicelib.settings import get_settings

    settings = get_settings()
    sqs = boto3.client("sqs", region_name=settings.region, endpoint_url=endpoint)
    log.info("queues ready: %s", sorted(queues.create_all(sqs, settings.queue_prefix)))


def _prepare_tables() -> None:
    """Every table, from the single definition (idempotent), while the children import the app."""
    from chalicelib.adapters.dynamodb import tables
    from chalicelib.settings import get_settings

    log.info("tables created: %s", tables.create_all(get_settings()) or "none (all existed)")


def _healthy(port: int) -> bool:
    import requests

    try:
        return requests.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def banner(ports: Ports, endpoint: str, admin_email: str, admin_password: str, started: float) -> str:
    return "\n".join(
        [
            "",
            f"Cinema booking local cloud is up ({time.monotonic() - started:.1f} s)",
            f"  REST API      http://localhost:{ports.api}/api/health",
            f"  WebSocket     ws://localhost:{ports.ws}",
            f"  Demo page     http://localhost:{ports.api}/seat-reservation-demo.html",
            f"  AWS APIs      {endpoint}",
            f"  Admin login   {admin_email} / {admin_password}".rstrip(" /"),
            "  Ctrl-C stops everything.",
            "",
        ]
    )


def run(*, seed_demo_data: bool = True) -> int:
    started = time.monotonic()
    ports = Ports.from_env()
    external = os.environ.get("AWS_ENDPOINT_URL")
    endpoint = external or f"http://127.0.0.1:{ports.moto}"
    needed = [ports.api, ports.ws] + ([] if external else [ports.moto])
    busy = [port for port in needed if not port_is_free(port)]
    if busy:
        log.error("ports %s are in use: stop what uses them or set API_PORT / WS_PORT / MOTO_PORT", busy)
        return 2
    env = local_environment(os.environ, aws_endpoint=endpoint, ports=ports, localstack=bool(external))
    os.environ.update(env)
    children = Children(env)
    try:
        if not external:
            moto = children.start("moto", "scripts.localcloud.moto_server", "--port", str(ports.moto))
            wait_for_port(ports.moto, START_SECONDS, moto)
        _prepare_queues(endpoint)
        rest = children.start("rest", "scripts.localcloud.rest", "--port", str(ports.api))
        ws = children.start("websocket", "scripts.localcloud.ws_gateway", "--port", str(ports.ws))
        children.start("events", "scripts.localcloud.events")
        _prepare_tables()
        wait_for_port(ports.api, START_SECONDS, rest)
        wait_for_port(ports.ws, START_SECONDS, ws)
        wait_for(lambda: _healthy(ports.api), START_SECONDS, "/api/health answering 200", every=0.1)
        log.info("serving after %.1f s", time.monotonic() - started)
        admin = ("(not seeded: --no-seed)", "")
        if seed_demo_data:
            from scripts.seed import seed

            report = seed(f"http://127.0.0.1:{ports.api}")
            admin = (report.admin_email, report.admin_password)
        print(banner(ports, endpoint, *admin, started), flush=True)
        while (dead := children.first_exited()) is None:
            time.sleep(0.5)
        log.error("%s exited with %s: stopping the local cloud", dead.name, dead.exited)
        return 1
    except Stop as reason:
        log.info("%s received: stopping", reason)
        return 0
    except (RuntimeError, TimeoutError) as exc:
        log.error("the local cloud could not start: %s", exc)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        children.stop_all()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.localcloud", description="Run the local cloud.")
    parser.add_argument("--no-seed", action="store_true", help="start without the demo data")
    args = parser.parse_args(argv)
    configure_logging()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    sys.exit(run(seed_demo_data=not args.no_seed))


if __name__ == "__main__":
    main()
