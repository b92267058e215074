"""Samples of timed requests and their summary: throughput, percentiles, outcomes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Sample:
    started: float  # seconds since the scenario's start
    seconds: float
    status: int  # 0: no answer (connection error or timeout)
    kind: str  # "hold", "release", "status", ...


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Tally:
    samples: list[Sample] = field(default_factory=list)

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)

    def of(self, kind: str) -> list[Sample]:
        return [s for s in self.samples if s.kind == kind]

    def summary(self, kind: str, wall_seconds: float) -> dict[str, Any]:
        samples = self.of(kind)
        latencies = [s.seconds * 1000 for s in samples]
        statuses = Counter(s.status for s in samples)
        return {
            "requests": len(samples),
            "requests_per_second": round(len(samples) / wall_seconds, 1) if wall_seconds > 0 else None,
            "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
            "max_ms": round(max(latencies), 1) if latencies else None,
            "statuses": {str(code): count for code, count in sorted(statuses.items())},
        }
