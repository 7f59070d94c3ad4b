#!/usr/bin/env bash
# Configures one of the two instrumented build trees, both with clang-14 at
# -O1 (the sanitizers' own advice: fast enough to run the suites, still finds
# what -O2 finds; line tables only, all a report's stack needs):
#
#   scripts/configure-sanitized.sh asan [CMAKE_ARGS...]   build-sanitize/
#       AddressSanitizer + UndefinedBehaviorSanitizer, the test suites AND the
#       libFuzzer targets (HOOKBRIDGE_FUZZ): scripts/test.sh runs the suites
#       there, scripts/fuzz.sh the fuzzers, from one compile of the code.
#   scripts/configure-sanitized.sh tsan [CMAKE_ARGS...]   build-tsan/
#       ThreadSanitizer, for the suites that exercise threads (scripts/test.sh
#       builds only their targets; tests/tsan_suppressions.txt).
#
# Neither builds the programs of the suites that run in the normal build only
# (HOOKBRIDGE_BUILD_NORMAL_ONLY_TESTS: cluster, faults, secured, deploy,
# contracts; scripts/test.sh says why they are not run again): in the ASan
# tree, which scripts/test.sh builds whole, they cost about 22 s of CPU (about
# 10 s of a cold build on 2 cores, December 2026) for nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

common=(-G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG"
        -DHOOKBRIDGE_WERROR=ON -DHOOKBRIDGE_BUILD_NORMAL_ONLY_TESTS=OFF)
case ${1:-} in
  asan) shift; exec cmake -S . -B build-sanitize "${common[@]}" -DHOOKBRIDGE_SANITIZE=ON \
                     -DHOOKBRIDGE_FUZZ=ON "$@" ;;
  tsan) shift; exec cmake -S . -B build-tsan "${common[@]}" -DHOOKBRIDGE_TSAN=ON "$@" ;;
  *) echo "usage: scripts/configure-sanitized.sh asan|tsan [CMAKE_ARGS...]" >&2; exit 2 ;;
esac
