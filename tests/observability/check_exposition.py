#!/usr/bin/python3
"""Checks a live hookbridge's /metrics with `promtool check metrics` and for what operators expect first.

Usage: check_exposition.py HOOKBRIDGE_BINARY

Starts the hookbridge binary on its embedded development broker (as
check_metric_names.py does) and never asks /readyz, then, scraping /metrics
only, with every wait bounded:
  - hookbridge_ready reaches 1: it is computed when /metrics is scraped, so an
    instance nobody probes (systemd) reads its real readiness;
  - the standard process_* metrics are there, with values this process has;
  - labelled counters are exported at 0 before their first event (rejection
    reasons, the default source's outcomes and late deliveries);
  - hookbridge_kafka_brokers has the states up, unreachable, idle and no other;
  - `promtool check metrics` (Debian's prometheus package, as for the rules)
    reports nothing. A missing promtool fails the test, it never skips it.
Python 3 standard library.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

from check_metric_names import TIMEOUT, get, start_hookbridge


def fail(message):
    sys.exit(f"check_exposition: {message}")


def samples_of(text):
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            samples[series] = float(value)
    return samples


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    promtool = shutil.which("promtool")
    if promtool is None:
        fail("promtool is missing: install Debian's prometheus package (scripts/install-deps.sh)")
    process, address = start_hookbridge(sys.argv[1])
    try:
        deadline = time.monotonic() + TIMEOUT
        text = ""
        while time.monotonic() < deadline:
            status, text = get(f"http://{address}/metrics")
            if status == 200 and samples_of(text).get("hookbridge_ready") == 1:
                break
            time.sleep(0.1)
        else:
            fail(f"hookbridge_ready did not reach 1 within {TIMEOUT:.0f} s of scraping /metrics "
                 f"alone; last scrape:\n{text}")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    samples = samples_of(text)
    failures = []

    def expect(condition, message):
        if not condition:
            failures.append(message)

    now = time.time()
    start = samples.get("process_start_time_seconds", float("nan"))
    expect(now - 3600 < start <= now + 1, f"process_start_time_seconds {start} is not a recent time")
    expect(samples.get("process_cpu_seconds_total", -1) >= 0, "process_cpu_seconds_total is missing")
    for name in ("process_resident_memory_bytes",
                 "process_virtual_memory_bytes", "process_open_fds", "process_max_fds"):
        expect(samples.get(name, 0) > 0, f"{name} is missing or not above 0")
    expect(samples.get("process_open_fds", 0) <= samples.get("process_max_fds", 0),
           "process_open_fds is above process_max_fds")
    for series in ('hookbridge_webhook_rejections_total{reason="auth"}',
                   'hookbridge_webhook_rejections_total{reason="unavailable"}',
                   'hookbridge_webhook_dead_letters_total{reason="schema"}',
                   'hookbridge_http_requests_total{route="webhook",code="200"}',
                   'hookbridge_source_webhooks_total{source="getprofile",outcome="accepted"}',
                   'hookbridge_source_webhooks_total{source="getprofile",outcome="unavailable"}',
                   'hookbridge_late_deliveries_total{source="getprofile",outcome="stored"}',
                   'hookbridge_duplicates_total{source="getprofile"}'):
        expect(samples.get(series) == 0, f"{series} is not exported at 0 before any webhook")
    states = sorted(re.findall(r'^hookbridge_kafka_brokers\{state="([a-z]+)"\}', text, re.M))
    expect(states == ["idle", "unreachable", "up"], f"hookbridge_kafka_brokers states are {states}")

    print(f"== {subprocess.run([promtool, '--version'], capture_output=True, text=True).stdout.splitlines()[0]}")
    lint = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True,
                          timeout=TIMEOUT)
    report = (lint.stdout + lint.stderr).strip()
    expect(lint.returncode == 0 and not report,
           f"promtool check metrics exited {lint.returncode}:\n{report}")
    for failure in failures:
        print("FAIL " + failure)
    if failures:
        sys.exit(1)
    print(f"check_exposition: {len(samples)} samples, promtool check metrics clean")


if __name__ == "__main__":
    main()
