"""Where the machine's time went: CPU seconds of each process of the local cloud and of the load test itself.

Read from /proc (Linux): the supervisor's descendants by their command (moto_server, rest, events, ws_gateway).
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float, str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS, command


def _role(command: str) -> str:
    for role in ("moto_server", "localcloud.rest", "localcloud.events", "ws_gateway", "scripts.loadtest"):
        if role in command:
            return role.removeprefix("localcloud.").removeprefix("scripts.")
    return "other"


def cpu_seconds(root_pid: int | None) -> dict[str, float]:
    """CPU seconds by role: the cloud under `root_pid`, and this process (the load test's client)."""
    table = {pid: info for pid in _pids() if (info := _stat(pid)) is not None}
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    totals: defaultdict[str, float] = defaultdict(float)
    stack = [root_pid] if root_pid else []
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        if pid in table and pid != root_pid:
            totals[_role(table[pid][2])] += table[pid][1]
    own = table.get(os.getpid())
    if own:
        totals["loadtest client"] += own[1]
    return {role: round(seconds, 1) for role, seconds in totals.items()}


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def delta(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {role: round(after[role] - before.get(role, 0.0), 1) for role in after}
