#!/usr/bin/env bash
# Validates deploy/ with the tools Debian has: yamllint passes, the kustomize
# base, the Strimzi part and the ingress-nginx part render (kubectl
# kustomize), the compose file is valid (docker-compose config, no engine
# needed), and check_manifests.py checks what the manifests say against
# hookbridge and each other.
#
# Usage: check_manifests.sh SOURCE_DIR HOOKBRIDGE_BINARY
set -euo pipefail
source_dir=$(cd "$1" && pwd)
binary=$2
cd "$source_dir"

for tool in yamllint kubectl docker-compose; do
  command -v "$tool" >/dev/null ||
    { echo "check_manifests: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== yamllint $(yamllint --version | awk '{print $2}')"
yamllint --strict -c deploy/.yamllint deploy/

echo "== kubectl kustomize ($(kubectl version --client 2>/dev/null | head -n 1))"
kubectl kustomize deploy/k8s >"$work/k8s.yaml"
kubectl kustomize deploy/k8s/strimzi >"$work/strimzi.yaml"
kubectl kustomize deploy/k8s/ingress-nginx >"$work/ingress.yaml"
grep -c '^kind:' "$work/k8s.yaml" | xargs echo "rendered resources:"

# The secured overlay (SASL_SSL, secrets as files): the same Kubernetes checks.
kubectl kustomize deploy/k8s-secured >"$work/k8s-secured.yaml"
echo "== what the secured overlay says"
/usr/bin/python3 tests/deploy/check_manifests.py --k8s "$source_dir" "$binary" "$work/k8s-secured.yaml"

echo "== docker-compose config ($(docker-compose version --short 2>/dev/null))"
# No engine is needed for this: it validates the file against the compose
# schema and prints it resolved (anchors merged, paths absolute).
docker-compose --project-directory deploy -f deploy/compose.yaml config >"$work/compose.yaml"

# The secured override: it renders, and the password is a secret file only.
HOOKBRIDGE_KAFKA_BROKERS=kafka.example:9093 docker-compose --project-directory deploy \
  -f deploy/compose.yaml -f deploy/compose.secured.yaml config >"$work/compose-secured.yaml"
[[ $(grep -c 'HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE: /run/secrets/kafka_password' "$work/compose-secured.yaml") == 3 ]] \
  || { echo "check_manifests: compose.secured.yaml: each instance must read the password file" >&2; exit 1; }
! grep -Eq 'HOOKBRIDGE_RDKAFKA_[A-Z_]*(PASSWORD|SECRET):' "$work/compose-secured.yaml" \
  || { echo "check_manifests: compose.secured.yaml: a password as a value" >&2; exit 1; }

echo "== what the manifests say"
/usr/bin/python3 tests/deploy/check_manifests.py "$source_dir" "$binary" \
  "$work/k8s.yaml" "$work/strimzi.yaml" "$work/compose.yaml" "$work/ingress.yaml"
