#!/usr/bin/env bash
# The README's test command, and what CI runs (.ci/run), in this order:
#  1. install what is missing (scripts/install-deps.sh);
#  2. the gates, in about a minute, before any build: the format
#     (scripts/check-format.sh) and clang-tidy (scripts/check-tidy.sh, the
#     committed .clang-tidy) on a configured, unbuilt tree;
#  3. the normal build (g++, warnings as errors) and every suite in it;
#  4. the AddressSanitizer + UndefinedBehaviorSanitizer tree (clang-14, -O1,
#     scripts/configure-sanitized.sh): the suites that run our C++ (not those
#     of not_sanitized below), then the fuzzers from the same tree
#     (scripts/fuzz.sh: about 60 CPU-s each, all five at once);
#  5. the ThreadSanitizer tree (clang-14, -O1): only the targets of the suites
#     that exercise threads: unit, http (the connection loop, the outcome
#     mailbox) and kafka_mock (the publisher with librdkafka's threads, the
#     application on the embedded broker), with tests/tsan_suppressions.txt
#     (librdkafka is not instrumented); e2e is not among them: it would need
#     the binary and the broker under TSan too, about 2 more minutes;
#  6. the benchmark once in its smoke version (it checks that the harness
#     works, not timings).
# The suites on the real Kafka broker get it from ctest itself (the
# kafka_broker fixture in tests/CMakeLists.txt starts it before the first of
# them and stops it after the last, once per ctest run, on KAFKA_PORT, 19092
# by default). ctest runs one test at a time, but for the static checks of
# the normal build (documents, manifests, chart, alert rules, API contracts:
# no broker, no timing), two at a time: the suites share the broker, ports
# and a 2-core machine, and timing-bound fault tests must not compete with
# each other.
# The cluster suite (label cluster: fault scenarios and a short soak on a
# three-node Kafka cluster in network namespaces, tests/cluster) runs in the
# normal build only: it proves Kafka's replication with hookbridge's producer
# settings, which a sanitizer build does not change, and took about 8.5
# minutes in a CI run of December 2026 (cluster start 14 s, seven scenarios
# 6.5 min, soak 1.7 min), before each scenario stopped pacing its load once
# its recovery is over: about 50 s less, most of it the rolling restart's
# 40 s of load after the last node was back in sync. The
# sanitizer trees do not build its programs.
#
# scripts/test.sh --quick is the developer's loop, in minutes: the format
# check, clang-tidy on the files changed against main only
# (scripts/check-tidy.sh --changed: seconds for a small change), then the
# normal build only (no install step, no sanitizer build, fuzzers or
# benchmark), then the suites that need no broker and no Java: ctest labels
# unit and http (the HTTP server in process, on a fake publisher).
#
# Suites (ctest labels): unit, http (the HTTP server in process), kafka_mock
# (the Kafka adapter on librdkafka's mock cluster), e2e and operations (the
# binary over HTTP on the real broker),
# hostile (hostile input, slow clients, overload), faults (loss checker under
# broker and process faults, real brokers), cluster (the loss checker on a
# three-node cluster: leader and controller kills, two of three down, rolling
# restart, a paused node, network partitions, soak), scaleout (three
# instances behind nginx), consumer (the example consumer), cloudevents (the
# official CloudEvents SDKs read every record), sender_sdks (Svix's and
# Slack's own signing code against the signature checks), deploy (manifests
# and image), secured (hookbridge and hookbridge-replay on a broker with
# SASL_SSL, mutual TLS and ACLs, and the Java and Python example consumers on
# it: scripts/kafka-secured-broker.sh, which ctest starts on 19094-19096).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The normal tree: optimised as shipped, with -g1 (line tables and function
# names: enough for a backtrace) instead of -g, which costs half again the
# compile time of a test file.
normal=(-G Ninja -DHOOKBRIDGE_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG")

case ${1:-} in
  "") ;;
  --quick)
    scripts/check-format.sh
    cmake -S . -B build "${normal[@]}"
    scripts/check-tidy.sh --changed build
    cmake --build build
    exec ctest --test-dir build --output-on-failure --timeout 600 -L '^(unit|http)$' ;;
  *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac

# Each stage's start, in seconds since this script began (install-deps
# included), so that a slow CI run says where its time went.
stage() { echo "== $1 [at ${SECONDS} s]"; }

scripts/install-deps.sh

stage "format"
scripts/check-format.sh

# The Kafka jars, now: a first fetch from Maven must not eat into the
# broker's start timeout inside ctest.
scripts/kafka-broker.sh fetch
# The broker that ctest starts for the suites that share it.
broker=(-DHOOKBRIDGE_TEST_KAFKA_PORT="${KAFKA_PORT:-19092}"
        -DHOOKBRIDGE_TEST_KAFKA_STATE_DIR="${KAFKA_STATE_DIR:-/tmp/hookbridge-kafka}")

stage "clang-tidy"
cmake -S . -B build "${normal[@]}" "${broker[@]}"
scripts/check-tidy.sh build

stage "build and test"
cmake --build build
# The checks of documents, manifests, the chart, alert rules and API contracts
# share nothing (no broker, free ports only, no timing): two at a time. Then
# every other suite, one at a time.
static='^(deploy|helm|docs|contracts|observability)$'
ctest --test-dir build --output-on-failure --timeout 600 -j2 -L "$static"
ctest --test-dir build --output-on-failure --timeout 600 -LE "$static"
stage "loss reports (tests/faults, tests/scaleout, tests/cluster)"
cat build/fault-reports/*.txt build/scaleout-reports/*.txt build/cluster-reports/*.txt

stage "build and test under ASan + UBSan (clang-14), then the fuzzers in the same tree"
# Not again under the sanitizers: the cluster suite (see above); the checks
# that hold documents, manifests, the chart and alert rules to the code; and
# what other programs (the Java and Python consumers, the CloudEvents SDKs)
# make of the records; and the secured broker's suite (its second broker
# would add a minute and a half; the refusal naming it drives is run under
# the sanitizers by the unit and kafka_mock suites, the password rotation
# only here, unsanitized); and the loss checker's single-broker faults (two
# minutes and more under ASan; the adapter's failure paths they drive, broker
# loss, timeouts, purges and an injected fatal error, run under the
# sanitizers in the kafka_mock suite). The C++ they run is run under the
# sanitizers by the unit, http, kafka_mock, e2e and operations suites; what
# they prove, a sanitizer cannot change. The programs only those suites run
# (the cluster, faults and secured suites', the deploy and contracts checks')
# are not built in this tree (scripts/configure-sanitized.sh).
not_sanitized='^(cluster|faults|deploy|helm|docs|contracts|observability|consumer_java|consumer_python|cloudevents|secured)$'
scripts/configure-sanitized.sh asan "${broker[@]}"
cmake --build build-sanitize
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-sanitize --output-on-failure --timeout 600 -LE "$not_sanitized" \
  ${SANITIZE_CTEST_ARGS:-}
scripts/fuzz.sh

stage "build and test under ThreadSanitizer (clang-14): the suites that exercise threads"
threaded='^(unit|http|kafka_mock)$'
scripts/configure-sanitized.sh tsan "${broker[@]}"
cmake --build build-tsan --target unit_tests rules_tests replay_unit_tests signature_tests \
  http_message_tests http_server_tests kafka_mock_tests app_tests
# Every test those labels have in the normal build must be built here too:
# a new test program under those labels belongs in the list above.
count() { ctest --test-dir "$1" -N -L "$threaded" | sed -n 's/^Total Tests: //p'; }
if [[ $(count build-tsan) != $(count build) ]]; then
  echo "test.sh: build-tsan has $(count build-tsan) tests labelled $threaded, build has" \
       "$(count build): add the missing program to the ThreadSanitizer targets" >&2
  exit 1
fi
# setarch -R: without address randomisation, so clang 14's TSan finds its
# shadow memory free on kernels that randomise more address bits.
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan_suppressions.txt" \
  setarch "$(uname -m)" -R \
  ctest --test-dir build-tsan --output-on-failure --timeout 600 -L "$threaded"

stage "benchmark smoke"
scripts/bench.sh --smoke
stage "done"
