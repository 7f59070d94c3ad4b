#!/usr/bin/python3
"""Fails if the PrometheusRule object and the plain rule file disagree.

Usage: check_prometheus_rule.py RULES_YAML PROMETHEUS_RULE_YAML

RULES_YAML is a Prometheus rule file (only `groups`); PROMETHEUS_RULE_YAML is
a monitoring.coreos.com/v1 PrometheusRule whose spec.groups must be equal to
those groups, compared as parsed YAML (comments and layout may differ). Every
alert also has a runbook_url annotation, docs/runbooks.md#ALERTNAME in lower
case, whose section exists in docs/runbooks.md (and no prose `runbook`).
Python 3 standard library plus python3-yaml.
"""
import os
import sys

import yaml


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    with open(sys.argv[1]) as file:
        rules = yaml.safe_load(file)
    with open(sys.argv[2]) as file:
        rule_object = yaml.safe_load(file)
    failures = []
    if set(rules) != {"groups"}:
        failures.append(f"{sys.argv[1]}: top-level keys {sorted(rules)}, expected only groups")
    if rule_object.get("apiVersion") != "monitoring.coreos.com/v1" or rule_object.get("kind") != "PrometheusRule":
        failures.append(f"{sys.argv[2]}: not a monitoring.coreos.com/v1 PrometheusRule")
    if not rule_object.get("metadata", {}).get("name"):
        failures.append(f"{sys.argv[2]}: no metadata.name")
    groups = rules.get("groups") or []
    spec_groups = (rule_object.get("spec") or {}).get("groups")
    if not groups:
        failures.append(f"{sys.argv[1]}: no groups")
    if spec_groups != groups:
        plain = {(g["name"], r.get("alert") or r.get("record")): r for g in groups for r in g["rules"]}
        other = {(g["name"], r.get("alert") or r.get("record")): r for g in spec_groups or [] for r in g["rules"]}
        for key in sorted(set(plain) | set(other)):
            if plain.get(key) != other.get(key):
                failures.append(f"group {key[0]}, rule {key[1]}: differs between the two files")
        if not failures:
            failures.append("spec.groups differs from the rule file's groups (group names or settings)")
    # Each alert's runbook_url is its section of docs/runbooks.md, relative to
    # the repository's root (docs/runbooks.md says why).
    root = os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "..", "..")
    with open(os.path.join(root, "docs", "runbooks.md")) as file:
        sections = {line[3:].strip().lower() for line in file if line.startswith("## ")}
    for group in groups:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            annotations = rule.get("annotations") or {}
            expected = "docs/runbooks.md#" + rule["alert"].lower()
            if annotations.get("runbook_url") != expected:
                failures.append(f"alert {rule['alert']}: runbook_url is {annotations.get('runbook_url')!r}, "
                                f"expected {expected!r}")
            if rule["alert"].lower() not in sections:
                failures.append(f"alert {rule['alert']}: no section in docs/runbooks.md")
            if "runbook" in annotations:
                failures.append(f"alert {rule['alert']}: a `runbook` annotation; use runbook_url")
    for failure in failures:
        print("FAIL " + failure)
    if not failures:
        print(f"{len(groups)} groups, {sum(len(g['rules']) for g in groups)} rules: the same in both files")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
