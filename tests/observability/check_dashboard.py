#!/usr/bin/python3
"""Fails if the Grafana dashboard is not portable or misses a subject.

Usage: check_dashboard.py DASHBOARD_JSON

Checks that the dashboard is JSON with the schemaVersion of a current Grafana
(36 or later); that it has a Prometheus data source variable (`datasource`)
and `job` and `instance` query variables; that every panel and target uses
`${datasource}`; that every selector in a target's expression filters on
`job=~"$job"` and `instance=~"$instance"`; that panel ids are unique; and that
the metrics issue 14 asks for are each shown by some panel. Whether those
metrics exist is check_metric_names.py's job.

The rules of Grafana's dashboard linter and the dashboard's schema are
dashboard_lint/'s job (Go: Grafana's Foundation SDK and Prometheus's PromQL
parser). Python 3 standard library only.
"""
import json
import re
import sys

SHOWN = [
    "hookbridge_http_requests_total",                  # requests by route and code
    "hookbridge_kafka_ack_duration_seconds_bucket",    # ack-latency percentiles
    "hookbridge_http_request_duration_seconds_bucket", # request duration percentiles
    "hookbridge_webhook_rejections_total",             # refusals by reason
    "hookbridge_http_requests_in_flight",
    "hookbridge_http_idle_connections",
    "hookbridge_http_connections_turned_away_total",
    "hookbridge_kafka_producer_queue_messages",
    "hookbridge_kafka_producer_queue_bytes",
    "hookbridge_ready",
    "hookbridge_kafka_broker_rtt_seconds",
    "hookbridge_kafka_delivery_errors_total",
    "hookbridge_api_key_reloads_total",
    "hookbridge_source_webhooks_total",                # each source's webhooks by outcome
    "hookbridge_late_deliveries_total",                # reports after the deadline's 503
    "hookbridge_sources_reloads_total",
]
DATASOURCE = "${datasource}"
SELECTOR = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*\s*\{([^}]*)\}")
def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    with open(sys.argv[1]) as file:
        dashboard = json.load(file)
    failures = []
    if not isinstance(dashboard.get("schemaVersion"), int) or dashboard["schemaVersion"] < 36:
        failures.append(f"schemaVersion {dashboard.get('schemaVersion')!r}: expected 36 or later")
    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    source = variables.get("datasource", {})
    if source.get("type") != "datasource" or source.get("query") != "prometheus":
        failures.append("no `datasource` variable of type datasource for Prometheus")
    for name in ("job", "instance"):
        variable = variables.get(name, {})
        if variable.get("type") != "query" or (variable.get("datasource") or {}).get("uid") != DATASOURCE:
            failures.append(f"no `{name}` query variable on {DATASOURCE}")

    panels, ids, expressions = [], [], []

    def walk(items):
        for panel in items:
            panels.append(panel)
            walk(panel.get("panels", []))
    walk(dashboard.get("panels", []))
    for panel in panels:
        ids.append(panel.get("id"))
        if panel.get("type") == "row":
            continue
        title = panel.get("title", "?")
        if (panel.get("datasource") or {}).get("uid") != DATASOURCE:
            failures.append(f"panel {title!r}: datasource is not {DATASOURCE}")
        if not panel.get("targets"):
            failures.append(f"panel {title!r}: no targets")
        for target in panel.get("targets", []):
            if (target.get("datasource") or {}).get("uid") != DATASOURCE:
                failures.append(f"panel {title!r}, target {target.get('refId')}: datasource is not {DATASOURCE}")
            expr = target.get("expr", "")
            expressions.append(expr)
            selectors = SELECTOR.findall(expr)
            if not selectors:
                failures.append(f"panel {title!r}: no selector in {expr!r}")
            for matchers in selectors:
                if 'job=~"$job"' not in matchers or 'instance=~"$instance"' not in matchers:
                    failures.append(f"panel {title!r}: a selector without the job and instance filters: {expr}")
    if len(ids) != len(set(ids)) or None in ids:
        failures.append(f"panel ids missing or repeated: {ids}")
    used = " ".join(expressions)
    for metric in SHOWN:
        if not re.search(r"\b" + re.escape(metric) + r"\b", used):
            failures.append(f"no panel shows {metric}")
    for failure in failures:
        print("FAIL " + failure)
    if not failures:
        print(f"{len(panels)} panels, {len(expressions)} queries, schemaVersion {dashboard['schemaVersion']}: ok")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
