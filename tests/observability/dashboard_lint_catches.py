#!/usr/bin/python3
"""dashboard_lint fails on broken copies of the dashboard, each naming the
check that caught it (a schema error of Grafana's Foundation SDK or one of
the dashboard linter's rules), and passes on the unchanged copy.

Usage: dashboard_lint_catches.py DASHBOARD_LINT_BINARY DASHBOARD_JSON
"""
import copy
import json
import os
import subprocess
import sys
import tempfile


def panel(board, kind):
    """The first panel of that type."""
    return next(p for p in board["panels"] if p["type"] == kind)


def variable(board, name):
    return next(v for v in board["templating"]["list"] if v["name"] == name)


def set_expr(board, old, new):
    """Replaces text in the first target expression that holds it."""
    for p in board["panels"]:
        for target in p.get("targets", []):
            if old in target["expr"]:
                target["expr"] = target["expr"].replace(old, new, 1)
                return
    raise KeyError(old)


# name: (mutation, text the output must hold); None is the unchanged copy.
MUTATIONS = {
    "unchanged": (None, "clean"),
    "an unknown top-level field": (lambda b: b.update(editabel=False), "unexpected field 'editabel'"),
    "a schemaVersion of the wrong type": (lambda b: b.update(schemaVersion="39"), "schemaVersion"),
    "a stat panel without a required option": (
        lambda b: panel(b, "stat")["options"].pop("justifyMode"), "options.justifyMode: required field"),
    "a time series legend without calcs": (
        lambda b: panel(b, "timeseries")["options"]["legend"].pop("calcs"), "legend.calcs: required field"),
    "a fiscal year starting in month 12": (lambda b: b.update(fiscalYearStartMonth=12), "must be < 12"),
    "an editable dashboard": (lambda b: b.update(editable=True), "uneditable-dashboard"),
    "job's allValue .*": (lambda b: variable(b, "job").update(allValue=".*"), "template-job-rule"),
    "instance not a multi select": (lambda b: variable(b, "instance").update(multi=False), "template-instance-rule"),
    "job refreshed on load only": (lambda b: variable(b, "job").update(refresh=1), "template-on-time-change-reload-rule"),
    "a variable query that is not PromQL": (
        lambda b: variable(b, "instance")["query"].update(query="label_values(sum(, instance)"),
        "template-label-promql-rule"),
    "a data source variable named prom": (lambda b: variable(b, "datasource").update(name="prom"), "template-datasource-rule"),
    "a panel on a fixed data source": (
        lambda b: panel(b, "timeseries")["datasource"].update(uid="prometheus"), "panel-datasource-rule"),
    "a panel without a description": (lambda b: panel(b, "timeseries").pop("description"), "panel-title-description-rule"),
    "a unit Grafana does not know": (
        lambda b: panel(b, "timeseries")["fieldConfig"]["defaults"].update(unit="furlongs"), "panel-units-rule"),
    "a stat panel without targets": (lambda b: panel(b, "stat").update(targets=[]), "panel-no-targets-rule"),
    "PromQL that does not parse": (lambda b: set_expr(b, "sum(hookbridge_ready", "sum((hookbridge_ready"), "target-promql-rule"),
    "rate() over a fixed 5m": (lambda b: set_expr(b, "[$__rate_interval]", "[5m]"), "target-rate-interval-rule"),
    "a selector without the instance matcher": (
        lambda b: set_expr(b, ', instance=~"$instance"', ""), "target-instance-rule"),
    "a selector with job= instead of job=~": (lambda b: set_expr(b, 'job=~"$job"', 'job="$job"'), "target-job-rule"),
    "a counter with matchers not under rate()": (
        lambda b: set_expr(b, 'sum by (reason) (rate(hookbridge_webhook_rejections_total{job=~"$job", '
                              'instance=~"$instance"}[$__rate_interval]))',
                           'sum by (reason) (hookbridge_webhook_rejections_total{job=~"$job", instance=~"$instance"})'),
        "target-counter-agg-rule"),
}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    binary, source = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        original = json.load(f)
    failures = []
    with tempfile.TemporaryDirectory(prefix="hookbridge-dashboard-lint-") as work:
        for name, (mutate, expected) in MUTATIONS.items():
            board = copy.deepcopy(original)
            if mutate is not None:
                mutate(board)
                if board == original:
                    failures.append(f"{name}: the mutation changed nothing (the dashboard changed shape?)")
                    continue
            path = os.path.join(work, "dashboard.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(board, f, indent=2)
            run = subprocess.run([binary, path], capture_output=True, text=True, timeout=60)
            expected_exit = 0 if mutate is None else 1
            if run.returncode != expected_exit or expected not in run.stdout:
                failures.append(f"{name}: exit {run.returncode} (expected {expected_exit}), "
                                f"output without {expected!r}:\n{run.stdout}{run.stderr}")
            else:
                print(f"ok: {name}: exit {run.returncode}, {expected!r}")
    for failure in failures:
        print("FAIL", failure)
    print(f"{len(MUTATIONS) - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
