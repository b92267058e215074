"""Peak memory of one Lambda invocation per kind of work, measured against the local cloud: the figures behind
``lambda_memory_size`` in .chalice/config.json (docs/deploy.md, "Memory per function").

    .venv/bin/python -m scripts.measure_memory            # starts a local cloud, seeds a 300-seat hall

Each case runs in a fresh interpreter, as a cold Lambda does: it imports ``app.py``, then serves exactly one
request through the API Gateway emulator the local cloud's REST front uses (authorizer and route together),
or calls one authorizer or the expiry sweep; a login and a hold then run once more, warm. The figures
are that process's peak resident set (``ru_maxrss``) and its CPU times; Lambda's "Max Memory Used" adds
its runtime client (tens of MiB) on top. The password hasher is the production one (argon2id, 64 MiB, 3 passes).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

import requests

PASSWORD = "measure-me-correct-horse"
EMAIL = "memory@example.com"
CASES = ("import", "login", "hold", "authorize", "sweep")
LAMBDA_FULL_VCPU_MB = 1769  # Lambda gives one full vCPU at this memory size, proportionally less below it
HEADROOM = 1.5
RUNTIME_CLIENT_MIB = 40  # Lambda's Python runtime interface client and bootstrap, not in these processes


def _peak() -> dict[str, float]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3)}


def _child(case: str, screening_id: str, token: str) -> dict[str, Any]:
    """One cold start and one piece of work, in this process; what it cost."""
    from chalice.config import Config

    from app import app
    from scripts.localcloud.gateway import ApiGatewayEmulator

    gateway = ApiGatewayEmulator(app, Config.create(chalice_app=app, app_name=app.app_name, lambda_timeout=60))
    before = _peak()
    status: int | None = None
    warm_cpu: float | None = None
    if case in ("login", "hold"):
        if case == "login":
            path, body, headers = "/api/auth/login", {"email": EMAIL, "password": PASSWORD}, {}
        else:
            path = "/api/seat-reservations"
            body = {"screening_id": screening_id, "seat_ids": ["E5", "E6", "E7", "E8"]}
            headers = {"authorization": f"Bearer {token}"}
        headers = {"content-type": "application/json", "host": "localhost", **headers}
        answer = gateway.handle_request("POST", path, headers, json.dumps(body).encode())
        status = answer["statusCode"]
        cold = _peak()
        if case == "hold":
            body["seat_ids"] = ["F5", "F6", "F7", "F8"]  # a replacement: the same work on a warm instance
        gateway.handle_request("POST", path, headers, json.dumps(body).encode())
        warm_cpu = round(_peak()["cpu_seconds"] - cold["cpu_seconds"], 3)
    elif case == "authorize":
        from chalicelib.api.auth import customer_auth

        arn = "arn:aws:execute-api:us-east-1:123456789012:local/api/GET/api/auth/me"
        customer_auth({"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": arn}, None)
        status = 200
    elif case == "sweep":
        from chalicelib.bootstrap import services

        services().booking.sweep()
        status = 200
    after = _peak()
    return {
        "case": case,
        "status": status,
        "after_import_rss_mib": before["peak_rss_mib"],
        "peak_rss_mib": after["peak_rss_mib"],
        "import_cpu_seconds": before["cpu_seconds"],
        "request_cpu_seconds": round(after["cpu_seconds"] - before["cpu_seconds"] - (warm_cpu or 0), 3),
        "warm_cpu_seconds": warm_cpu,
    }


def _run_child(case: str, screening_id: str, token: str) -> dict[str, Any]:
    args = [sys.executable, "-m", "scripts.measure_memory", "--child", case, "--screening", screening_id]
    result = subprocess.run([*args, "--token", token], capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{case} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def suggested_memory_mb(peak_mib: float) -> int:
    """Peak plus the runtime client, with headroom, rounded up to 64 MB; never under Lambda's 128."""
    wanted = (peak_mib + RUNTIME_CLIENT_MIB) * HEADROOM
    return max(128, int(-(-wanted // 64) * 64))


def measure() -> list[dict[str, Any]]:
    from scripts import demo_data
    from scripts.localcloud.harness import local_cloud

    with local_cloud() as cloud:
        [screening_id] = cloud.seed(demo_data.halls(1)).screening_ids
        registered = requests.post(
            f"{cloud.api_url}/api/auth/register", json={"email": EMAIL, "password": PASSWORD, "name": "Memory"}
        )
        registered.raise_for_status()
        token = registered.json()["access_token"]
        rows = [_run_child(case, screening_id, token) for case in CASES]
    return rows


def report(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'case':<10} {'status':>6} {'rss after import MiB':>21} {'peak rss MiB':>13} {'import cpu s':>13} "
        f"{'1st request cpu s':>18} {'2nd':>6} {'suggest MB':>11}"
    ]
    for row in rows:
        lines.append(
            f"{row['case']:<10} {row['status'] or '-':>6} {row['after_import_rss_mib']:>21} {row['peak_rss_mib']:>13} "
            f"{row['import_cpu_seconds']:>13} {row['request_cpu_seconds']:>18} {row['warm_cpu_seconds'] or '-':>6} "
            f"{suggested_memory_mb(row['peak_rss_mib']):>11}"
        )
    cold = max(row["import_cpu_seconds"] for row in rows)
    login = next(row["warm_cpu_seconds"] for row in rows if row["case"] == "login")
    hold = next(row["warm_cpu_seconds"] for row in rows if row["case"] == "hold")
    lines.append("CPU scales with memory on Lambda (1 vCPU at 1769 MB); seconds at each size, from this machine's:")
    for memory in (256, 512, 1024, 1769):
        share = min(memory / LAMBDA_FULL_VCPU_MB, 1.0)
        lines.append(
            f"  {memory:>4} MB = {share:.2f} vCPU: cold import ~{cold / share:.2f} s, "
            f"warm login ~{login / share:.2f} s, warm hold ~{hold / share:.2f} s"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=CASES)
    parser.add_argument("--screening", default="")
    parser.add_argument("--token", default="")
    args = parser.parse_args(argv)
    if args.child:
        sys.stdout.write(json.dumps(_child(args.child, args.screening, args.token)) + "\n")
        return 0
    started = time.monotonic()
    rows = measure()
    sys.stdout.write(report(rows) + f"\n(measured in {time.monotonic() - started:.0f} s)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
