"""The supervisor's child processes: started in their own session, stopped in reverse order, never orphaned.

Each child runs in its own session, so a Ctrl-C in the terminal reaches only the supervisor, which
then stops the children in reverse start order (the event pump and gateways before moto, whose
tables they still use). On Linux each child also asks the kernel for SIGTERM if the supervisor dies
without cleaning up (``PR_SET_PDEATHSIG``); gunicorn's workers follow their master.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

log = logging.getLogger("localcloud")
T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Child:
    name: str
    process: subprocess.Popen

    @property
    def exited(self) -> int | None:
        return self.process.poll()


class Children:
    def __init__(self, env: Mapping[str, str]):
        self._env = dict(env)
        self.started: list[Child] = []

    def start(self, name: str, module: str, *args: str, env: Mapping[str, str] | None = None) -> Child:
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=dict(env or self._env),
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        child = Child(name, process)
        self.started.append(child)
        log.info("started %s (pid %s)", name, process.pid)
        return child

    def first_exited(self) -> Child | None:
        return next((child for child in self.started if child.exited is not None), None)

    def stop_all(self, timeout: float = 10.0) -> None:
        for child in reversed(self.started):
            if child.exited is None:
                child.process.send_signal(signal.SIGTERM)
                try:
                    child.process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    log.warning("%s did not stop within %s s: killing its process group", child.name, timeout)
                    os.killpg(child.process.pid, signal.SIGKILL)
                    child.process.wait(timeout=5)
            log.info("stopped %s", child.name)
        self.started.clear()


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A TCP port nothing listens on at this moment (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], T], seconds: float = 10.0, what: str = "the condition", every: float = 0.05) -> T:
    """The first truthy value of `predicate()`, asked every `every` s; TimeoutError after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {seconds} s")
        time.sleep(every)


def wait_for_port(port: int, seconds: float, child: Child | None = None) -> None:
    """Until something listens on `port`; RuntimeError at once if `child` exits first, TimeoutError after `seconds`."""

    def listening() -> bool:
        if child is not None and child.exited is not None:
            raise RuntimeError(f"{child.name} exited with {child.exited} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            return False

    wait_for(listening, seconds, f"nothing listens on port {port}")
