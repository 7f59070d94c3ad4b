#!/usr/bin/env bash
# The format gate: every C++ file git tracks is as clang-format-14 writes it
# with the committed .clang-format. Runs first in scripts/test.sh (both tiers),
# so a change that is not formatted fails in seconds, not after the build.
# Fix with: clang-format-14 -i $(git ls-files '*.cc' '*.h')
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v clang-format-14 >/dev/null ||
  { echo "check-format: clang-format-14 is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.cc' '*.h')
if ! clang-format-14 --dry-run -Werror "${files[@]}"; then
  echo "check-format: the files above differ from .clang-format;" \
       "fix with: clang-format-14 -i \$(git ls-files '*.cc' '*.h')" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
