"""Paths and the subprocess runner of the infrastructure tests (a module name no other test folder uses)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[3]
TEMPLATE_FILE = PROJECT_DIR / "infrastructure" / "resources.json"
VENV_BIN = Path(sys.executable).parent
# Variables the shared test environment sets that must not leak into a packaging run: the stage's own
# values come from .chalice/config.json, as they do when a person packages.
STAGE_VARIABLES = ("STAGE", "TABLE_PREFIX", "QUEUE_PREFIX", "AWS_ENDPOINT_URL")


def clean_environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in STAGE_VARIABLES}
    env["AWS_DEFAULT_REGION"] = "us-east-1"
    return env


def run(args: list[str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=PROJECT_DIR, env=clean_environment(), capture_output=True, text=True, timeout=timeout, check=False
    )
