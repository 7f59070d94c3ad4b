#!/usr/bin/python3
"""The Helm chart and the kustomize base say the same thing.

Usage: compare_kustomize.py KUSTOMIZE_RENDERED STRIMZI_RENDERED HELM_RENDERED

KUSTOMIZE_RENDERED and STRIMZI_RENDERED are `kubectl kustomize deploy/k8s`
and `kubectl kustomize deploy/k8s/strimzi`; HELM_RENDERED is `helm template
hookbridge deploy/helm/hookbridge --set strimzi.enabled=true` (the chart's
defaults, with the topic, which the base keeps apart). Fails on any
difference in what a pod does or how it is reached, scaled and stopped:
  * the same kinds and object names;
  * the Deployment: replicas, update strategy, the container's image, ports,
    environment, mounts, liveness, readiness and startup probes (path, port,
    every timing), preStop, resources and security context; the pod's
    terminationGracePeriodSeconds, security context, spread, the Secret
    volume, and the prometheus.io/* annotations;
  * the Service's type and ports, the PDB and the HPA (all but selectors and
    labels, where Helm adds its release's);
  * every setting in the ConfigMap, name and value;
  * the Strimzi KafkaTopic's name, cluster label and spec.
Labels and selectors are not compared: the chart selects by release as well.
The chart names the pods' ServiceAccount, "default" unless told otherwise; the
base leaves it out, which Kubernetes reads as "default": the same.
"""
import sys

import yaml

DIFFERENCES = []


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def diff(path, ours, theirs):
    """Every leaf where the base (ours) and the chart (theirs) differ."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs), key=str):
            diff(f"{path}.{key}", ours.get(key), theirs.get(key))
    elif isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for i, (a, b) in enumerate(zip(ours, theirs)):
            diff(f"{path}[{i}]", a, b)
    elif ours != theirs:
        DIFFERENCES.append(f"{path}: kustomize {ours!r}, helm {theirs!r}")


def without(d, *keys):
    return {k: v for k, v in (d or {}).items() if k not in keys}


def deployment_facts(d):
    spec = d["spec"]
    # No serviceAccountName is the namespace's "default", which the chart names.
    pod = {"serviceAccountName": "default", **spec["template"]["spec"]}
    annotations = spec["template"]["metadata"].get("annotations", {})
    return {
        "name": d["metadata"]["name"],
        "replicas": spec.get("replicas"),
        "revisionHistoryLimit": spec.get("revisionHistoryLimit"),
        "strategy": spec.get("strategy"),
        "prometheus annotations": {k: v for k, v in annotations.items() if k.startswith("prometheus.io/")},
        "pod": without(pod, "containers", "topologySpreadConstraints"),
        "topologySpreadConstraints": [without(t, "labelSelector") for t in pod.get("topologySpreadConstraints", [])],
        "containers": pod["containers"],
    }


def by_kind(docs):
    kinds = {}
    for d in docs:
        kinds.setdefault(d["kind"], []).append(d)
    return kinds


def main():
    base = by_kind(load_all(sys.argv[1]) + load_all(sys.argv[2]))
    chart = by_kind(load_all(sys.argv[3]))
    diff("kinds", sorted(base), sorted(k for k in chart if k != "ServiceMonitor"))
    for kind in sorted(set(base) & set(chart)):
        diff(f"{kind} names", sorted(d["metadata"]["name"] for d in base[kind]),
             sorted(d["metadata"]["name"] for d in chart[kind]))

    def one(kinds, kind):
        return kinds[kind][0] if len(kinds.get(kind, [])) == 1 else None

    pairs = {kind: (one(base, kind), one(chart, kind)) for kind in base}
    for kind, (ours, theirs) in pairs.items():
        if ours is None or theirs is None:
            DIFFERENCES.append(f"{kind}: not exactly one in each")
            continue
        if kind == "Deployment":
            diff("Deployment", deployment_facts(ours), deployment_facts(theirs))
        elif kind == "ConfigMap":
            diff("ConfigMap.data", ours.get("data", {}), theirs.get("data", {}))
        elif kind == "Service":
            diff("Service.spec", without(ours["spec"], "selector"), without(theirs["spec"], "selector"))
        elif kind == "PodDisruptionBudget":
            diff("PodDisruptionBudget.spec", without(ours["spec"], "selector"), without(theirs["spec"], "selector"))
        elif kind == "HorizontalPodAutoscaler":
            diff("HorizontalPodAutoscaler.spec", ours["spec"], theirs["spec"])
        elif kind == "KafkaTopic":
            diff("KafkaTopic.apiVersion", ours["apiVersion"], theirs["apiVersion"])
            diff("KafkaTopic.cluster", ours["metadata"]["labels"].get("strimzi.io/cluster"),
                 theirs["metadata"]["labels"].get("strimzi.io/cluster"))
            diff("KafkaTopic.spec", ours["spec"], theirs["spec"])
        else:
            DIFFERENCES.append(f"{kind}: no comparison written for this kind (add one)")
    compared = ", ".join(sorted(pairs))
    for difference in DIFFERENCES:
        print("DIFFERENT", difference)
    print(f"compare_kustomize: compared {compared}: {len(DIFFERENCES)} differences")
    return 1 if DIFFERENCES else 0


if __name__ == "__main__":
    sys.exit(main())
