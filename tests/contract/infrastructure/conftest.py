"""The committed merge template, and the template ``chalice package`` makes of it (built once per session)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from infra_support import TEMPLATE_FILE, VENV_BIN, run


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
