#!/usr/bin/env bash
# Builds and runs dashboard_lint/ (Grafana's Foundation SDK and Prometheus's
# PromQL parser, pinned by dashboard_lint/go.mod and go.sum, fetched from the
# Go module proxy into the usual Go caches):
#
#   dashboard_lint.sh build BINARY        go build, -mod=readonly (go.sum must cover it)
#   dashboard_lint.sh run BINARY FILE     the checks on one dashboard
#
# A first build on an empty Go cache downloads the modules and compiles them
# (about a minute on 2 cores); later builds reuse Go's caches and take seconds.
# Go comes from go.dev (/usr/local/go/bin), as for scripts/install-helm.sh:
# Debian 12's golang-go (1.19) is older than go.mod's go line.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
die() { echo "dashboard_lint.sh: $*" >&2; exit 1; }
[[ $# -ge 2 ]] || die "usage: dashboard_lint.sh build BINARY | run BINARY FILE"
command=$1 binary=$2

case $command in
  build)
    GO=$(command -v go || true)
    [[ -z $GO && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
    [[ -n $GO ]] || die "no go in PATH or /usr/local/go/bin (Go >= $(sed -n 's/^go //p' "$here/dashboard_lint/go.mod") is needed)"
    start=$SECONDS
    # -buildvcs=false: the binary needs no git stamp, and git may not be
    # usable here. GOTOOLCHAIN=local: a Go older than go.mod's line fails
    # here, with Go's own message, instead of fetching another toolchain.
    (cd "$here/dashboard_lint" &&
       GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0 "$GO" build -trimpath -o "$binary" .) ||
      die "go build of dashboard_lint failed"
    echo "dashboard_lint.sh: built $binary with $("$GO" env GOVERSION) in $((SECONDS - start)) s"
    ;;
  run)
    [[ $# -eq 3 ]] || die "usage: dashboard_lint.sh run BINARY FILE"
    [[ -x $binary ]] || die "$binary is not built (the observability_dashboard_lint_build test builds it)"
    exec "$binary" "$3"
    ;;
  *) die "unknown command $command" ;;
esac
