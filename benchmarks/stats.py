"""Latency summaries the benchmarks print: nearest-rank percentiles of samples in milliseconds."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentiles(samples_ms: Sequence[float], *, digits: int = 3) -> dict[str, float]:
    """n, p50, p95, p99 and mean (ms), and how many per second the samples add up to, run one after another."""
    ordered = sorted(samples_ms)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    total_s = sum(ordered) / 1000
    return {"n": len(ordered), "p50_ms": round(at(0.50), digits), "p95_ms": round(at(0.95), digits),
            "p99_ms": round(at(0.99), digits), "mean_ms": round(statistics.fmean(ordered), digits),
            "messages_per_s": round(len(ordered) / total_s, 1) if total_s else 0.0}
