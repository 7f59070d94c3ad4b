#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for
# FUZZ_SECONDS (default 60) from its seed corpus in fuzz/corpus/. A crash,
# leak or sanitizer report fails the run and leaves the input in build-fuzz/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds=${FUZZ_SECONDS:-60}
CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DHOOKBRIDGE_FUZZ=ON -DHOOKBRIDGE_BUILD_TESTS=OFF \
  -DHOOKBRIDGE_WERROR=ON >/dev/null
cmake --build build-fuzz --target webhook_event_fuzzer webhook_handler_fuzzer http_request_fuzzer \
  signature_fuzzer event_fields_fuzzer

for target in webhook_event webhook_handler http_request signature event_fields; do
  work=build-fuzz/corpus-$target
  mkdir -p "$work"
  echo "fuzz: $target for ${seconds}s"
  (cd build-fuzz && "./fuzz/${target}_fuzzer" -max_total_time="$seconds" -max_len=65536 \
     -rss_limit_mb=2048 -print_final_stats=1 "../$work" "../fuzz/corpus/$target" 2>&1 | tail -n 15)
done
