#!/usr/bin/env bash
# Builds Helm from the Go module proxy (`go install`, no other download) and
# caches the binary, for the chart checks in tests/deploy/helm (ctest label
# helm). Prints the binary's path on stdout; a second run only prints it.
#
# A first build downloads and compiles Helm and its Kubernetes dependencies:
# 6 to 9 minutes (3.5 to 4 minutes of CPU) on a 2-core machine shared with
# other work, with empty Go caches; then the binary is cached and a run takes
# milliseconds. Helm v3.22's go.mod wants Go >= 1.26; Debian 12's
# golang-go is 1.19, so Go comes from go.dev (/usr/local/go/bin), as for
# vegeta in scripts/bench.sh.
#
# Env: HELM_VERSION (v3.22.0), HELM_CACHE_DIR
# (~/.cache/hookbridge/helm-VERSION: outside the work tree, so that a fresh
# clone on the same machine, as CI's is, finds it).
set -euo pipefail

VERSION=${HELM_VERSION:-v3.22.0}
CACHE=${HELM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hookbridge/helm-$VERSION}
HELM=$CACHE/helm
# How the binary is built: a cached one built another way is built again.
RECIPE="helm $VERSION, CGO_ENABLED=0, -trimpath, version and Kubernetes version stamped"

die() { echo "install-helm: $*" >&2; exit 1; }

# The cached binary is trusted only if it is the version and build asked for.
if [[ -x $HELM && $(cat "$CACHE/recipe" 2>/dev/null) == "$RECIPE" ]] && "$HELM" version --template '{{.Version}}' 2>/dev/null | grep -qx "$VERSION"; then
  echo "$HELM"
  exit 0
fi

GO=$(command -v go || true)
[[ -z $GO && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
[[ -n $GO ]] || die "Helm $VERSION needs Go to build (go install): no go in PATH or /usr/local/go/bin"
go_version=$("$GO" env GOVERSION)

# Helm's go.mod says which Go it needs and which Kubernetes it is built
# against; the latter is stamped into the binary as Helm's Makefile does
# (the cluster version `helm template` and `helm lint` assume).
mod=$(GOFLAGS= "$GO" mod download -json "helm.sh/helm/v3@$VERSION" |
      sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p' || true)
[[ -f $mod ]] || die "go mod download helm.sh/helm/v3@$VERSION failed"
need_go=$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$mod")
[[ $need_go =~ ^1\.([0-9]+) ]] && need_minor=${BASH_REMATCH[1]} || die "no go line in $mod"
[[ $go_version =~ ^go1\.([0-9]+) ]] && ((BASH_REMATCH[1] >= need_minor)) ||
  die "Helm $VERSION needs Go >= $need_go, $GO is $go_version (Debian 12's golang-go is 1.19: install Go from go.dev)"
client_go=$(sed -n 's/^[[:space:]]*k8s\.io\/client-go v0\.\([0-9]*\)\..*/\1/p' "$mod" | head -n 1)
[[ -n $client_go ]] || die "no k8s.io/client-go in $mod"

mkdir -p "$CACHE"
# Build into a temporary directory and rename: an interrupted or concurrent
# build never leaves a half-written binary that later runs would trust.
tmp=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "install-helm: building helm $VERSION with go install ($go_version); the first build takes minutes" >&2
started=$SECONDS
# Static (CGO_ENABLED=0) and stamped as Helm's release builds are.
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$VERSION"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$client_go"
done
CGO_ENABLED=0 GOBIN=$tmp "$GO" install -trimpath -ldflags "$ldflags" \
  "helm.sh/helm/v3/cmd/helm@$VERSION" >&2 ||
  die "go install helm.sh/helm/v3/cmd/helm@$VERSION failed"
"$tmp/helm" version --template '{{.Version}}' | grep -qx "$VERSION" ||
  die "the helm built does not say it is $VERSION"
mv -f "$tmp/helm" "$HELM"
echo "$RECIPE" >"$CACHE/recipe"
echo "install-helm: helm $VERSION built in $((SECONDS - started)) s into $HELM" >&2
echo "$HELM"
