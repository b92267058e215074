"""Counting work instead of timing it: what a flatness test compares at a small and a large backlog."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any


def python_calls(operation: Callable[[], Any]) -> int:
    """Python function calls made while `operation` runs: a measure of work that does not depend on load."""
    calls = 0

    def profiler(_frame, event, _arg):
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(profiler)
    try:
        operation()
    finally:
        sys.setprofile(None)
    return calls
