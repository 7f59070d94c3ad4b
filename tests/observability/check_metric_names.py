#!/usr/bin/python3
"""Fails if the dashboard or the alert rules use a metric hookbridge does not export.

Usage: check_metric_names.py HOOKBRIDGE_BINARY DASHBOARD_JSON RULES_YAML

Starts the hookbridge binary on its embedded development broker (librdkafka's
mock cluster, HOOKBRIDGE_KAFKA_BROKERS=embedded) on 127.0.0.1:0, reads the address
from its "hookbridge listening" log line, waits for /readyz to answer 200,
posts one accepted and one refused webhook so that labelled series exist,
and reads /metrics. Then, for every PromQL expression of the dashboard
(panel targets and template variable queries) and of the rules:
  - every metric name is a family hookbridge exports (a `# TYPE` line), or
    NAME_bucket/_sum/_count of a histogram family, or `up` (Prometheus's own);
  - every label matched on in `{...}` is a label of that metric's live series,
    or one Prometheus adds (job, instance, namespace, pod).
Metric names are found without a PromQL parser: string literals, `{...}`,
`[...]`, grouping clauses (`by (...)` and the like), keywords, numbers,
Grafana variables and function names are removed; what is left is a name.
Every wait is bounded. Python 3 standard library plus python3-yaml.
"""
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import yaml

PROMETHEUS_METRICS = {"up"}  # made by Prometheus itself, not by the target
TARGET_LABELS = {"job", "instance", "namespace", "pod"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
            "unless", "offset", "inf", "nan"}
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}")
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", re.I)
IDENTIFIER = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
TIMEOUT = 30.0


def metric_names(expr):
    """The metric names in one PromQL expression, and (name, label) pairs matched on."""
    # label_values(SELECTOR, LABEL) in Grafana variables: the last argument is a label.
    expr = re.sub(r"label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)", r"(\1)", expr)
    expr = re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", " ", expr)  # Grafana variables
    matched = []
    for name, matchers in SELECTOR.findall(STRING.sub('""', expr)):
        matched += [(name, label) for label in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)", matchers)]
    text = STRING.sub(" ", expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = GROUPING.sub(" ", text)
    text = re.sub(r"\boffset\s+-?[0-9][0-9a-z]*", " ", text, flags=re.I)
    text = re.sub(r"\b[0-9][0-9.eE+-]*[a-z]*", " ", text)  # numbers, durations
    names = set()
    for match in IDENTIFIER.finditer(text):
        rest = text[match.end():].lstrip()
        if rest.startswith("(") or match.group(0).lower() in KEYWORDS:
            continue  # a function or aggregation, or a keyword
        names.add(match.group(0))
    return names, matched


def dashboard_expressions(path):
    with open(path) as file:
        dashboard = json.load(file)
    expressions = []

    def walk(panels):
        for panel in panels:
            expressions.extend(target["expr"] for target in panel.get("targets", []) if "expr" in target)
            walk(panel.get("panels", []))
    walk(dashboard.get("panels", []))
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable.get("query")
            expressions.append(query["query"] if isinstance(query, dict) else query)
    return expressions


def rule_expressions(path):
    with open(path) as file:
        rules = yaml.safe_load(file)
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def get(url, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def start_hookbridge(binary):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HOOKBRIDGE_", "GETPROFILE_"))}
    env.update(GETPROFILE_API_KEY="observability-check-key", HOOKBRIDGE_LISTEN="127.0.0.1:0",
               HOOKBRIDGE_KAFKA_BROKERS="embedded",
               HOOKBRIDGE_DRAIN_GRACE_MS="0", HOOKBRIDGE_LOG_LEVEL="info")
    process = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + TIMEOUT
    buffered = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if not ready:
            if process.poll() is not None:
                break
            continue
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            break
        buffered += chunk
        while b"\n" in buffered:
            line, buffered = buffered.split(b"\n", 1)
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("message") == "hookbridge listening":
                # Keep draining the log so the pipe never fills.
                threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
                return process, entry["address"]
    process.kill()
    process.wait()
    sys.exit(f"check_metric_names: no 'hookbridge listening' line within {TIMEOUT:.0f} s "
             f"(exit status {process.returncode}); output: {buffered[-2000:]!r}")


def poll(what, probe):
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.1)
    sys.exit(f"check_metric_names: {what} not within {TIMEOUT:.0f} s")


def scrape(binary):
    process, address = start_hookbridge(binary)
    base = f"http://{address}"
    try:
        poll("/readyz 200", lambda: get(base + "/readyz")[0] == 200)
        body = json.dumps({"id": "observability-1", "event": "profile.updated",
                           "data": {"profile_id": "p"}}).encode()
        path = base + "/webhooks/getprofile"
        headers = {"Content-Type": "application/json", "Authorization": "Bearer observability-check-key"}

        def accepted():  # a 503 (Kafka slow on a loaded machine) is retried, anything else fails
            status, answer = get(path, body, headers)
            if status not in (200, 503):
                sys.exit(f"check_metric_names: the webhook got {status}: {answer}")
            return status == 200
        poll("a 200 for the webhook", accepted)
        status, answer = get(path, body, {"Content-Type": "application/json"})
        if status != 401:
            sys.exit(f"check_metric_names: the webhook without a key got {status}: {answer}")
        # The broker's round-trip time comes with librdkafka's next statistics.
        return poll("a hookbridge_kafka_broker_rtt_seconds sample",
                    lambda: (lambda text: text if "\nhookbridge_kafka_broker_rtt_seconds{" in text else None)(
                        get(base + "/metrics")[1]))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    binary, dashboard, rules = sys.argv[1:]
    sources = {dashboard: dashboard_expressions(dashboard), rules: rule_expressions(rules)}
    exposition = scrape(binary)

    families = {}  # name -> type
    labels = {}    # series name -> label names seen
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            families[name] = kind
        elif line and not line.startswith("#"):
            match = re.match(r"([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s", line)
            labels.setdefault(match.group(1), set()).update(re.findall(r'([A-Za-z_][A-Za-z0-9_]*)="', match.group(2) or ""))
    print(f"live hookbridge exports {len(families)} metric families: {', '.join(sorted(families))}")

    def exported(name):
        if name in families or name in PROMETHEUS_METRICS:
            return True
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and families.get(name[:-len(suffix)]) == "histogram":
                return True
        return False

    failures = []
    for path, expressions in sources.items():
        used = set()
        if not expressions:
            failures.append(f"{path}: no PromQL expressions found")
        for expr in expressions:
            names, matched = metric_names(expr)
            if not names:
                failures.append(f"{path}: no metric name found in: {expr}")
            used |= names
            failures += [f"{path}: {name} is not a metric hookbridge exports, in: {expr.strip()}"
                         for name in sorted(names) if not exported(name)]
            for name, label in matched:
                if name in PROMETHEUS_METRICS or label in TARGET_LABELS or not exported(name):
                    continue
                if label not in labels.get(name, set()):
                    failures.append(f"{path}: {name} has no label {label!r} on a live hookbridge, in: {expr.strip()}")
        print(f"{path}: {len(expressions)} expressions use {', '.join(sorted(used))}")
    for failure in failures:
        print("FAIL " + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
