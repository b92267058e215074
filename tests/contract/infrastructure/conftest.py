"""The committed merge template, and the template ``chalice package`` makes of it (built once per session)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

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


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return json.loads(TEMPLATE_FILE.read_text())


@pytest.fixture(scope="session")
def resources(template) -> dict[str, Any]:
    return template["Resources"]


@pytest.fixture(scope="session")
def packaged(tmp_path_factory) -> Path:
    """``chalice package --stage dev --merge-template infrastructure/resources.json`` into a temporary folder."""
    out = tmp_path_factory.mktemp("packaged") / "out"
    result = run(
        [str(VENV_BIN / "chalice"), "package", "--stage", "dev", "--merge-template", str(TEMPLATE_FILE), str(out)]
    )
    assert result.returncode == 0, f"chalice package failed:\n{result.stdout}\n{result.stderr}"
    return out / "sam.json"


@pytest.fixture(scope="session")
def packaged_resources(packaged) -> dict[str, Any]:
    return json.loads(packaged.read_text())["Resources"]
