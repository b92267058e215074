"""A live status line on the terminal (one line rewritten in place; plain lines when not a terminal)."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable


class Progress:
    def __init__(self, title: str, describe: Callable[[], str], every: float = 0.5):
        self._title = title
        self._describe = describe
        self._every = every
        self._task: asyncio.Task | None = None
        self._started = time.monotonic()
        self._tty = sys.stderr.isatty()

    def _line(self) -> str:
        return f"[{self._title} {time.monotonic() - self._started:6.1f}s] {self._describe()}"

    async def _run(self) -> None:
        every = self._every if self._tty else max(self._every, 5.0)
        while True:
            await asyncio.sleep(every)
            self._print()

    def _print(self, end: str = "") -> None:
        if self._tty:
            sys.stderr.write("\r\x1b[2K" + self._line() + end)
        else:
            sys.stderr.write(self._line() + "\n")
        sys.stderr.flush()

    def __enter__(self) -> Progress:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()
        self._print("\n" if self._tty else "")
