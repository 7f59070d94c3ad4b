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

echo "== docker-compose config ($(docker-compose version --short 2>/dev/null))"
# No engine is needed for this: it validates the file against the compose
# schema and prints it resolved (anchors merged, paths absolute).
docker-compose --project-directory deploy -f deploy/compose.yaml config >"$work/compose.yaml"

echo "== what the manifests say"
/usr/bin/python3 tests/deploy/check_manifests.py "$source_dir" "$binary" \
  "$work/k8s.yaml" "$work/strimzi.yaml" "$work/compose.yaml" "$work/ingress.yaml"
