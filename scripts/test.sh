#!/usr/bin/env bash
# The README's test command, and what CI runs: installs what is missing,
# builds with warnings as errors, starts a real Kafka broker, and runs every
# suite twice: in the normal build, then in an AddressSanitizer +
# UndefinedBehaviorSanitizer build. Then the fuzzers run for a bounded time,
# and the benchmark runs once in its smoke version (seconds; it checks that
# the harness works, not timings). The broker is stopped whatever happened.
#
# Suites (ctest labels): unit, kafka_mock (the Kafka adapter on librdkafka's
# mock cluster), e2e and operations (the binary over HTTP on the real broker),
# hostile (hostile input, slow clients, overload), faults (loss checker under
# broker and process faults, real brokers), scaleout (three instances behind
# nginx), consumer (the example consumer), deploy (manifests and image).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh

export KAFKA_PORT=${KAFKA_PORT:-19092}
trap 'scripts/kafka-broker.sh stop' EXIT
scripts/kafka-broker.sh start
export HOOKBRIDGE_E2E_BROKERS=127.0.0.1:$KAFKA_PORT

echo "== build and test"
cmake -S . -B build -G Ninja -DHOOKBRIDGE_WERROR=ON
cmake --build build
ctest --test-dir build --output-on-failure --timeout 600
echo "== loss reports (tests/faults, tests/scaleout)"
cat build/fault-reports/*.txt build/scaleout-reports/*.txt

echo "== build and test under ASan + UBSan"
cmake -S . -B build-sanitize -G Ninja -DHOOKBRIDGE_WERROR=ON -DHOOKBRIDGE_SANITIZE=ON
cmake --build build-sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-sanitize --output-on-failure --timeout 600 ${SANITIZE_CTEST_ARGS:-}

echo "== fuzz"
scripts/fuzz.sh

echo "== benchmark smoke"
scripts/bench.sh --smoke
