#!/usr/bin/env bash
# The README's test command, and what CI runs: installs what is missing,
# checks the format first (scripts/check-format.sh: seconds), builds with
# warnings as errors, and runs every suite in the normal build,
# then those that exercise our C++ again in an AddressSanitizer +
# UndefinedBehaviorSanitizer build (not_sanitized below says which not). The
# suites on the real Kafka broker get it from ctest itself (the kafka_broker
# fixture in tests/CMakeLists.txt starts it before the first of them and stops
# it after the last, once per ctest run, on KAFKA_PORT, 19092 by default).
# The cluster suite (label cluster: fault scenarios and a short soak on a
# three-node Kafka cluster in network namespaces, tests/cluster) runs in the
# normal build only: it proves Kafka's replication with hookbridge's producer
# settings, which a sanitizer build does not change, and takes about 14
# minutes (cluster start 30 s, seven scenarios 9.5 min, soak 4 min). Then
# the fuzzers run for a bounded time, and the benchmark runs once in its smoke
# version (seconds; it checks that the harness works, not timings).
#
# scripts/test.sh --quick is the developer's loop, in seconds: the format
# check, then the normal build only (no install step, no sanitizer build,
# fuzzers or benchmark), then the suites that need no broker and no Java:
# ctest labels unit and http (the HTTP server in process, on a fake
# publisher).
#
# Suites (ctest labels): unit, http (the HTTP server in process), kafka_mock
# (the Kafka adapter on librdkafka's mock cluster), e2e and operations (the
# binary over HTTP on the real broker),
# hostile (hostile input, slow clients, overload), faults (loss checker under
# broker and process faults, real brokers), cluster (the loss checker on a
# three-node cluster: leader and controller kills, two of three down, rolling
# restart, a paused node, network partitions, soak), scaleout (three
# instances behind nginx), consumer (the example consumer), cloudevents (the
# official CloudEvents SDKs read every record), deploy (manifests and image).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

case ${1:-} in
  "") ;;
  --quick)
    scripts/check-format.sh
    cmake -S . -B build -G Ninja -DHOOKBRIDGE_WERROR=ON
    cmake --build build
    exec ctest --test-dir build --output-on-failure --timeout 600 -L '^(unit|http)$' ;;
  *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac

scripts/install-deps.sh

echo "== format"
scripts/check-format.sh

# The Kafka jars, now: a first fetch from Maven must not eat into the
# broker's start timeout inside ctest.
scripts/kafka-broker.sh fetch
# The broker that ctest starts for the suites that share it.
broker=(-DHOOKBRIDGE_TEST_KAFKA_PORT="${KAFKA_PORT:-19092}"
        -DHOOKBRIDGE_TEST_KAFKA_STATE_DIR="${KAFKA_STATE_DIR:-/tmp/hookbridge-kafka}")

echo "== build and test"
cmake -S . -B build -G Ninja -DHOOKBRIDGE_WERROR=ON "${broker[@]}"
cmake --build build
ctest --test-dir build --output-on-failure --timeout 600
echo "== loss reports (tests/faults, tests/scaleout, tests/cluster)"
cat build/fault-reports/*.txt build/scaleout-reports/*.txt build/cluster-reports/*.txt

echo "== build and test under ASan + UBSan"
# Not again under the sanitizers: the cluster suite (see above); the checks
# that hold documents, manifests, the chart and alert rules to the code; and
# what other programs (the Java and Python consumers, the CloudEvents SDKs)
# make of the records. The C++ they run is run under the sanitizers by the
# unit, http, e2e and operations suites; what they prove, a sanitizer cannot
# change.
not_sanitized='^(cluster|deploy|helm|docs|contracts|observability|consumer_java|consumer_python|cloudevents)$'
cmake -S . -B build-sanitize -G Ninja -DHOOKBRIDGE_WERROR=ON -DHOOKBRIDGE_SANITIZE=ON "${broker[@]}"
cmake --build build-sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-sanitize --output-on-failure --timeout 600 -LE "$not_sanitized" \
  ${SANITIZE_CTEST_ARGS:-}

echo "== fuzz"
scripts/fuzz.sh

echo "== benchmark smoke"
scripts/bench.sh --smoke
