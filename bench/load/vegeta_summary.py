#!/usr/bin/env python3
"""Summarises one vegeta attack from `vegeta encode --to csv` on stdin.

Prints JSON: requests, status code counts, transport errors (most frequent
messages), the achieved sending rate, 2xx per second, and exact latency
percentiles (nearest rank, microseconds) over all requests and over the 2xx
ones. vegeta's own report has no p99.9, hence this. `quantiles_us` holds the
whole distribution over all requests for the latency plots: [q, latency] at
quantiles spaced evenly in log(1 / (1 - q)) (20 a decade: p50, p90, p99,
p99.9 among them), up to the last one the requests resolve, then the maximum.
"""
import collections
import csv
import json
import math
import sys


def percentile(sorted_values: list[int], p: float) -> float | None:
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def quantiles(sorted_values: list[int]) -> list[list[float]]:
    n = len(sorted_values)
    out, k = [], 0
    while n and 10 ** (-k / 20) >= 1 / n:
        q = 1 - 10 ** (-k / 20)
        out.append([round(q, 6), sorted_values[min(n - 1, math.floor(q * n))]])
        k += 1
    return out + ([[1.0, sorted_values[-1]]] if n else [])


def main() -> None:
    csv.field_size_limit(1 << 24)
    codes: collections.Counter[str] = collections.Counter()
    errors: collections.Counter[str] = collections.Counter()
    latencies: list[int] = []
    ok_latencies: list[int] = []
    first = last = last_done = None
    for row in csv.reader(sys.stdin):
        timestamp, code, latency_ns = int(row[0]), row[1], int(row[2])
        error = row[5]
        codes[code] += 1
        if error and code == "0":  # transport errors; vegeta also puts a status line here for non-2xx
            errors[error] += 1
        latency_us = latency_ns // 1000
        latencies.append(latency_us)
        if code.startswith("2"):
            ok_latencies.append(latency_us)
        first = timestamp if first is None else min(first, timestamp)
        last = timestamp if last is None else max(last, timestamp)
        done = timestamp + latency_ns
        last_done = done if last_done is None else max(last_done, done)
    latencies.sort()
    ok_latencies.sort()
    n = len(latencies)
    ok = len(ok_latencies)
    send_span = (last - first) / 1e9 if n > 1 else 0.0
    total_span = (last_done - first) / 1e9 if n else 0.0

    def pcts(values: list[int]) -> dict:
        return {f"p{p:g}": percentile(values, p) for p in (50, 90, 99, 99.9)} | {
            "max": values[-1] if values else None,
            "mean": round(sum(values) / len(values), 1) if values else None,
        }

    print(json.dumps({
        "requests": n,
        "ok": ok,
        "non_ok": n - ok,
        "codes": dict(sorted(codes.items())),
        "errors": dict(errors.most_common(5)),
        "send_rate": round((n - 1) / send_span, 1) if send_span > 0 else None,
        "ok_per_second": round(ok / total_span, 1) if total_span > 0 else None,
        "latency_us": pcts(latencies),
        "ok_latency_us": pcts(ok_latencies),
        "quantiles_us": quantiles(latencies),
    }, indent=1))


if __name__ == "__main__":
    main()
