"""A burst of concurrent connections to /api/health: the local REST front (gunicorn) vs ``chalice local``.

Starts the local cloud (scripts/localcloud/harness.py: serialized moto with the product's tables and
queues, our gunicorn front among its processes), then ``chalice local`` as a child process on a free
port against the same moto, and opens N connections at once to each front (bounded: N requests, 60 s
timeout each). Prints how many succeeded and the latency percentiles.

    .venv/bin/python scripts/bench_rest_front.py [-n 500]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.localcloud.children import Child, wait_for_port  # noqa: E402
from scripts.localcloud.harness import free_port, local_cloud  # noqa: E402


def serve_chalice_local(port: int) -> None:
    """What ``chalice local`` runs: Chalice's LocalDevServer on http.server (listen backlog 5)."""
    from chalice.config import Config
    from chalice.local import create_local_server

    from app import app

    config = Config.create(chalice_app=app, app_name=app.app_name, lambda_timeout=60)
    create_local_server(app, config, "127.0.0.1", port).serve_forever()


async def one_request(port: int) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 60)
        writer.write(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 60)
        await asyncio.wait_for(reader.read(), 60)
        writer.close()
        parts = status_line.split()
        outcome = parts[1].decode() if len(parts) > 1 else "no status line"
    except (OSError, TimeoutError) as exc:
        outcome = type(exc).__name__
    return outcome, time.perf_counter() - started


async def burst(port: int, count: int) -> tuple[list[tuple[str, float]], float]:
    started = time.perf_counter()
    results = await asyncio.gather(*(one_request(port) for _ in range(count)))
    return results, time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def report(name: str, results: list[tuple[str, float]], wall: float) -> str:
    outcomes = Counter(outcome for outcome, _ in results)
    ok = [seconds for outcome, seconds in results if outcome == "200"]
    return (
        f"  {name:<28} {outcomes['200']:>4}/{len(results)} ok in {wall:5.1f} s   "
        f"p50 {percentile(ok, 0.50) * 1000:7.0f} ms  p95 {percentile(ok, 0.95) * 1000:7.0f} ms  "
        f"p99 {percentile(ok, 0.99) * 1000:7.0f} ms   other: {dict(outcomes - Counter({'200': outcomes['200']}))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--connections", type=int, default=500)
    parser.add_argument("--serve-chalice-local", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_chalice_local:
        serve_chalice_local(args.serve_chalice_local)
        return

    with local_cloud() as cloud:
        chalice_port = free_port()
        fronts = {
            "gunicorn front (ours)": (cloud.ports.api, None),
            "chalice local (http.server)": (
                chalice_port,
                [str(Path(__file__)), "--serve-chalice-local", str(chalice_port)],
            ),
        }
        lines = [f"{args.connections} concurrent connections to GET /api/health (each does 2 moto calls):"]
        for name, (port, command) in fronts.items():
            child = None
            if command is not None:
                child = subprocess.Popen(
                    [sys.executable, *command],
                    cwd=ROOT,
                    env=cloud.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            try:
                if child is not None:
                    wait_for_port(port, 30, Child(name, child))
                asyncio.run(burst(port, 5))  # warm-up: the app is imported and clients are built
                results, wall = asyncio.run(burst(port, args.connections))
                lines.append(report(name, results, wall))
            finally:
                if child is not None:
                    child.terminate()
                    child.wait(timeout=15)
        print("\n".join(lines))  # the benchmark's report


if __name__ == "__main__":
    main()
