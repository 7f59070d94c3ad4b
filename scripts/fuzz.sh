#!/usr/bin/env bash
# Runs each libFuzzer target for FUZZ_SECONDS (default 60) from its seed
# corpus in fuzz/corpus/, two at a time (one per core of a CI machine: the
# same time per fuzzer as one after another, in 3 rounds instead of 5). The
# fuzzers live in the ASan + UBSan tree of the test suites (build-sanitize/,
# clang-14, scripts/configure-sanitized.sh): scripts/test.sh has built them
# already; run alone, this configures that tree if needed and builds only the
# fuzzers. A crash, leak or sanitizer report fails the run and leaves the
# input in build-sanitize/; each fuzzer's log is build-sanitize/fuzz-NAME.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${FUZZ_SECONDS:-60}
targets=(webhook_event webhook_handler http_request signature event_fields)
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
  xargs -P 2 -I{} bash -c 'echo "fuzz: {} for $1s"; run_one {} "$1" || { echo "fuzz: {} FAILED"; exit 1; }' _ "$seconds" ||
  failed=1
for target in "${targets[@]}"; do
  echo "== fuzz: $target (build-sanitize/fuzz-$target.log)"
  tail -n 15 "build-sanitize/fuzz-$target.log"
done
exit "$failed"
