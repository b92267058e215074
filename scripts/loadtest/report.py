"""The load test's report: JSON (everything), Markdown (the figures and checks), PNG (latency over time)."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scripts.loadtest.scenarios import Result


def write(results: list[Result], out: Path, meta: dict[str, Any]) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = {
        "at": stamp,
        "machine": {"python": platform.python_version(), "cpus": _cpus(), "platform": platform.platform()},
        **meta,
        "scenarios": [
            {"name": r.name, "figures": r.figures, "checks": [c.wire() for c in r.checks], "notes": r.notes}
            for r in results
        ],
    }
    paths = {"json": out / "report.json", "markdown": out / "report.md", "png": out / "latency.png"}
    paths["json"].write_text(json.dumps(document, indent=2))
    paths["markdown"].write_text(markdown(document))
    chart(results, paths["png"])
    return paths


def _cpus() -> int | None:
    import os

    return os.cpu_count()


def markdown(document: dict[str, Any]) -> str:
    machine = document["machine"]
    lines = [f"# Load test, {document['at']}", "", f"Target: {document.get('target')}; machine: {machine}", ""]
    for scenario in document["scenarios"]:
        lines += [f"## {scenario['name']}", "", "| figure | value |", "|---|---|"]
        for key, value in _flat(scenario["figures"]):
            lines.append(f"| {key} | {value} |")
        lines += ["", "| check | result | detail |", "|---|---|---|"]
        for check in scenario["checks"]:
            verdict = {True: "pass", False: "**FAIL**", None: "not checked"}[check["ok"]]
            lines.append(f"| {check['name']} | {verdict} | {check['detail']} |")
        lines += [f"- {note}" for note in scenario["notes"]] + [""]
    lines.append("![latency](latency.png)")
    return "\n".join(lines) + "\n"


def _flat(figures: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in figures.items():
        if isinstance(value, dict) and all(not isinstance(v, dict) for v in value.values()) and len(value) <= 8:
            rows.append((prefix + key, ", ".join(f"{k} {v}" for k, v in value.items())))
        elif isinstance(value, dict):
            rows += _flat(value, f"{prefix}{key}.")
        else:
            rows.append((prefix + key, value))
    return rows


def chart(results: list[Result], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [r for r in results if r.client_samples() or r.tally.samples]
    figure, axes = plt.subplots(len(panels) or 1, 1, figsize=(10, 3 * max(1, len(panels))), squeeze=False)
    for axis, result in zip(axes[:, 0], panels, strict=False):
        holds = result.client_samples()
        axis.scatter([s.started for s in holds], [s.seconds * 1000 for s in holds], s=2, label="hold request (HTTP)")
        if result.tally.samples:
            decisions = result.tally.samples
            waits = [s.seconds * 1000 for s in decisions]
            axis.scatter([s.started for s in decisions], waits, s=2, label="queue wait to decision")
        axis.set_title(result.name)
        axis.set_xlabel("seconds since start")
        axis.set_ylabel("ms")
        axis.set_yscale("log")
        axis.legend(loc="upper left", markerscale=4)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
