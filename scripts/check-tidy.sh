#!/usr/bin/env bash
# The clang-tidy gate: every C++ file under src/ (and, through the
# HeaderFilterRegex of the committed .clang-tidy, every header of ours it
# includes: include/hookbridge and src/) passes clang-tidy-14 with no finding.
# Runs right after the format check in scripts/test.sh, before any build: it
# needs only the compile database of a configured build directory (cmake
# writes it; the one generated header, version.h, is written at configure
# time too), so a change that breaks a check fails in about a minute.
#
#   scripts/check-tidy.sh [BUILD_DIR]            every file (CI)
#   scripts/check-tidy.sh --changed [BUILD_DIR]  only the src/ files changed
#       against main (committed or not), and for a changed header the .cc of
#       the same name: the quick tier's share, seconds for a small change
#
# BUILD_DIR (default build) is configured first if it has no
# compile_commands.json. Runs one clang-tidy per core (nproc, at most
# TIDY_JOBS).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

changed=false
if [[ ${1:-} == --changed ]]; then changed=true; shift; fi
build=${1:-build}

command -v clang-tidy-14 >/dev/null ||
  { echo "check-tidy: clang-tidy-14 is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
[[ -f $build/compile_commands.json ]] || cmake -S . -B "$build" -G Ninja >/dev/null

if $changed; then
  base=$(git merge-base HEAD main 2>/dev/null || git rev-parse HEAD)
  mapfile -t touched < <({ git diff --name-only "$base" -- src include
                           git ls-files --others --exclude-standard -- src include; } | sort -u)
  files=()
  for path in "${touched[@]}"; do
    [[ -f $path ]] || continue
    case $path in
      src/*.cc) files+=("$path") ;;
      *.h) mapfile -t -O "${#files[@]}" files < <(git ls-files "src/*/$(basename "$path" .h).cc") ;;
    esac
  done
  mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u | sed '/^$/d')
else
  mapfile -t files < <(git ls-files 'src/*.cc')
fi
if [[ ${#files[@]} -eq 0 ]]; then
  echo "check-tidy: no changed files under src/ or include/"
  exit 0
fi

jobs=$(nproc)
[[ -n ${TIDY_JOBS:-} && ${TIDY_JOBS} -lt $jobs ]] && jobs=$TIDY_JOBS
if ! printf '%s\n' "${files[@]}" |
     xargs -P "$jobs" -n 4 clang-tidy-14 -p "$build" --quiet 2>/dev/null; then
  echo "check-tidy: the findings above break .clang-tidy's checks; fix them (the file" \
       "says why each check is on) or, for a false positive, say why in a" \
       "// NOLINTNEXTLINE(check) comment" >&2
  exit 1
fi
echo "check-tidy: ${#files[@]} files pass clang-tidy"
