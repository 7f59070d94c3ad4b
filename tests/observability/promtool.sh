#!/usr/bin/env bash
# Runs promtool with the given arguments, in the directory of the last one
# (the rule file, or the unit-test file whose rule_files are relative to it).
# A missing promtool is a failure, never a skip: scripts/install-deps.sh
# installs it with Debian's prometheus package.
set -euo pipefail
command -v promtool >/dev/null ||
  { echo "promtool is missing: install Debian's prometheus package (scripts/install-deps.sh)" >&2; exit 1; }
file=${*: -1}
cd "$(dirname "$file")"
echo "== $(promtool --version 2>&1 | head -n 1)"
exec promtool "${@:1:$#-1}" "$(basename "$file")"
