#!/usr/bin/env bash
# Gives each libFuzzer target about FUZZ_SECONDS (default 60) of CPU time from
# its seed corpus in fuzz/corpus/: all of them at once, each for FUZZ_SECONDS
# x fuzzers / cores of wall time (150 s for 5 fuzzers on a 2-core CI machine:
# the same CPU per fuzzer as one after another, with no round waiting for its
# slowest member; FUZZ_SECONDS where each has a core of its own). The
# fuzzers live in the ASan + UBSan tree of the test suites (build-sanitize/,
# clang-14, scripts/configure-sanitized.sh): scripts/test.sh has built them
# already; run alone, this configures that tree if needed and builds only the
# fuzzers. A crash, leak or sanitizer report fails the run and leaves the
# input in build-sanitize/; each fuzzer's log is build-sanitize/fuzz-NAME.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${FUZZ_SECONDS:-60}
targets=(webhook_event webhook_handler http_request signature event_fields)
cores=$(nproc)  # a fuzzer uses one core at most
(( cores <= ${#targets[@]} )) || cores=${#targets[@]}
wall=$(( (seconds * ${#targets[@]} + cores - 1) / cores ))
grep -q '^HOOKBRIDGE_FUZZ:BOOL=ON' build-sanitize/CMakeCache.txt 2>/dev/null ||
  scripts/configure-sanitized.sh asan >/dev/null
cmake --build build-sanitize --target "${targets[@]/%/_fuzzer}"

run_one() {  # run_one TARGET SECONDS: one fuzzer, its log kept, its verdict the exit code
  local target=$1 work=corpus-$1
  mkdir -p "build-sanitize/$work"
  (cd build-sanitize && "./fuzz/${target}_fuzzer" -max_total_time="$2" -max_len=65536 \
     -rss_limit_mb=2048 -print_final_stats=1 "$work" "../fuzz/corpus/$target" \
     >"fuzz-$target.log" 2>&1)
}
export -f run_one
failed=0
printf '%s\n' "${targets[@]}" |
  xargs -P "${#targets[@]}" -I{} bash -c 'echo "fuzz: {} for $1s"; run_one {} "$1" || { echo "fuzz: {} FAILED"; exit 1; }' _ "$wall" ||
  failed=1
for target in "${targets[@]}"; do
  echo "== fuzz: $target (build-sanitize/fuzz-$target.log)"
  tail -n 15 "build-sanitize/fuzz-$target.log"
done
exit "$failed"
