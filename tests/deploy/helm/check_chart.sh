#!/usr/bin/env bash
# The Helm chart deploy/helm/hookbridge, checked with a Helm built from the Go
# module proxy (scripts/install-helm.sh; ctest's helm fixture builds it once).
# No Helm is a failure, never a skip.
#
# Usage: check_chart.sh install|lint|template|values|compare SOURCE_DIR [HOOKBRIDGE_BINARY]
#   install   build (or find) Helm
#   lint      helm lint --strict, with the defaults and with every option on,
#             and with every usual value (usual-values.yaml); and lint fails on
#             a misspelt value
#   template  helm template, checked by tests/deploy/check_manifests.py --k8s
#             (the kustomize base's checks), with the defaults and with the
#             Strimzi topic and the ServiceMonitor, and as another release;
#             and with a sources file (its ConfigMap, variable and mounts);
#             and the chart refuses a grace period shorter than the drain, a
#             missing Secret name, and (values.schema.json) a key as a value
#   values    every usual value (nameOverride, fullnameOverride, serviceAccount,
#             podLabels, podAnnotations, extraEnv, envFrom, extraVolumes,
#             extraVolumeMounts, the Kafka SASL password and client TLS from
#             Secrets) reaches the rendered manifests (check_values.py); a
#             misspelt key at any level, a missing or "embedded" broker list
#             and a secret given as a value are refused
#   compare   compare_kustomize.py: the chart's defaults and the kustomize base
#             agree on probes, ports, drain timing, resources and settings
set -euo pipefail
what=$1
source_dir=$(cd "$2" && pwd)
binary=${3:-}
cd "$source_dir"

helm=$(scripts/install-helm.sh) || { echo "check_chart: no helm (scripts/install-helm.sh failed)" >&2; exit 1; }
[[ $what == install ]] && { "$helm" version; exit 0; }
chart=deploy/helm/hookbridge
# A fixed cluster version: `helm template` has no cluster to ask, and the
# chart needs >= 1.25 (policy/v1 PDB, autoscaling/v2 HPA).
kube_version=(--kube-version 1.30.0)
# kafka.brokers has no default (the chart refuses to render without it): the
# kustomize base's placeholder, so that the two still compare equal. Not with
# usual-values.yaml, which has its own (--set would win over it).
kube=("${kube_version[@]}" --set kafka.brokers=my-cluster-kafka-bootstrap.kafka:9092)
everything=(--set strimzi.enabled=true --set serviceMonitor.enabled=true)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case $what in
  lint)
    "$helm" lint --strict "${kube[@]}" "$chart"
    "$helm" lint --strict "${kube[@]}" "${everything[@]}" "$chart"
    "$helm" lint --strict "${kube_version[@]}" -f tests/deploy/helm/usual-values.yaml "$chart"
    # A misspelt value fails lint too, not only an install.
    if "$helm" lint --strict "${kube[@]}" --set serviceAcount.create=true "$chart" >"$work/lint.out" 2>&1; then
      echo "check_chart: helm lint passed a misspelt value (serviceAcount)" >&2; cat "$work/lint.out" >&2; exit 1
    fi
    grep -q "additional properties 'serviceAcount' not allowed" "$work/lint.out" ||
      { echo "check_chart: helm lint failed, but not on the misspelt serviceAcount:" >&2; cat "$work/lint.out" >&2; exit 1; }
    echo "helm lint refused the misspelt serviceAcount" ;;
  template)
    [[ -x $binary ]] || { echo "check_chart: template needs the hookbridge binary" >&2; exit 1; }
    echo "== helm template, defaults"
    "$helm" template hookbridge "${kube[@]}" "$chart" >"$work/default.yaml"
    grep '^kind:' "$work/default.yaml" | sort | uniq -c
    /usr/bin/python3 tests/deploy/check_manifests.py --k8s "$source_dir" "$binary" "$work/default.yaml"
    echo "== helm template, with the Strimzi topic and the ServiceMonitor"
    "$helm" template hookbridge "${kube[@]}" "${everything[@]}" "$chart" >"$work/all.yaml"
    grep -c '^kind: \(KafkaTopic\|ServiceMonitor\)$' "$work/all.yaml" | grep -qx 2 ||
      { echo "check_chart: the flags did not add a KafkaTopic and a ServiceMonitor" >&2; exit 1; }
    /usr/bin/python3 tests/deploy/check_manifests.py --k8s "$source_dir" "$binary" "$work/all.yaml"
    echo "== helm template, a release named otherwise (object names change)"
    "$helm" template payments "${kube[@]}" "${everything[@]}" "$chart" >"$work/other.yaml"
    grep -q '^  name: payments-hookbridge-config$' "$work/other.yaml" ||
      { echo "check_chart: release payments did not name its ConfigMap payments-hookbridge-config" >&2; exit 1; }
    /usr/bin/python3 tests/deploy/check_manifests.py --k8s "$source_dir" "$binary" "$work/other.yaml"
    echo "== helm template, with a sources file"
    "$helm" template hookbridge "${kube[@]}" -f tests/deploy/helm/sources-values.yaml "$chart" >"$work/sources.yaml"
    for expected in '^  name: hookbridge-sources$' '^  sources.yaml: |$' \
                    'value: /etc/hookbridge/sources/sources.yaml$' 'mountPath: /etc/hookbridge/secrets$' \
                    'secretName: hookbridge-source-secrets$'; do
      grep -q -- "$expected" "$work/sources.yaml" ||
        { echo "check_chart: with a sources file, no line matching '$expected'" >&2; exit 1; }
    done
    ! grep -q 'hookbridge-sources' "$work/default.yaml" ||
      { echo "check_chart: the defaults must render no sources ConfigMap" >&2; exit 1; }
    echo "== the chart refuses what cannot work"
    refused=0
    # refuse REASON ARGS...: helm template ARGS fails, and says REASON (so
    # that a chart broken some other way does not pass for a refusal).
    refuse() {
      local reason=$1; shift
      if "$helm" template hookbridge "${kube[@]}" "$chart" "$@" >"$work/refused.yaml" 2>"$work/refused.err"; then
        echo "FAIL helm template $* rendered; it must refuse ($reason)"; refused=1
      elif grep -q -- "$reason" "$work/refused.err"; then
        echo "refused as it must ($*): $(grep -m 1 -- "$reason" "$work/refused.err")"
      else
        echo "FAIL helm template $* failed, but not with '$reason':"; cat "$work/refused.err"; refused=1
      fi
    }
    # preStop 5 + drain 5 + ack 4 + flush 10 = 24 s: 24 is not enough.
    refuse "terminationGracePeriodSeconds 24 must exceed" --set terminationGracePeriodSeconds=24
    refuse "terminationGracePeriodSeconds 40 must exceed" --set config.HOOKBRIDGE_DRAIN_GRACE_MS=30000
    refuse "apiKeys.existingSecret: the name of the Secret" --set apiKeys.existingSecret=
    # values.schema.json: a key has no place in the values.
    refuse "additional properties 'keys' not allowed" --set apiKeys.keys=a-key
    refuse "invalid propertyName 'GETPROFILE_API_KEY'" --set config.GETPROFILE_API_KEY=a-key
    exit $refused ;;
  values)
    [[ -x $binary ]] || { echo "check_chart: values needs the hookbridge binary" >&2; exit 1; }
    check_values=(/usr/bin/python3 tests/deploy/helm/check_values.py)
    echo "== the settings the schema knows are hookbridge's"
    "${check_values[@]}" settings "$chart" "$binary"
    echo "== helm template, defaults"
    "$helm" template hookbridge "${kube[@]}" "$chart" >"$work/default.yaml"
    "${check_values[@]}" defaults "$work/default.yaml"
    echo "== helm template, every usual value (usual-values.yaml)"
    "$helm" template hookbridge "${kube_version[@]}" -f tests/deploy/helm/usual-values.yaml "$chart" >"$work/usual.yaml"
    "${check_values[@]}" usual tests/deploy/helm/usual-values.yaml "$work/usual.yaml"
    echo "== helm template, nameOverride"
    "$helm" template payments "${kube[@]}" --set nameOverride=bridge "$chart" >"$work/name.yaml"
    "${check_values[@]}" name-override "$work/name.yaml"
    echo "== the chart refuses what it does not know"
    refused=0
    # refuse REASON ARGS...: helm template ARGS fails, and says REASON.
    refuse() {
      local reason=$1; shift
      if "$helm" template hookbridge "$@" "$chart" >"$work/refused.yaml" 2>"$work/refused.err"; then
        echo "FAIL helm template $* rendered; it must refuse ($reason)"; refused=1
      elif grep -qF -- "$reason" "$work/refused.err"; then
        echo "refused as it must ($*): $(grep -m 1 -F -- "$reason" "$work/refused.err")"
      else
        echo "FAIL helm template $* failed, but not with '$reason':"; cat "$work/refused.err"; refused=1
      fi
    }
    # Misspelt keys, at the top and nested.
    refuse "additional properties 'serviceAcount' not allowed" "${kube[@]}" --set serviceAcount.create=true
    refuse "additional properties 'podLabel' not allowed" "${kube[@]}" --set podLabel.team=payments
    refuse "additional properties 'fullnameOverides' not allowed" "${kube[@]}" --set fullnameOverides=x
    refuse "additional properties 'brokerz' not allowed" "${kube[@]}" --set kafka.brokerz=kafka:9092
    refuse "additional properties 'nmae' not allowed" "${kube[@]}" --set serviceAccount.nmae=x
    refuse "additional properties 'passwordSecrets' not allowed" "${kube[@]}" --set kafka.sasl.passwordSecrets.name=x
    refuse "additional properties 'limit' not allowed" "${kube[@]}" --set resources.limit.cpu=2
    refuse "additional properties 'mountpath' not allowed" "${kube[@]}" \
      --set-json 'extraVolumeMounts=[{"name":"x","mountPath":"/x","mountpath":"/y"}]'
    # The issue's own mistake: a setting one letter short.
    refuse "additional properties 'HOOKBRIDGE_KAFKA_BROKER' not allowed" "${kube[@]}" \
      --set config.HOOKBRIDGE_KAFKA_BROKER=kafka1:9092
    # A real broker, always: none given, or the development one, is refused.
    refuse "kafka.brokers is required" "${kube_version[@]}"
    refuse "kafka.brokers: 'embedded' is hookbridge's in-memory development broker" \
      "${kube_version[@]}" --set kafka.brokers=embedded
    refuse "config.HOOKBRIDGE_KAFKA_BROKERS: set kafka.brokers instead" "${kube[@]}" \
      --set config.HOOKBRIDGE_KAFKA_BROKERS=kafka:9092
    # Secrets come from Secrets, never from values.
    refuse "at '/config/HOOKBRIDGE_RDKAFKA_SASL_PASSWORD'" "${kube[@]}" \
      --set config.HOOKBRIDGE_RDKAFKA_SASL_PASSWORD=hunter2
    refuse "extraEnv HOOKBRIDGE_RDKAFKA_SASL_PASSWORD: set kafka.sasl.passwordSecret instead" "${kube[@]}" \
      --set-json 'extraEnv=[{"name":"HOOKBRIDGE_RDKAFKA_SASL_PASSWORD","value":"hunter2"}]'
    refuse "extraEnv HOOKBRIDGE_RDKAFKA_SSL_KEYSTORE_PASSWORD: a secret comes from valueFrom.secretKeyRef" "${kube[@]}" \
      --set-json 'extraEnv=[{"name":"HOOKBRIDGE_RDKAFKA_SSL_KEYSTORE_PASSWORD","value":"hunter2"}]'
    # extraEnv: what hookbridge would refuse at start-up, the chart refuses first.
    refuse "extraEnv HOOKBRIDGE_KAFKA_TOPC: not a hookbridge setting" "${kube[@]}" \
      --set-json 'extraEnv=[{"name":"HOOKBRIDGE_KAFKA_TOPC","value":"events"}]'
    refuse "extraEnv HOOKBRIDGE_KAFKA_BROKERS: set kafka.brokers instead" "${kube[@]}" \
      --set-json 'extraEnv=[{"name":"HOOKBRIDGE_KAFKA_BROKERS","value":"embedded"}]'
    refuse "kafka.tls.caKey, certificateKey and keyKey name entries of kafka.tls.existingSecret" "${kube[@]}" \
      --set kafka.tls.caKey=ca.crt
    exit $refused ;;
  compare)
    kubectl kustomize deploy/k8s >"$work/k8s.yaml"
    kubectl kustomize deploy/k8s/strimzi >"$work/strimzi.yaml"
    "$helm" template hookbridge "${kube[@]}" --set strimzi.enabled=true "$chart" >"$work/helm.yaml"
    /usr/bin/python3 tests/deploy/helm/compare_kustomize.py "$work/k8s.yaml" "$work/strimzi.yaml" "$work/helm.yaml" ;;
  *) echo "usage: check_chart.sh install|lint|template|values|compare SOURCE_DIR [HOOKBRIDGE_BINARY]" >&2; exit 2 ;;
esac
