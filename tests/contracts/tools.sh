#!/usr/bin/env bash
# The npm-registry validators for docs/api, pinned by package-lock.json and
# installed with `npm ci` into a cache outside the tree (never committed):
#
#   tools.sh CACHE_DIR install                 npm ci, unless this lockfile is installed already
#   tools.sh CACHE_DIR redocly-lint FILE       redocly lint, with tests/contracts/redocly.yaml
#   tools.sh CACHE_DIR asyncapi-validate FILE  the AsyncAPI parser, via validate_asyncapi.cjs
#
# The install is keyed by the lockfile's hash, so a changed pin installs anew
# and the same pin is installed once for every build directory. A missing
# tool is a failure, never a skip.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -ge 2 ]] || { echo "usage: tools.sh CACHE_DIR install|redocly-lint FILE|asyncapi-validate FILE" >&2; exit 2; }
cache=$1 command=$2
shift 2
for tool in node npm sha256sum flock; do
  command -v "$tool" >/dev/null ||
    { echo "tools.sh: $tool is missing (scripts/install-deps.sh installs node and npm)" >&2; exit 1; }
done
stamp=$(cat "$here/package-lock.json" | sha256sum | cut -c1-16)
prefix=$cache/$stamp

case $command in
  install)
    mkdir -p "$cache"
    # Two ctest runs (or build trees) may install at once: one waits.
    exec 9>"$cache/.lock"
    flock 9
    if [[ -f $prefix/.installed ]]; then
      echo "tools.sh: installed already in $prefix"
      exit 0
    fi
    rm -rf "$prefix"
    mkdir -p "$prefix"
    cp "$here/package.json" "$here/package-lock.json" "$prefix/"
    start=$SECONDS
    # --ignore-scripts: validators need no install scripts, and none of their
    # dependencies gets to run code at install time. Debian 12's npm (9.2) is
    # older than @redocly/cli's engines field asks for; it works regardless.
    (cd "$prefix" && npm ci --ignore-scripts --no-audit --no-fund --update-notifier=false --engine-strict=false \
       --cache "$cache/npm-cache" --loglevel=error)
    touch "$prefix/.installed"
    # Older pins are dead weight once this one is in.
    find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name npm-cache ! -name "$stamp" -exec rm -rf {} +
    echo "tools.sh: npm ci took $((SECONDS - start)) s (node $(node --version), npm $(npm --version))"
    ;;
  redocly-lint|asyncapi-validate)
    [[ $# -eq 1 ]] || { echo "usage: tools.sh CACHE_DIR $command FILE" >&2; exit 2; }
    [[ -f $prefix/.installed ]] ||
      { echo "tools.sh: the validators are not installed in $prefix (tools.sh CACHE_DIR install)" >&2; exit 1; }
    if [[ $command == redocly-lint ]]; then
      # No usage telemetry to Redocly and no "new version" look-up: a check
      # talks to no one.
      REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
        exec "$prefix/node_modules/.bin/redocly" lint --config "$here/redocly.yaml" "$1"
    fi
    NODE_PATH=$prefix/node_modules exec node "$here/validate_asyncapi.cjs" "$1"
    ;;
  *) echo "tools.sh: unknown command $command" >&2; exit 2 ;;
esac
