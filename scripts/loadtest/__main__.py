"""`make loadtest`: see scripts/loadtest/__init__.py and docs/performance.md."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

from scripts import demo_data
from scripts.loadtest import client as wire
from scripts.loadtest import cpu, report, scenarios
from scripts.loadtest.stats import Tally
from scripts.localcloud.harness import DIRECT_PATH

ROOT = Path(__file__).resolve().parents[2]
# The automatic switch is off for the load test's local cloud, so that contention and mixed measure the direct
# path; the surge scenario switches queue mode on by hand (PATCH), as an admin would before a premiere. A queued
# request may wait 15 minutes there (not the default 2), so that a slow machine still has every request judged.
CLOUD_ENV = DIRECT_PATH | {"SURGE_MAX_WAIT_SECONDS": "900", "LOG_LEVEL": "WARNING"}


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.loadtest", description=__doc__)
    parser.add_argument("--scenario", choices=["surge", "contention", "mixed", "all"], default="all")
    parser.add_argument("--requests", type=int, default=10_000, help="surge: requests in the burst")
    parser.add_argument(
        "--users",
        type=int,
        default=0,
        help="surge: users sending them (default: one per request on the local cloud, "
        "where tokens are minted; 200 registered elsewhere)",
    )
    parser.add_argument("--concurrency", type=int, default=64, help="surge: requests in flight at once")
    parser.add_argument("--workers", default="10,25,50,200", help="mixed: worker counts, one run each")
    parser.add_argument("--seconds", type=float, default=10.0, help="mixed: seconds per run")
    parser.add_argument("--registered", type=int, default=20, help="real accounts per scenario (argon2)")
    parser.add_argument("--watchers", type=int, default=20, help="WebSocket viewers of the seat map")
    parser.add_argument("--base-url", help="an API that is running already (default: start a local cloud)")
    parser.add_argument("--ws-url", help="its WebSocket URL")
    parser.add_argument("--aws-endpoint", help="its storage (DynamoDB), for the table checks")
    parser.add_argument("--admin-email", default=demo_data.ADMIN_EMAIL)
    parser.add_argument("--admin-password", default=demo_data.ADMIN_PASSWORD)
    parser.add_argument(
        "--max-wait-seconds", type=int, help="the target's SURGE_MAX_WAIT_SECONDS (the local cloud's: 900)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "loadtest")
    return parser.parse_args(argv)


@contextlib.contextmanager
def target(args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """The API under test: a local cloud of our own (tokens can be minted), or the one named."""
    from scripts.localcloud.harness import access_tokens, attached, local_cloud

    if args.base_url is None:
        with local_cloud(env=CLOUD_ENV) as cloud:
            cloud.seed(demo_data.halls(0))  # the admin
            tokens = access_tokens(cloud.settings())
            from chalicelib.domain.identity import Principal

            yield {
                "api": cloud.api_url,
                "ws": cloud.ws_url,
                "tables": True,
                "mint": lambda user_id: tokens.issue(Principal(user_id)).token,
                "description": f"local cloud (started in {cloud.start_seconds:.1f} s)",
                "pid": cloud.process.pid if cloud.process else None,
            }
        return
    if args.aws_endpoint:
        with attached(args.base_url, args.aws_endpoint) as cloud:
            cloud.services()  # points the table models at the endpoint
            yield {
                "api": args.base_url,
                "ws": args.ws_url,
                "tables": True,
                "mint": None,
                "description": args.base_url,
                "pid": None,
            }
        return
    yield {
        "api": args.base_url,
        "ws": args.ws_url,
        "tables": False,
        "mint": None,
        "description": args.base_url,
        "pid": None,
    }


async def run(args: argparse.Namespace, where: dict[str, Any]) -> list[scenarios.Result]:
    # Below the local REST front's keep-alive (5 s), so a pooled connection is not reused as the server closes it.
    connector = aiohttp.TCPConnector(limit=max(256, args.concurrency * 2), keepalive_timeout=1.0)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        http = wire.Client(where["api"], session, Tally(), time.monotonic())
        admin = await wire.admin_token(http, args.admin_email, args.admin_password)
        ctx = scenarios.Context(
            http, admin, where["ws"], where["tables"], where["mint"], args.registered, args.watchers
        )
        default_wait = int(CLOUD_ENV["SURGE_MAX_WAIT_SECONDS"]) if where["mint"] else 120
        ctx.max_wait_ms = (args.max_wait_seconds or default_wait) * 1000
        plan: list[tuple[str, Any]] = []
        if args.scenario in ("contention", "all"):
            plan.append(("contention", lambda: scenarios.contention(ctx)))
        if args.scenario in ("mixed", "all"):
            for workers in [int(n) for n in args.workers.split(",") if n]:
                plan.append((f"mixed-{workers}", lambda w=workers: scenarios.mixed(ctx, w, args.seconds)))
        if args.scenario in ("surge", "all"):
            users = args.users or (args.requests if where["mint"] else 200)
            plan.append(("surge", lambda: scenarios.surge(ctx, args.requests, users, args.concurrency)))
        results = []
        for name, scenario in plan:
            http.tally, http.started, http.failures = Tally(), time.monotonic(), Counter()
            print(f"--- {name}", file=sys.stderr)
            before = cpu.cpu_seconds(where["pid"])
            result = await scenario()
            result.figures["cpu_seconds"] = cpu.delta(cpu.cpu_seconds(where["pid"]), before)
            result.http = http.tally
            if http.failures:
                result.figures["unanswered_by_client_error"] = dict(http.failures)
            results.append(result)
            print_result(result)
        return results


def print_result(result: scenarios.Result) -> None:
    print(f"\n== {result.name}")
    for key, value in report._flat(result.figures):
        print(f"  {key:34} {value}")
    for check in result.checks:
        verdict = {True: "PASS", False: "FAIL", None: "----"}[check.ok]
        print(f"  [{verdict}] {check.name}: {check.detail}")
    for note in result.notes:
        print(f"  note: {note}")


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    logging.basicConfig(level=logging.WARNING)
    with target(args) as where:
        results = asyncio.run(run(args, where))
    paths = report.write(results, args.out, {"target": where["description"], "arguments": _plain(vars(args))})
    print(f"\nreport: {paths['markdown']} ({paths['json'].name}, {paths['png'].name})")
    failed = [c.name for r in results for c in r.checks if c.ok is False]
    if failed:
        print(f"FAILED checks: {failed}")
    return 1 if failed else 0


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: str(v) if isinstance(v, Path) else v for k, v in values.items()}


if __name__ == "__main__":
    sys.exit(main())
