#!/usr/bin/env bash
# The benchmark (bench/README.md): builds a Release hookbridge, starts a real
# Kafka broker, measures hookbridge and its baselines under the same load on
# the same broker, and writes raw numbers and a Markdown report to
# bench-results/<UTC time>/ (bench-results/latest points at the last one).
#
# Usage: scripts/bench.sh [--smoke] [--only SYSTEM[,SYSTEM...]]
#        scripts/bench.sh --compare REV [--smoke]
#
#   --smoke   one short run of each measurement (about 95 s once built):
#             proves the harness works, says nothing about performance
#   --only    measure only these of: micro producer nginx hookbridge express
#             newconn churn cores (the last three: issue 26's scenarios, below)
#   --compare REV
#             hookbridge's side only (and nginx once for newconn), side by
#             side: builds a Release hookbridge from
#             the git revision REV ("base", cached in BUILD-base/<commit>/) and
#             from this tree ("new", uncommitted changes included), starts one
#             broker, and measures the two in turn, BENCH_ROUNDS rounds (base
#             first in odd rounds, new first in even ones), each round every
#             closed-loop connection count and open-loop rate. Writes
#             compare.md: per scenario the median over the rounds of each side
#             and new/base. With --smoke: short runs, 2 rounds (about 3 minutes
#             with both builds, says nothing about performance). Then newconn,
#             churn and cores once for base and new (below), in the same report.
#
# New connections, handshake churn, every core (issue 26; bench/README.md):
#   newconn   one request per new connection (vegeta -keepalive=false
#             -http2=false), open loop at each of BENCH_NEWCONN_RATES, plain
#             and TLS, hookbridge and nginx `return 200` (BENCH_HTTP_LOOPS
#             workers) side by side, one self-signed ECDSA P-256 certificate;
#             then TLS session resumption (bench/newconn, a Go client with a
#             session cache) against full handshakes at BENCH_RESUME_RATE
#   churn     hookbridge over TLS at BENCH_CHURN_RATE on kept-alive
#             connections, alone, then while bench/newconn opens new TLS
#             connections with BENCH_CHURN_WORKERS senders, closed loop
#   cores     hookbridge_fake_publisher (the HTTP server and webhook handler,
#             no Kafka) under wrk at BENCH_CORES_CONNECTIONS, each writing
#             BENCH_CORES_PIPELINE requests at once (HTTP/1.1 pipelining, so
#             that wrk costs little per request and the server is the limit),
#             with each of BENCH_CORES_LOOPS connection loops (HOOKBRIDGE_HTTP_LOOPS)
#
# After the timed runs, a profiling pass (bench/README.md, "Where the time
# goes") loads hookbridge and nginx (--compare: base and new) once more at
# BENCH_PROFILE_CONNECTIONS closed loop and BENCH_PROFILE_RATE open loop: CPU
# time, context switches and system calls per thread role, and a flame graph
# from perf record. Then bench/plots.py draws the PNGs the report shows.
#
# Settings (environment; full run / --smoke):
#   BENCH_RUNS (3 / 1)              wrk runs per connection count (median taken); not --compare
#   BENCH_ROUNDS (3 / 2)            --compare: rounds, each measuring both sides once per scenario
#   BENCH_DURATION (10 / 2)         seconds per wrk run
#   BENCH_CONNECTIONS ("64 512")    wrk keep-alive connections, closed loop ("" for none)
#   BENCH_RATES ("1000 5000 half" / "1000"; --compare: "1000 5000")  vegeta open-loop rates in req/s;
#                                   "half" is 50% of the system's measured maximum ("" for none; not --compare)
#   BENCH_RATE_DURATION (10 / 2)    seconds per vegeta rate
#   BENCH_WARMUP (3 / 1)            seconds of unrecorded wrk load before measuring
#   BENCH_BROKER_WARMUP (30 / 5)    --compare: seconds of unrecorded load on the new broker
#                                   (through the new build) before the first round
#   BENCH_PRODUCER_RECORDS (300000 / 20000)  records per producer-only run
#   BENCH_PROFILES (10000 / 2000)   distinct 1 KB bodies (profiles) the load rotates through
#   BENCH_PARTITIONS (6)            partitions of each benchmark topic
#   BENCH_WRK_THREADS (2)           wrk threads
#   BENCH_TIMEOUT (10)              seconds before the load tools give up on a request
#   BENCH_MICRO_MIN_TIME (0.5 / 0.01)  Google Benchmark --benchmark_min_time
#   BENCH_PROFILE (1)               0: no profiling pass
#   BENCH_PROFILE_DURATION (10 / 1) seconds per profiling run (two runs per scenario)
#   BENCH_PROFILE_CONNECTIONS (64)  wrk connections of the profiled closed loop
#   BENCH_PROFILE_RATE (1000)       vegeta rate of the profiled open loop
#   BENCH_PROFILE_FREQUENCY (199)   perf record samples per second of a thread's CPU time
#   BENCH_HTTP_LOOPS (HOOKBRIDGE_HTTP_LOOPS, else hookbridge's default: one per two CPUs)
#                                   HOOKBRIDGE_HTTP_LOOPS given to every hookbridge build that
#                                   knows the setting (--help names it; older builds have 1 loop
#                                   and refuse the variable), and nginx's worker_processes in newconn
#   BENCH_NEWCONN_RATES ("250 500 1000 2000 4000" / "200")  newconn: new connections per second
#   BENCH_NEWCONN_DURATION (10 / 1) seconds per newconn rate, and per resumption run
#   BENCH_RESUME_RATE (500 / 100)   newconn: new TLS connections per second, full and resumed
#   BENCH_CHURN_RATE (1000 / 200)   churn: webhooks per second on kept-alive TLS connections
#   BENCH_CHURN_WORKERS (32 / 8)    churn: senders opening new TLS connections, closed loop
#   BENCH_CHURN_DURATION (10 / 1)   churn: seconds per run (alone, and with the churn)
#   BENCH_CORES_LOOPS ("1 2")       cores: connection loops to measure (HOOKBRIDGE_HTTP_LOOPS)
#   BENCH_CORES_CONNECTIONS (64)    cores: wrk connections, closed loop
#   BENCH_CORES_PIPELINE (32)       cores: requests wrk writes at once per connection (1: no pipelining)
#   BENCH_CORES_DURATION (10 / 1)   cores: seconds per loop count
#   BENCH_KAFKA_PORT (19392)        the benchmark broker's port (and port+1)
#   BENCH_KAFKA_STATE_DIR (a new temporary directory)  the benchmark broker's state;
#                                   wiped when the broker starts and when it stops
#   BENCH_BUILD_DIR (build-bench)   the Release build directory
#   BENCH_RESULTS_DIR (bench-results)
# Every request carries a new event id (bench/load/), and after each
# hookbridge server's runs the benchmark stops with an error if that server
# answered any duplicate (hookbridge_duplicates_total, where the build has it).
#
# HOOKBRIDGE_* variables in the environment are passed on to hookbridge (for
# example HOOKBRIDGE_RDKAFKA_LINGER_MS=5); the report lists the settings in force.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

log() { echo "bench [$((SECONDS - ${STARTED_AT:-0}))s]: $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

SMOKE=0
ONLY=""
COMPARE=""
while (($#)); do
  case $1 in
    --smoke) SMOKE=1 ;;
    --only) [[ $# -ge 2 ]] || die "--only needs a list, e.g. --only hookbridge,express"; ONLY=$2; shift ;;
    --only=*) ONLY=${1#--only=} ;;
    --compare) [[ $# -ge 2 ]] || die "--compare needs a git revision, e.g. --compare HEAD~3"; COMPARE=$2; shift ;;
    --compare=*) COMPARE=${1#--compare=} ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

ALL_SYSTEMS=(micro producer nginx hookbridge express newconn churn cores)
SYSTEMS=()
BASE_COMMIT=""
if [[ -n $COMPARE ]]; then
  [[ -z $ONLY ]] || die "--compare measures hookbridge only: drop --only"
  BASE_COMMIT=$(git rev-parse --verify --quiet "$COMPARE^{commit}") ||
    die "--compare: '$COMPARE' is not a commit of this repository"
  SYSTEMS=(hookbridge newconn churn cores)
elif [[ -z $ONLY ]]; then
  SYSTEMS=("${ALL_SYSTEMS[@]}")
else
  IFS=, read -ra wanted <<<"$ONLY"
  for system in "${wanted[@]}"; do
    [[ " ${ALL_SYSTEMS[*]} " == *" $system "* ]] || die "--only: unknown system '$system' (one of: ${ALL_SYSTEMS[*]})"
    SYSTEMS+=("$system")
  done
fi
wants() { [[ " ${SYSTEMS[*]} " == *" $1 "* ]]; }

pick() { if ((SMOKE)); then echo "$2"; else echo "$1"; fi; }
RUNS=${BENCH_RUNS:-$(pick 3 1)}
ROUNDS=${BENCH_ROUNDS:-$(pick 3 2)}
DURATION=${BENCH_DURATION:-$(pick 10 2)}
CONNECTIONS=${BENCH_CONNECTIONS-64 512}
if [[ -n $COMPARE ]]; then
  RATES=${BENCH_RATES-1000 5000}
else
  RATES=${BENCH_RATES-$(pick "1000 5000 half" "1000")}
fi
RATE_DURATION=${BENCH_RATE_DURATION:-$(pick 10 2)}
WARMUP=${BENCH_WARMUP:-$(pick 3 1)}
BROKER_WARMUP=${BENCH_BROKER_WARMUP:-$(pick 30 5)}
PRODUCER_RECORDS=${BENCH_PRODUCER_RECORDS:-$(pick 300000 20000)}
PROFILES=${BENCH_PROFILES:-$(pick 10000 2000)}
PARTITIONS=${BENCH_PARTITIONS:-6}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
TIMEOUT=${BENCH_TIMEOUT:-10}
MICRO_MIN_TIME=${BENCH_MICRO_MIN_TIME:-$(pick 0.5 0.01)}
PROFILE=${BENCH_PROFILE:-1}
PROFILE_DURATION=${BENCH_PROFILE_DURATION:-$(pick 10 1)}
PROFILE_CONNECTIONS=${BENCH_PROFILE_CONNECTIONS:-64}
PROFILE_RATE=${BENCH_PROFILE_RATE:-1000}
PROFILE_FREQUENCY=${BENCH_PROFILE_FREQUENCY:-199}
BENCH_KAFKA_PORT=${BENCH_KAFKA_PORT:-19392}
# The default as hookbridge's own (DefaultHttpLoops(), src/core/config.cc).
HTTP_LOOPS=${BENCH_HTTP_LOOPS:-${HOOKBRIDGE_HTTP_LOOPS:-$(( ($(nproc) + 1) / 2 ))}}
unset HOOKBRIDGE_HTTP_LOOPS  # given per build, to those that know it (hb_env)
NEWCONN_RATES=${BENCH_NEWCONN_RATES-$(pick "250 500 1000 2000 4000" "200")}
NEWCONN_DURATION=${BENCH_NEWCONN_DURATION:-$(pick 10 1)}
RESUME_RATE=${BENCH_RESUME_RATE:-$(pick 500 100)}
CHURN_RATE=${BENCH_CHURN_RATE:-$(pick 1000 200)}
CHURN_WORKERS=${BENCH_CHURN_WORKERS:-$(pick 32 8)}
CHURN_DURATION=${BENCH_CHURN_DURATION:-$(pick 10 1)}
CORES_LOOPS=${BENCH_CORES_LOOPS-1 2}
CORES_CONNECTIONS=${BENCH_CORES_CONNECTIONS:-64}
CORES_PIPELINE=${BENCH_CORES_PIPELINE:-32}
CORES_DURATION=${BENCH_CORES_DURATION:-$(pick 10 1)}
BUILD=${BENCH_BUILD_DIR:-build-bench}
RESULTS_ROOT=${BENCH_RESULTS_DIR:-$ROOT/bench-results}
API_KEY=bench-key-0123456789abcdef
VEGETA_VERSION=v12.13.0
TOOLS_BIN=$ROOT/.cache/bench/bin
VEGETA=$TOOLS_BIN/vegeta
NEWCONN=$TOOLS_BIN/newconn

for n in RUNS ROUNDS DURATION RATE_DURATION WARMUP BROKER_WARMUP PRODUCER_RECORDS PROFILES PARTITIONS WRK_THREADS TIMEOUT BENCH_KAFKA_PORT \
  PROFILE_DURATION PROFILE_CONNECTIONS PROFILE_RATE PROFILE_FREQUENCY HTTP_LOOPS NEWCONN_DURATION RESUME_RATE \
  CHURN_RATE CHURN_WORKERS CHURN_DURATION CORES_CONNECTIONS CORES_PIPELINE CORES_DURATION; do
  [[ ${!n} =~ ^[0-9]+$ && ${!n} -gt 0 ]] || die "$n must be a positive integer, not '${!n}'"
done
[[ $PROFILE == [01] ]] || die "BENCH_PROFILE must be 0 or 1, not '$PROFILE'"
for c in $CONNECTIONS; do [[ $c =~ ^[0-9]+$ ]] || die "BENCH_CONNECTIONS: '$c' is not a number"; done
for r in $NEWCONN_RATES; do [[ $r =~ ^[0-9]+$ && $r -gt 0 ]] || die "BENCH_NEWCONN_RATES: '$r' is not a positive number"; done
for l in $CORES_LOOPS; do [[ $l =~ ^[0-9]+$ && $l -gt 0 ]] || die "BENCH_CORES_LOOPS: '$l' is not a positive number"; done
for r in $RATES; do [[ $r =~ ^[0-9]+$ || $r == half ]] || die "BENCH_RATES: '$r' is neither a number nor 'half'"; done
if [[ -n $COMPARE ]]; then
  [[ " $RATES " != *" half "* ]] ||
    die "BENCH_RATES: 'half' has no place in --compare (it would give each side a rate of its own)"
  [[ -n ${CONNECTIONS// /}${RATES// /} ]] || die "--compare: BENCH_CONNECTIONS and BENCH_RATES are both empty"
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)$([[ -n $COMPARE ]] && echo -compare || true)$( ((SMOKE)) && echo -smoke || true)
OUT=$RESULTS_ROOT/$STAMP
RAW=$OUT/raw
mkdir -p "$RAW" "$OUT/logs" "$OUT/meta"
WORK=$(mktemp -d /tmp/hookbridge-bench.XXXXXX)
KAFKA_STATE=${BENCH_KAFKA_STATE_DIR:-$WORK/kafka}
STARTED_AT=$SECONDS

# --- clean-up: every process this script started, and the broker -----------
SERVER_PIDS=()
BROKER_STARTED=0
broker() { KAFKA_PORT=$BENCH_KAFKA_PORT KAFKA_CONTROLLER_PORT=$((BENCH_KAFKA_PORT + 1)) \
  KAFKA_STATE_DIR=$KAFKA_STATE scripts/kafka-broker.sh "$@"; }
stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
# The broker's start-up when it runs in the background (start_broker).
BROKER_START_PID=""
cleanup() {
  local status=$?
  set +e
  for pid in "${SERVER_PIDS[@]}"; do stop_pid "$pid"; done
  # A start still under way first, so that it launches no broker after the stop.
  [[ -n $BROKER_START_PID ]] && stop_pid "$BROKER_START_PID"
  ((BROKER_STARTED)) && broker stop >/dev/null 2>&1
  rm -rf "$WORK"
  if ((status != 0)); then
    log "FAILED (exit $status); what was recorded is in $OUT"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Each keep-alive connection is a file descriptor, in the load generator and
# in every server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# --- tools ------------------------------------------------------------------
log "results go to $OUT"
if [[ -n $COMPARE ]]; then
  log "comparing hookbridge at $COMPARE (${BASE_COMMIT:0:12}, base) with this tree (new), $ROUNDS rounds$( ((SMOKE)) && echo ' (quick run: numbers mean little)' || true)"
else
  log "systems: ${SYSTEMS[*]}$( ((SMOKE)) && echo ' (smoke run: numbers mean nothing)' || true)"
fi
scripts/install-deps.sh

need() { command -v "$1" >/dev/null || die "$1 is not installed ($2)"; }
need python3 "the report and the measurements"
# The interpreter itself, not a version manager's shim in front of it (pyenv's
# costs about 0.4 s a call here, and a smoke run makes some sixty calls).
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
[[ -x $PYTHON ]] || die "python3 does not say where its interpreter is (sys.executable: '$PYTHON')"
need curl "readiness probes (scripts/install-deps.sh installs it)"
# Go >= 1.22 (vegeta and bench/newconn are built with it): sets GO and go_version.
find_go() {
  GO=$(command -v go || true)
  [[ -z $GO && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
  [[ -n $GO ]] || die "vegeta and bench/newconn need Go >= 1.22 to build: no go in PATH or /usr/local/go/bin"
  go_version=$("$GO" env GOVERSION)
  [[ $go_version =~ ^go1\.([0-9]+) ]] && ((BASH_REMATCH[1] >= 22)) ||
    die "vegeta $VEGETA_VERSION and bench/newconn need Go >= 1.22, $GO is $go_version (Debian 12's golang-go is 1.19: install Go from go.dev or bookworm-backports)"
}
if wants nginx || wants hookbridge || wants express || wants newconn || wants churn || wants cores; then
  need wrk "closed-loop load (scripts/install-deps.sh installs it)"
  if [[ -x $VEGETA && $(cat "$TOOLS_BIN/vegeta.version" 2>/dev/null) == "$VEGETA_VERSION" ]]; then
    :
  else
    find_go
    log "installing vegeta $VEGETA_VERSION into $TOOLS_BIN (go install, $go_version)"
    mkdir -p "$TOOLS_BIN"
    GOBIN=$TOOLS_BIN GOFLAGS=-mod=mod "$GO" install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION" ||
      die "go install of vegeta $VEGETA_VERSION failed"
    echo "$VEGETA_VERSION" >"$TOOLS_BIN/vegeta.version"
  fi
fi
if wants newconn || wants churn; then
  need openssl "the benchmark's TLS certificate (scripts/install-deps.sh installs it)"
  need nginx "the new-connection baseline"
  # The standard library only (bench/newconn/go.mod): go build downloads nothing.
  find_go
  mkdir -p "$TOOLS_BIN"
  (cd bench/newconn && GOTOOLCHAIN=local GOFLAGS=-mod=mod "$GO" build -o "$NEWCONN" .) >"$OUT/logs/newconn-build.log" 2>&1 ||
    { cat "$OUT/logs/newconn-build.log" >&2; die "bench/newconn does not build ($go_version)"; }
fi
if ((PROFILE)) && { wants nginx || wants hookbridge; }; then
  need perf "the profiling pass (Debian: linux-perf; scripts/install-deps.sh installs it)"
  # perf counts system calls at the raw_syscalls tracepoints, which need tracefs.
  [[ -d /sys/kernel/tracing/events/raw_syscalls ]] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
    die "tracefs is not mounted on /sys/kernel/tracing and could not be (the profiling pass counts system calls with it; BENCH_PROFILE=0 skips the pass)"
  perf stat -e raw_syscalls:sys_enter,context-switches -o /dev/null -- true 2>"$OUT/logs/perf-check.log" ||
    { cat "$OUT/logs/perf-check.log" >&2; die "perf stat cannot count system calls here (BENCH_PROFILE=0 skips the profiling pass)"; }
fi
PLOT_PYTHON=""
if wants nginx || wants hookbridge || wants express || wants newconn || wants churn || wants cores; then
  PLOT_PYTHON=$(scripts/plotting-python.sh) || die "scripts/plotting-python.sh could not set up matplotlib (PyPI)"
fi
wants producer && need kcat "producer-only baseline"
wants nginx && need nginx "HTTP ceiling baseline"
if wants express; then
  need node "Express baseline (Debian: nodejs)"
  need npm "Express baseline (Debian: npm)"
  lock_sum=$(sha256sum bench/express/package-lock.json | cut -d' ' -f1)
  if [[ $(cat bench/express/node_modules/.bench-lock-sha256 2>/dev/null) != "$lock_sum" ]]; then
    log "npm ci in bench/express"
    (cd bench/express && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in bench/express failed"
    echo "$lock_sum" >bench/express/node_modules/.bench-lock-sha256
  fi
fi

# --- the broker -------------------------------------------------------------
# A single-node KRaft broker takes about 25 s to start here. start_broker
# launches that in the background; await_broker waits for it and creates the
# topics, and every system that needs the broker calls it first. The smoke run
# starts the broker now, so that it starts while the Release build and the
# systems without Kafka (micro, nginx) run; a measuring run starts it after the
# micro-benchmark and awaits it at once, so that no figure shares the machine
# with a starting JVM.
BROKER_PID="" BROKERS=127.0.0.1:$BENCH_KAFKA_PORT
BROKER_ARGS=()
need_broker() { wants producer || wants hookbridge || wants express || wants newconn || wants churn; }
start_broker() {
  need_broker || return 0
  log "starting the Kafka broker on $BROKERS"
  BROKER_STARTED=1
  broker start >"$OUT/logs/broker-start.log" 2>&1 &
  BROKER_START_PID=$!
}
await_broker() {
  [[ -n $BROKER_START_PID ]] || return 0
  wait "$BROKER_START_PID" || { BROKER_START_PID=""; cat "$OUT/logs/broker-start.log" >&2; die "the Kafka broker did not start"; }
  BROKER_START_PID=""
  BROKER_PID=$(broker pid)
  BROKER_ARGS=(--broker-pid "$BROKER_PID")
  local system
  for system in producer hookbridge express newconn churn; do
    wants "$system" || continue
    broker create-topic "bench.$system" "$PARTITIONS" >/dev/null || die "could not create topic bench.$system"
  done
  log "the Kafka broker is ready"
}
if ((SMOKE)); then start_broker; fi

# --- build ------------------------------------------------------------------
build_hookbridge() { # SOURCE_DIR BUILD_DIR LOG [TARGET...]
  local source=$1 build=$2 build_log=$3
  shift 3
  if ! { cmake -S "$source" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOOKBRIDGE_BUILD_TESTS=OFF \
           -DHOOKBRIDGE_BUILD_EXAMPLES=OFF -DHOOKBRIDGE_BUILD_BENCHMARKS=ON &&
         cmake --build "$build" --target hookbridge "$@"; } >"$build_log" 2>&1; then
    tail -n 40 "$build_log" >&2
    die "the Release build in $build failed (log: $build_log)"
  fi
}
# The server of cores, and newconn's HTTP front without Kafka
# (bench/fake_publisher), built beside hookbridge.
FAKE_TARGET=()
{ wants cores || wants newconn; } && FAKE_TARGET=(hookbridge_fake_publisher)
log "building hookbridge (Release) in $BUILD"
build_hookbridge . "$BUILD" "$OUT/logs/build.log" "${FAKE_TARGET[@]}"
HOOKBRIDGE=$BUILD/hookbridge
FAKE_PUBLISHER=""
((${#FAKE_TARGET[@]})) && FAKE_PUBLISHER=$BUILD/bench/fake_publisher/hookbridge_fake_publisher
"$HOOKBRIDGE" --version >"$OUT/meta/hookbridge-version.txt" 2>&1 || die "$HOOKBRIDGE --version failed"

# --compare: the base revision's source (git archive) and Release build, kept
# in BUILD-base/<commit>/ for the next comparison with the same commit.
BASE_HOOKBRIDGE="" BASE_FAKE_PUBLISHER=""
if [[ -n $COMPARE ]]; then
  base_root=${BUILD%/}-base/$BASE_COMMIT
  if [[ ! -f $base_root/src/.bench-extracted ]]; then
    log "base: extracting $COMPARE (${BASE_COMMIT:0:12}) into $base_root/src"
    rm -rf "$base_root/src"
    mkdir -p "$base_root/src"
    git archive "$BASE_COMMIT" | tar -x -C "$base_root/src" || die "git archive $BASE_COMMIT failed"
    touch "$base_root/src/.bench-extracted"
  fi
  # A base without bench/fake_publisher gets this tree's, built against the
  # base's own HTTP server and handler, so that cores and newconn have a before too.
  if ((${#FAKE_TARGET[@]})) && ! grep -q 'bench/fake_publisher' "$base_root/src/CMakeLists.txt"; then
    log "base: adding this tree's bench/fake_publisher to its source (it has none)"
    cp -r bench/fake_publisher "$base_root/src/bench/"
    printf '\n# Added by scripts/bench.sh --compare (cores scenario).\nif(HOOKBRIDGE_BUILD_BENCHMARKS)\n  add_subdirectory(bench/fake_publisher)\nendif()\n' \
      >>"$base_root/src/CMakeLists.txt"
    echo "bench/fake_publisher added from $(git rev-parse --short HEAD) by scripts/bench.sh" >"$OUT/meta/base-fake-publisher.txt"
  fi
  log "base: building hookbridge (Release) in $base_root/build"
  build_hookbridge "$base_root/src" "$base_root/build" "$OUT/logs/build-base.log" "${FAKE_TARGET[@]}"
  BASE_HOOKBRIDGE=$base_root/build/hookbridge
  BASE_FAKE_PUBLISHER=""
  ((${#FAKE_TARGET[@]})) && BASE_FAKE_PUBLISHER=$base_root/build/bench/fake_publisher/hookbridge_fake_publisher
  # timeout: a revision that does not know a flag might start serving instead.
  timeout 10 "$BASE_HOOKBRIDGE" --version >"$OUT/meta/hookbridge-version-base.txt" 2>&1 ||
    log "base: $BASE_HOOKBRIDGE --version failed (recorded in meta/hookbridge-version-base.txt)"
fi

MICRO=""
if wants micro; then
  if cmake --build "$BUILD" --target help 2>/dev/null | grep -q '^hookbridge_micro_bench:'; then
    if ! cmake --build "$BUILD" --target hookbridge_micro_bench >>"$OUT/logs/build.log" 2>&1; then
      tail -n 40 "$OUT/logs/build.log" >&2
      die "the micro-benchmark (hookbridge_micro_bench) does not build (log: $OUT/logs/build.log)"
    fi
    MICRO=$(find "$BUILD" -name hookbridge_micro_bench -type f -perm -u+x | head -n 1)
    [[ -n $MICRO ]] || die "hookbridge_micro_bench was built but not found under $BUILD"
  else
    log "micro: this tree has no hookbridge_micro_bench target (-DHOOKBRIDGE_BUILD_BENCHMARKS=ON): skipped"
    echo "this tree has no CMake target hookbridge_micro_bench" >"$RAW/micro-unavailable.txt"
  fi
fi

# --- what the report needs to know about the machine and the run ------------
git rev-parse HEAD >"$OUT/meta/commit.txt" 2>/dev/null || echo unknown >"$OUT/meta/commit.txt"
git status --porcelain 2>/dev/null | head -n 50 >"$OUT/meta/dirty.txt" || true
if [[ -n $COMPARE ]]; then
  git log -1 --format=%s HEAD >"$OUT/meta/subject.txt" 2>/dev/null || true
  echo "$BASE_COMMIT" >"$OUT/meta/base-commit.txt"
  echo "$COMPARE" >"$OUT/meta/base-rev.txt"
  git log -1 --format=%s "$BASE_COMMIT" >"$OUT/meta/base-subject.txt"
fi
{
  echo "kernel: $(uname -srm)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "cores: $(nproc)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/meta/machine.txt"
{
  echo "hookbridge: $(head -n 1 "$OUT/meta/hookbridge-version.txt")"
  [[ -n $COMPARE ]] && echo "hookbridge (base): $(head -n 1 "$OUT/meta/hookbridge-version-base.txt")"
  command -v wrk >/dev/null && echo "wrk: $(wrk -v 2>&1 | head -n 1)"
  [[ -x $VEGETA ]] && echo "vegeta: $VEGETA_VERSION ($("$VEGETA" -version 2>&1 | grep Runtime | sed 's/Runtime: //'))"
  command -v kcat >/dev/null && echo "kcat: $(kcat -V 2>&1 | grep -m1 -o 'kcat - .*\|Version .*' | head -n 1)"
  command -v nginx >/dev/null && echo "nginx: $(nginx -v 2>&1 | sed 's/nginx version: //')"
  command -v node >/dev/null && echo "node: $(node --version)"
  if wants express; then
    node -e 'const l=require("./bench/express/package-lock.json").packages;
      for (const p of ["express","kafkajs"]) console.log(p + ": " + l["node_modules/" + p].version)'
  fi
  echo "kafka: ${KAFKA_VERSION:-4.1.1} (scripts/kafka-broker.sh, single node, KRaft)"
  echo "java: $(java -version 2>&1 | head -n 1)"
} >"$OUT/meta/versions.txt"
"$PYTHON" - "$OUT/meta/settings.json" "$COMPARE" <<EOF
import json, sys
json.dump({
  "smoke": bool($SMOKE), "systems": "${SYSTEMS[*]}".split(), "runs": $RUNS,
  "duration_s": $DURATION, "connections": [int(c) for c in "$CONNECTIONS".split()],
  "rates": "$RATES".split(), "rate_duration_s": $RATE_DURATION, "warmup_s": $WARMUP,
  "producer_records": $PRODUCER_RECORDS, "profiles": $PROFILES, "partitions": $PARTITIONS,
  "wrk_threads": $WRK_THREADS, "timeout_s": $TIMEOUT, "micro_min_time": "$MICRO_MIN_TIME",
  "body_bytes": 1024, "build_dir": "$BUILD",
  "compare": sys.argv[2] or None, "base_commit": "$BASE_COMMIT" or None,
  "rounds": $ROUNDS if sys.argv[2] else None, "broker_warmup_s": $BROKER_WARMUP if sys.argv[2] else None,
  "http_loops": $HTTP_LOOPS, "newconn_rates": [int(r) for r in "$NEWCONN_RATES".split()],
  "newconn_duration_s": $NEWCONN_DURATION, "resume_rate": $RESUME_RATE, "churn_rate": $CHURN_RATE,
  "churn_workers": $CHURN_WORKERS, "churn_duration_s": $CHURN_DURATION,
  "cores_loops": [int(l) for l in "$CORES_LOOPS".split()], "cores_connections": $CORES_CONNECTIONS,
  "cores_duration_s": $CORES_DURATION, "cores_pipeline": $CORES_PIPELINE,
}, open(sys.argv[1], "w"), indent=1)
EOF

# --- the micro-benchmark: before the broker starts (but in the smoke run), on a quieter machine
if [[ -n $MICRO ]]; then
  log "micro: $MICRO (${RUNS} repetitions, min time ${MICRO_MIN_TIME} s)"
  mkdir -p "$RAW/micro"
  "$MICRO" --benchmark_format=json --benchmark_out="$RAW/micro/results.json" --benchmark_out_format=json \
    --benchmark_min_time="$MICRO_MIN_TIME" --benchmark_repetitions="$RUNS" \
    --benchmark_report_aggregates_only=true >"$OUT/logs/micro.log" 2>&1 ||
    { tail -n 20 "$OUT/logs/micro.log" >&2; die "the micro-benchmark failed"; }
fi

# --- the load ---------------------------------------------------------------
"$PYTHON" bench/load/bodies.py bodies "$PROFILES" "$WORK"
BODIES=$WORK/bodies.txt
RECORDS=$WORK/records.tsv
# Where the event id's RUN, STREAM and SEQ fields are in every body (zeros):
# the load tools write a new id there on every request (bench/load/bodies.py).
ID_TAIL_ZEROS=0000000000_000_00000000000
grep -q "\"id\":\"evt_[0-9]*_$ID_TAIL_ZEROS\"" "$WORK/bodies.txt" || die "bench/load/bodies.py: no id placeholder in the bodies"
# Numbers the load runs (wrk and vegeta, warm-ups and profiling included) of
# this benchmark: the RUN field of their event ids, so that no two runs, and
# no two systems compared, send the same id.
LOAD_RUN=0

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Sums the end offsets of a topic's partitions: the records it holds.
topic_records() {
  local args=() p
  for ((p = 0; p < PARTITIONS; p++)); do args+=(-t "$1:$p:-1"); done
  kcat -Q -b "$BROKERS" "${args[@]}" 2>/dev/null | grep -o 'offset [0-9]*' | awk '{s += $2} END {print s + 0}'
}

if ((!SMOKE)); then
  start_broker
  await_broker
fi

# Waits until COMMAND... prints 200, while PID lives.
wait_for_200() {
  local what=$1 pid=$2 deadline=$((SECONDS + 90))
  shift 2
  until [[ $("$@" 2>/dev/null) == 200 ]]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$OUT/logs/$what.log" >&2
      die "$what exited during start-up (log above and in $OUT/logs/$what.log)"
    fi
    ((SECONDS < deadline)) || die "$what did not answer 200 within 90 s (log: $OUT/logs/$what.log)"
    sleep 0.2
  done
}
# curl's options for the benchmark's TLS servers (make_certificate sets them).
CURL_TLS=()
# The probe: the first body, each call with an event id of its own (run 0,
# stream 999, which no load run uses; the counter from the clock), since
# hookbridge answers a copy of a stored event as a duplicate, and a retried
# probe whose first try timed out may have been stored.
PROBE_BODY=$(head -n 1 "$BODIES")
post_one() {
  local seq
  seq=$(printf '%011d' $(($(date +%s%N) % 100000000000)))
  curl -s "${CURL_TLS[@]}" -o /dev/null -w '%{http_code}' -m 5 -X POST "$1" -H "Authorization: Bearer $API_KEY" \
    -H 'Content-Type: application/json' --data-binary "${PROBE_BODY/"$ID_TAIL_ZEROS"/0000000000_999_$seq}"
}

# A command the runs below put in front of the load tool, e.g. perf attached to
# the server for the length of the load (the profiling pass sets it).
LOAD_WRAP=()
# vegeta's options beyond open_run's own (newconn: no keep-alive, HTTP/1.1, the certificate).
VEGETA_ARGS=()

# Requests wrk writes at once on a connection (bench/load/post.lua's DEPTH):
# 1, except where a scenario sets it (cores).
WRK_PIPELINE=1
wrk_cmd() { # CONNECTIONS SECONDS URL RUN
  echo wrk -t"$WRK_THREADS" -c"$1" -d"$2"s --timeout "${TIMEOUT}s" --latency \
    -s "$ROOT/bench/load/post.lua" "$3" -- "$BODIES" "$API_KEY" "$4" "$WRK_PIPELINE"
}

# The server the measurements below load: set by load_target.
T_SYSTEM="" T_DIR="" T_URL="" T_PID="" T_LOG=""
T_ARGS=()
load_target() { # SYSTEM RAW_DIR URL PID LOG METRICS_URL|"" [MEASURE_ARG...]
  T_SYSTEM=$1 T_DIR=$2 T_URL=$3 T_PID=$4 T_LOG=$5
  T_ARGS=(--tag system="$T_SYSTEM" --server-pid "$T_PID" "${BROKER_ARGS[@]}")
  [[ -n $6 ]] && T_ARGS+=(--metrics-url "$6")
  shift 6
  T_ARGS+=("$@")
  mkdir -p "$T_DIR"
}
target_alive() {
  kill -0 "$T_PID" 2>/dev/null || die "$T_SYSTEM (pid $T_PID) died during the benchmark (log: $T_LOG)"
}

# Unrecorded load, SECONDS of wrk at 64 connections: NAME SECONDS [MEASURE_ARG...]
warm_up() {
  local name=$1 seconds=$2
  shift 2
  LOAD_RUN=$((LOAD_RUN + 1))
  # shellcheck disable=SC2046  # wrk_cmd's words are meant to split
  "$PYTHON" bench/measure.py --out "$T_DIR/$name.json" "${T_ARGS[@]}" --tag kind=warmup "$@" \
    --stdout "$T_DIR/$name.txt" -- $(wrk_cmd 64 "$seconds" "$T_URL" "$LOAD_RUN") || die "$T_SYSTEM: wrk failed (output: $T_DIR/$name.txt)"
  target_alive
}

# One closed-loop run, DURATION seconds of wrk: CONNECTIONS RUN NAME [MEASURE_ARG...]
closed_run() {
  local c=$1 r=$2 base=$T_DIR/$3
  shift 3
  LOAD_RUN=$((LOAD_RUN + 1))
  # shellcheck disable=SC2046  # wrk_cmd's words are meant to split
  "$PYTHON" bench/measure.py --out "$base.json" "${T_ARGS[@]}" --tag kind=closed --tag connections="$c" --tag run="$r" \
    "$@" --stdout "$base.txt" -- "${LOAD_WRAP[@]}" $(wrk_cmd "$c" "$DURATION" "$T_URL" "$LOAD_RUN") ||
    die "$T_SYSTEM: wrk failed (output: $base.txt)"
  grep -q '^WRK_JSON ' "$base.txt" || die "$T_SYSTEM: wrk printed no result (bench/load/post.lua broken?)"
  target_alive
}

# One open-loop run, RATE_DURATION seconds of vegeta: RATE LABEL NAME [MEASURE_ARG...]
# Its targets are written for the run, each with an event id of its own: vegeta
# sends at most RATE x RATE_DURATION; one more second's worth is the margin.
# vegeta reads them lazily, as it sends (no pause to load them first); were
# they to run out, vegeta would stop with "no targets to attack", an error in
# the report, rather than send an id twice.
open_run() {
  local rate=$1 label=$2 base=$T_DIR/$3 targets=$WORK/targets.json
  shift 3
  LOAD_RUN=$((LOAD_RUN + 1))
  "$PYTHON" bench/load/bodies.py targets "$T_URL" "$API_KEY" "$BODIES" $((rate * (RATE_DURATION + 1) + 100)) \
    "$LOAD_RUN" "$targets" || die "bench/load/bodies.py could not write vegeta's targets"
  "$PYTHON" bench/measure.py --out "$base.json" "${T_ARGS[@]}" --tag kind=open --tag label="$label" --tag rate="$rate" \
    "$@" --stdout "$base.attack.txt" \
    -- "${LOAD_WRAP[@]}" "$VEGETA" attack "${VEGETA_ARGS[@]}" -lazy -targets="$targets" -format=json -rate="$rate/s" \
    -duration="${RATE_DURATION}s" -timeout="${TIMEOUT}s" -output="$base.bin" ||
    die "$T_SYSTEM: vegeta attack failed (output: $base.attack.txt)"
  rm -f "$targets"
  "$VEGETA" encode --to csv "$base.bin" | "$PYTHON" bench/load/vegeta_summary.py >"$base.summary.json" ||
    die "$T_SYSTEM: cannot summarise the vegeta results"
  "$VEGETA" report -type=json "$base.bin" >"$base.vegeta-report.json"
  gzip -f -1 "$base.bin"
  target_alive
}

# --- the profiling pass: where the time goes ----------------------------------
# On the server that T_* (load_target) points at, after its timed runs: at
# PROFILE_CONNECTIONS closed loop and at PROFILE_RATE open loop, two runs of
# PROFILE_DURATION seconds each, into raw/profile/WHO/ (bench/README.md):
#  - counters: bench/measure.py --threads (CPU time and context switches of
#    every thread, from /proc) around `perf stat --per-thread` counting system
#    calls; cheap, but not free, hence a pass apart from the timed runs;
#  - flame: `perf record -e cpu-clock` with DWARF call stacks (the Release
#    build has no frame pointers, nor have libc and librdkafka), folded by
#    thread role into raw/profile/WHO/*.folded and drawn as flame-WHO-*.svg
#    beside the report. Sampling and the stack copies slow the server: no
#    figure of this run is compared with another.
process_tree() { local child; echo "$1"; for child in $(pgrep -P "$1"); do process_tree "$child"; done; }
profile_pass() { # WHO TITLE
  local who=$1 title=$2 pids pass name what
  pids=$(process_tree "$T_PID" | paste -sd,)
  T_DIR=$RAW/profile/$who
  mkdir -p "$T_DIR"
  # closed_run and open_run read these: bash's locals are seen by the functions called.
  local DURATION=$PROFILE_DURATION RATE_DURATION=$PROFILE_DURATION LOAD_WRAP
  for pass in counters flame; do
    for name in "closed-c$PROFILE_CONNECTIONS" "open-$PROFILE_RATE"; do
      if [[ $pass == counters ]]; then
        LOAD_WRAP=(perf stat --per-thread -x "," -e "raw_syscalls:sys_enter,context-switches"
          -o "$T_DIR/$name-counters.perf-stat.csv" -p "$pids" --)
      else
        LOAD_WRAP=(perf record -q -e cpu-clock -F "$PROFILE_FREQUENCY" --call-graph "dwarf,16384"
          -o "$WORK/perf.data" -p "$pids" --)
      fi
      if [[ $name == closed-* ]]; then
        what="closed loop, $PROFILE_CONNECTIONS connections"
        log "$who: profiling ($pass), $what for ${PROFILE_DURATION} s"
        closed_run "$PROFILE_CONNECTIONS" 1 "$name-$pass" --threads --tag pass="$pass"
      else
        what="open loop, $PROFILE_RATE req/s"
        log "$who: profiling ($pass), $what for ${PROFILE_DURATION} s"
        open_run "$PROFILE_RATE" "$PROFILE_RATE" "$name-$pass" --threads --tag pass="$pass" --tag run=1
      fi
      if [[ $pass == flame ]]; then flame_graph "$who" "$name" "$title, $what"; fi
    done
  done
  "$PYTHON" bench/report.py check-profile "$T_DIR" || die "$who: the profiling pass recorded nothing usable"
}
# perf.data of the last run -> raw/profile/WHO/NAME.folded -> flame-WHO-NAME.svg
flame_graph() { # WHO NAME TITLE
  local folded=$RAW/profile/$1/$2.folded
  perf script -i "$WORK/perf.data" -F comm,tid,ip,sym,dso --no-inline 2>>"$OUT/logs/perf-script.log" |
    "$PYTHON" bench/profiling/fold_stacks.py >"$folded" || die "$1: no stack in the perf record of $2 (log: $OUT/logs/perf-script.log)"
  "$PYTHON" bench/profiling/flamegraph.py --title "$3" \
    --subtitle "CPU samples by thread role ($PROFILE_FREQUENCY Hz of each thread's CPU time, perf record -e cpu-clock, DWARF stacks); hover for figures" \
    "$folded" >"$OUT/flame-$1-$2.svg" || die "$1: could not draw the flame graph of $2"
  gzip -f -1 "$folded"
  rm -f "$WORK/perf.data"
}

# Closed loop (wrk), then open loop (vegeta) against one HTTP server.
load_http() {
  local system=$1 url=$2 pid=$3 metrics=${4:-}
  local dir=$RAW/$system
  load_target "$system" "$dir" "$url" "$pid" "$OUT/logs/$system.log" "$metrics"

  log "$system: warm-up, ${WARMUP} s at 64 connections"
  warm_up warmup "$WARMUP"

  local c r
  for c in $CONNECTIONS; do
    for ((r = 1; r <= RUNS; r++)); do
      log "$system: closed loop, $c connections, run $r/$RUNS (${DURATION} s)"
      closed_run "$c" "$r" "closed-c$c-run$r"
    done
  done

  local max rate label
  max=$("$PYTHON" bench/report.py max-throughput "$dir") || die "$system: cannot read the closed-loop results"
  for label in $RATES; do
    if [[ $label == half ]]; then
      rate=$((max / 2))
      if ((rate < 1)); then
        log "$system: no closed-loop maximum measured, so no rate for 'half': skipped"
        continue
      fi
    else
      rate=$label
    fi
    log "$system: open loop, $rate req/s ($label) for ${RATE_DURATION} s"
    open_run "$rate" "$label" "open-$label"
  done

  "$PYTHON" bench/report.py check-system "$dir" || die "$system: every request failed (no 2xx at all)"
}

# How many records a server's topic gained, for the check that it stored at
# least as many records as it answered 2xx.
record_topic() { # OUT_FILE TOPIC BEFORE
  local after
  after=$(topic_records "$2")
  echo "{\"topic\": \"$2\", \"records_added\": $((after - $3))}" >"$1"
}

# --- nginx -----------------------------------------------------------------------
# Starts nginx as NAME from TEMPLATE (bench/nginx/), its @PREFIX@ replaced by
# a folder of its own and the other @KEY@s by the VALUEs given; the
# configuration goes to meta/NAME.conf, its output to logs/NAME.log. Sets
# NGINX_PID; the caller waits for its answers (wait_for_200).
NGINX_PID=""
start_nginx() { # NAME TEMPLATE [KEY=VALUE...]
  local name=$1 template=$2 prefix=$WORK/$1 edits=() pair
  shift 2
  edits=(-e "s#@PREFIX@#$prefix#g")
  for pair in "$@"; do edits+=(-e "s#@${pair%%=*}@#${pair#*=}#g"); done
  mkdir -p "$prefix"
  sed "${edits[@]}" "$template" >"$prefix/nginx.conf"
  cp "$prefix/nginx.conf" "$OUT/meta/$name.conf"
  nginx -e "$prefix/error.log" -p "$prefix" -c "$prefix/nginx.conf" -t >"$OUT/logs/$name.log" 2>&1 ||
    { cat "$OUT/logs/$name.log" >&2; die "$name: bad configuration"; }
  nginx -e "$prefix/error.log" -p "$prefix" -c "$prefix/nginx.conf" >>"$OUT/logs/$name.log" 2>&1 &
  NGINX_PID=$!
  SERVER_PIDS+=("$NGINX_PID")
}
# Stops nginx NAME (PID) and appends its error log to logs/NAME.log.
stop_nginx() { # NAME PID
  stop_pid "$2"
  cat "$WORK/$1/error.log" >>"$OUT/logs/$1.log" 2>/dev/null || true
}

# --- nginx `return 200`: the HTTP ceiling -------------------------------------
if wants nginx; then
  port=$(free_port)
  log "nginx: starting on 127.0.0.1:$port"
  start_nginx nginx bench/nginx/nginx.conf.template PORT="$port"
  wait_for_200 nginx "$NGINX_PID" post_one "http://127.0.0.1:$port/webhooks/getprofile"
  load_http nginx "http://127.0.0.1:$port/webhooks/getprofile" "$NGINX_PID"
  if ((PROFILE)); then profile_pass nginx "nginx return 200"; fi
  stop_nginx nginx "$NGINX_PID"
fi

# --- producer-only ceiling: kcat (librdkafka, as hookbridge), no HTTP ---------
if wants producer; then
  await_broker
  mkdir -p "$RAW/producer"
  for ((r = 1; r <= RUNS; r++)); do
    log "producer: $PRODUCER_RECORDS records with kcat, acks=all, run $r/$RUNS"
    before=$(topic_records bench.producer)
    # shellcheck disable=SC2016  # expanded by the inner bash
    "$PYTHON" bench/measure.py --out "$RAW/producer/run$r.json" --tag system=producer --tag kind=producer \
      --tag run="$r" --tag records="$PRODUCER_RECORDS" "${BROKER_ARGS[@]}" --stdout "$RAW/producer/run$r.txt" \
      -- bash -c 'while cat "$1"; do :; done | head -n "$2" |
                  kcat -P -b "$3" -t bench.producer -K "$(printf "\t")" -X acks=all -X partitioner=murmur2_random' \
      _ "$RECORDS" "$PRODUCER_RECORDS" "$BROKERS" || die "producer: kcat failed (delivery errors above)"
    after=$(topic_records bench.producer)
    echo "{\"records_stored\": $((after - before))}" >"$RAW/producer/run$r.stored.json"
    ((after > before)) || die "producer: no record reached the broker"
  done
fi

# --- hookbridge ---------------------------------------------------------------
# Whether BINARY's --help names the setting VARIABLE: a build refuses an
# unknown HOOKBRIDGE_* variable at start-up.
knows_setting() { timeout 10 "$1" --help 2>/dev/null | grep -q "($2)"; }
# The environment hookbridge runs with, in HB_ENV: PORT TOPIC [BINARY [LOOPS]]
# With BINARY, HOOKBRIDGE_HTTP_LOOPS=LOOPS (default BENCH_HTTP_LOOPS) if it
# knows that setting; a build that does not has one connection loop.
HB_ENV=()
hb_env() {
  HB_ENV=(env -u GETPROFILE_API_KEY_FILE HOOKBRIDGE_LISTEN="127.0.0.1:$1"
    HOOKBRIDGE_KAFKA_BROKERS="${BROKERS:-127.0.0.1:$BENCH_KAFKA_PORT}" HOOKBRIDGE_KAFKA_TOPIC="$2" GETPROFILE_API_KEY="$API_KEY"
    HOOKBRIDGE_DRAIN_GRACE_MS="${HOOKBRIDGE_DRAIN_GRACE_MS:-0}")
  if [[ -n ${3:-} ]] && knows_setting "$3" HOOKBRIDGE_HTTP_LOOPS; then
    HB_ENV+=(HOOKBRIDGE_HTTP_LOOPS="${4:-$HTTP_LOOPS}")
  fi
}
# The connection loops BINARY serves with: LOOPS (default BENCH_HTTP_LOOPS), or 1 for a build without the setting.
loops_of() { if knows_setting "$1" HOOKBRIDGE_HTTP_LOOPS; then echo "${2:-$HTTP_LOOPS}"; else echo 1; fi; }
# Starts BINARY on PORT, producing to TOPIC, logging to logs/NAME.log, and
# waits until it is ready and a first webhook was answered 200. Sets HB_PID,
# HB_PORT and HB_SCHEME. With "tls", serves HTTPS with the benchmark's
# certificate (make_certificate). LOOPS: HOOKBRIDGE_HTTP_LOOPS (hb_env).
HB_PID="" HB_PORT="" HB_SCHEME=http
start_hookbridge() { # BINARY PORT TOPIC NAME [plain|tls [LOOPS]]
  launch_hookbridge "$@"
  await_hookbridge "$4" "$HB_PID" "$HB_SCHEME" "$HB_PORT"
}
# start_hookbridge in two steps, so that several servers start at once:
# launch_hookbridge takes start_hookbridge's arguments and sets HB_PID,
# HB_PORT and HB_SCHEME; await_hookbridge waits for that server.
launch_hookbridge() { # BINARY PORT TOPIC NAME [plain|tls [LOOPS]]
  local binary=$1 topic=$3 name=$4
  HB_PORT=$2
  hb_env "$HB_PORT" "$topic" "$binary" "${6:-}"
  HB_SCHEME=http
  if [[ ${5:-plain} == tls ]]; then
    HB_ENV+=(HOOKBRIDGE_TLS_CERT_FILE="$CERT" HOOKBRIDGE_TLS_KEY_FILE="$CERT_KEY")
    HB_SCHEME=https
  fi
  log "$name: starting on $HB_SCHEME://127.0.0.1:$HB_PORT ($binary)"
  "${HB_ENV[@]}" "$binary" >"$OUT/logs/$name.log" 2>&1 &
  HB_PID=$!
  SERVER_PIDS+=("$HB_PID")
}
await_hookbridge() { # NAME PID SCHEME PORT
  wait_for_200 "$1" "$2" curl -s "${CURL_TLS[@]}" -o /dev/null -w '%{http_code}' -m 5 "$3://127.0.0.1:$4/readyz"
  wait_for_200 "$1" "$2" post_one "$3://127.0.0.1:$4/webhooks/getprofile"
}
# The access log (a line per request) is too big to keep: logs/NAME.log keeps
# the other lines.
trim_hookbridge_log() { # NAME
  mv "$OUT/logs/$1.log" "$WORK/$1.log"
  { echo "(every line but the $(grep -c '"message":"webhook"' "$WORK/$1.log") access-log lines, at most 1000)"
    grep -v '"message":"webhook"' "$WORK/$1.log" | head -n 1000 || true; } >"$OUT/logs/$1.log"
  rm -f "$WORK/$1.log"
}
# After a hookbridge server's load: its /metrics to FILE, and the duplicates it
# answered (hookbridge_duplicates_total, summed over sources; "n/a" for a build
# without deduplication) to the log and to raw/duplicates.tsv for the report.
# Every request carries a new event id, so any duplicate means the load sent
# one twice and the figures measured duplicates, not the Kafka path: fatal.
check_duplicates() { # WHO FILE
  local n
  curl -s -f "${CURL_TLS[@]}" -m 5 "$HB_SCHEME://127.0.0.1:$HB_PORT/metrics" >"$2" || die "$1: could not read /metrics"
  n=$(awk '/^hookbridge_duplicates_total[{ ]/ { s += $NF; seen = 1 } END { if (seen) printf "%d", s; else print "n/a" }' "$2")
  log "$1: duplicates answered (hookbridge_duplicates_total): $n"
  printf '%s\t%s\n' "$1" "$n" >>"$RAW/duplicates.tsv"
  [[ $n == n/a || $n == 0 ]] ||
    die "$1: hookbridge answered $n webhooks as duplicates: the load sent an event id twice (bench/load/), so its figures are not those of the Kafka path"
}
# After a hookbridge server's runs, the server HB_PID (HB_PORT, HB_SCHEME):
# duplicates checked (WHO, its /metrics to METRICS_FILE), stopped, and
# logs/NAME.log trimmed.
finish_hookbridge() { # NAME WHO METRICS_FILE
  check_duplicates "$2" "$3"
  stop_pid "$HB_PID"
  trim_hookbridge_log "$1"
}

# The effective settings (--check-config) to meta/FILE, and the hookbridge
# settings the caller's environment added (the ones --help names, and
# librdkafka properties) to meta/hookbridge-env.txt, for the report.
hookbridge_settings() { # BINARY FILE PORT TOPIC
  hb_env "$3" "$4" "$1"
  timeout 10 "${HB_ENV[@]}" "$1" --check-config >"$OUT/meta/$2" 2>&1 ||
    { cat "$OUT/meta/$2" >&2; die "$1 --check-config failed"; }
  known=$(timeout 10 "$1" --help | grep -o '(HOOKBRIDGE_[A-Z_]*)' | tr -d '()' | paste -sd'|')
  env | grep -E "^(${known}|HOOKBRIDGE_RDKAFKA_[A-Z0-9_]+)=" |
    grep -v -E '^HOOKBRIDGE_(LISTEN|KAFKA_BROKERS|KAFKA_TOPIC)=' | sort >"$OUT/meta/hookbridge-env.txt" || true
}

if wants hookbridge && [[ -z $COMPARE ]]; then
  await_broker
  port=$(free_port)
  hookbridge_settings "$HOOKBRIDGE" hookbridge-config.txt "$port" bench.hookbridge
  before=$(topic_records bench.hookbridge)
  start_hookbridge "$HOOKBRIDGE" "$port" bench.hookbridge hookbridge
  load_http hookbridge "http://127.0.0.1:$HB_PORT/webhooks/getprofile" "$HB_PID" "http://127.0.0.1:$HB_PORT/metrics"
  if ((PROFILE)); then profile_pass hookbridge "hookbridge $(head -c 12 "$OUT/meta/commit.txt")"; fi
  finish_hookbridge hookbridge hookbridge "$RAW/hookbridge/metrics-final.txt"
  record_topic "$RAW/hookbridge/topic.json" bench.hookbridge "$before"
fi

# --- --compare: base and new hookbridge in turn, on the one broker -------------
# Round r measures both sides, base first when r is odd and new first when it
# is even. Each side's turn starts its server afresh (so peak RSS is the
# turn's), warms it up, runs every closed-loop connection count and every
# open-loop rate once, and stops it. Raw results go to raw/base/ and raw/new/
# with run=r. Both sides produce to bench.hookbridge; what it gained during a
# turn goes to raw/SIDE/runR.topic.json.
compare_turn() { # SIDE ROUND
  local side=$1 r=$2 binary=$HOOKBRIDGE commit name before c rate
  [[ $side == base ]] && binary=$BASE_HOOKBRIDGE
  commit=$(cat "$OUT/meta/$([[ $side == base ]] && echo base-commit || echo commit).txt")
  name=hookbridge-$side-round$r
  before=$(topic_records bench.hookbridge)
  start_hookbridge "$binary" "$(free_port)" bench.hookbridge "$name"
  load_target hookbridge "$RAW/$side" "http://127.0.0.1:$HB_PORT/webhooks/getprofile" "$HB_PID" \
    "$OUT/logs/$name.log" "http://127.0.0.1:$HB_PORT/metrics" --tag side="$side" --tag commit="$commit"
  log "$side, round $r/$ROUNDS: warm-up, ${WARMUP} s at 64 connections"
  warm_up "warmup-run$r" "$WARMUP" --tag run="$r"
  for c in $CONNECTIONS; do
    log "$side, round $r/$ROUNDS: closed loop, $c connections (${DURATION} s)"
    closed_run "$c" "$r" "closed-c$c-run$r"
  done
  for rate in $RATES; do
    log "$side, round $r/$ROUNDS: open loop, $rate req/s for ${RATE_DURATION} s"
    open_run "$rate" "$rate" "open-$rate-run$r" --tag run="$r"
  done
  finish_hookbridge "$name" "$side, round $r" "$RAW/$side/metrics-final-run$r.txt"
  record_topic "$RAW/$side/run$r.topic.json" bench.hookbridge "$before"
}
if [[ -n $COMPARE ]]; then
  await_broker
  # One port for both, so that the two settings differ only where the builds do.
  port=$(free_port)
  hookbridge_settings "$BASE_HOOKBRIDGE" hookbridge-config-base.txt "$port" bench.hookbridge
  hookbridge_settings "$HOOKBRIDGE" hookbridge-config.txt "$port" bench.hookbridge
  # A broker just started is slow until its JVM has warmed up: that would
  # handicap whichever side goes first.
  log "broker warm-up: the new build under wrk at 64 connections for $BROKER_WARMUP s, not counted"
  start_hookbridge "$HOOKBRIDGE" "$(free_port)" bench.hookbridge hookbridge-broker-warmup
  load_target hookbridge "$RAW/broker-warmup" "http://127.0.0.1:$HB_PORT/webhooks/getprofile" "$HB_PID" \
    "$OUT/logs/hookbridge-broker-warmup.log" ""
  warm_up warmup "$BROKER_WARMUP"
  finish_hookbridge hookbridge-broker-warmup "broker warm-up" "$RAW/broker-warmup/metrics-final.txt"
  for ((round = 1; round <= ROUNDS; round++)); do
    if ((round % 2)); then order=(base new); else order=(new base); fi
    for side in "${order[@]}"; do compare_turn "$side" "$round"; done
  done
  for side in base new; do
    "$PYTHON" bench/report.py check-system "$RAW/$side" || die "$side: every request failed (no 2xx at all)"
  done
  # The profiling pass of each side, after the timed rounds: a fresh server,
  # warmed up like a turn's.
  if ((PROFILE)); then
    for side in base new; do
      binary=$HOOKBRIDGE commit=$(cat "$OUT/meta/commit.txt")
      [[ $side == base ]] && binary=$BASE_HOOKBRIDGE commit=$BASE_COMMIT
      start_hookbridge "$binary" "$(free_port)" bench.hookbridge "hookbridge-$side-profile"
      load_target hookbridge "$RAW/profile/$side" "http://127.0.0.1:$HB_PORT/webhooks/getprofile" "$HB_PID" \
        "$OUT/logs/hookbridge-$side-profile.log" "http://127.0.0.1:$HB_PORT/metrics" --tag side="$side" --tag commit="$commit"
      log "$side, profiling: warm-up, ${WARMUP} s at 64 connections"
      warm_up warmup "$WARMUP"
      profile_pass "$side" "hookbridge $side (${commit:0:12})"
      finish_hookbridge "hookbridge-$side-profile" "$side, profiling" "$RAW/profile/$side/metrics-final.txt"
    done
  fi
fi

# --- Express + kafkajs: what a user would write --------------------------------
if wants express; then
  await_broker
  port=$(free_port)
  before=$(topic_records bench.express)
  log "express: starting on 127.0.0.1:$port"
  PORT=$port GETPROFILE_API_KEY=$API_KEY KAFKA_BROKERS=$BROKERS KAFKA_TOPIC=bench.express \
    KAFKAJS_NO_PARTITIONER_WARNING=1 NODE_ENV=production node bench/express/server.js >"$OUT/logs/express.log" 2>&1 &
  pid=$!
  SERVER_PIDS+=("$pid")
  wait_for_200 express "$pid" post_one "http://127.0.0.1:$port/webhooks/getprofile"
  load_http express "http://127.0.0.1:$port/webhooks/getprofile" "$pid"
  stop_pid "$pid"
  record_topic "$RAW/express/topic.json" bench.express "$before"
  mv "$OUT/logs/express.log" "$WORK/express.log"  # a line per event: too big to keep
  { echo "(the first 100 and the last 100 of $(wc -l <"$WORK/express.log") lines)"
    head -n 100 "$WORK/express.log"; echo ...; tail -n 100 "$WORK/express.log"; } >"$OUT/logs/express.log"
fi

# --- issue 26: new connections, handshake churn, every core --------------------
# The smoke run skips these scenarios' warm-ups (the other systems' prove
# warm_up works): it checks that every figure is there, not what it is.
# The hookbridge builds these scenarios measure: "hookbridge" (this tree), or
# with --compare "base" and "new". Each gets HOOKBRIDGE_HTTP_LOOPS where it
# knows the setting (hb_env); meta/http-loops.txt says how many loops each had.
NC_SIDES=(hookbridge)
[[ -n $COMPARE ]] && NC_SIDES=(base new)
side_binary() { if [[ $1 == base ]]; then echo "$BASE_HOOKBRIDGE"; else echo "$HOOKBRIDGE"; fi; }
side_fake_publisher() { if [[ $1 == base ]]; then echo "$BASE_FAKE_PUBLISHER"; else echo "$FAKE_PUBLISHER"; fi; }
# WORDS in the order of the Nth step: as given when N is odd, reversed when
# it is even, so that none is always first.
in_turn() { # N WORD...
  local n=$1 out=() word
  shift
  if ((n % 2)); then echo "$@"; return; fi
  for word in "$@"; do out=("$word" "${out[@]}"); done
  echo "${out[@]}"
}
sides_in_turn() { in_turn "$1" "${NC_SIDES[@]}"; }

# One self-signed ECDSA P-256 certificate (and key) for this run, for every
# TLS server; meta/tls-cert.pem keeps the certificate.
CERT="" CERT_KEY=""
make_certificate() {
  mkdir -p "$WORK/tls"
  CERT=$WORK/tls/cert.pem CERT_KEY=$WORK/tls/key.pem
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$CERT_KEY" -out "$CERT" >"$OUT/logs/openssl.log" 2>&1 ||
    { cat "$OUT/logs/openssl.log" >&2; die "openssl could not make the benchmark's certificate"; }
  cp "$CERT" "$OUT/meta/tls-cert.pem"
  CURL_TLS=(--cacert "$CERT")
}
# What a TLS server negotiates with OpenSSL's client, once offering TLS 1.3
# and once TLS 1.2 only, to FILE: version, cipher suite, key-exchange group.
tls_session_info() { # PORT FILE
  local version
  for version in "" -tls1_2; do
    echo "== openssl s_client ${version:-(TLS 1.2 and 1.3 offered)}"
    # shellcheck disable=SC2086  # $version is one option or none
    openssl s_client -connect "127.0.0.1:$1" -CAfile "$CERT" $version -brief </dev/null 2>&1 |
      grep -E '^(Protocol version|Ciphersuite|Peer Temp Key|Server Temp Key|Verification)' || echo "(no TLS session)"
  done >"$2"
}

# nginx `return 200` on a plain and a TLS listener (bench/nginx/nginx-newconn.conf.template),
# BENCH_HTTP_LOOPS workers. Sets NGINX_NC_PID, NGINX_NC_PORT, NGINX_NC_TLS_PORT.
start_nginx_newconn() {
  NGINX_NC_PORT=$(free_port) NGINX_NC_TLS_PORT=$(free_port)
  log "nginx (newconn): starting on 127.0.0.1:$NGINX_NC_PORT and TLS on :$NGINX_NC_TLS_PORT, $HTTP_LOOPS workers"
  start_nginx nginx-newconn bench/nginx/nginx-newconn.conf.template PORT="$NGINX_NC_PORT" TLS_PORT="$NGINX_NC_TLS_PORT" \
    WORKERS="$HTTP_LOOPS" CERT="$CERT" KEY="$CERT_KEY"
  NGINX_NC_PID=$NGINX_PID
  wait_for_200 nginx-newconn "$NGINX_NC_PID" post_one "http://127.0.0.1:$NGINX_NC_PORT/webhooks/getprofile"
  wait_for_200 nginx-newconn "$NGINX_NC_PID" post_one "https://127.0.0.1:$NGINX_NC_TLS_PORT/webhooks/getprofile"
}

# One run of bench/newconn against T_* (load_target), in the shape of an
# open_run (kind open, NAME.summary.json): RATE|"" WORKERS|"" SECONDS URL NAME [NEWCONN_ARG...] -- [MEASURE_ARG...]
newconn_run() {
  local rate=$1 workers=$2 seconds=$3 url=$4 base=$T_DIR/$5 args=() mode
  shift 5
  while (($#)) && [[ $1 != -- ]]; do args+=("$1"); shift; done
  (($#)) && shift
  LOAD_RUN=$((LOAD_RUN + 1))
  if [[ -n $rate ]]; then mode=(-rate "$rate"); else mode=(-workers "$workers"); fi
  "$PYTHON" bench/measure.py --out "$base.json" "${T_ARGS[@]}" --tag kind=open --tag rate="${rate:-0}" --tag label="${rate:-closed}" \
    "$@" --stdout "$base.summary.json" -- "$NEWCONN" -url "$url" "${mode[@]}" -duration "${seconds}s" \
    -timeout "${TIMEOUT}s" -cacert "$CERT" -bodies "$BODIES" -key "$API_KEY" -run "$LOAD_RUN" "${args[@]}" ||
    die "$T_SYSTEM: bench/newconn failed (output: $base.summary.json)"
  target_alive
}

# newconn: one request per new connection, plain and TLS, side by side:
# nginx, and per hookbridge side (hookbridge, or base and new) the build on
# the broker ("SIDE") and its hookbridge_fake_publisher ("SIDE-fake": the same
# HTTP server and handler, every webhook PERSISTED at once, no Kafka), which
# compares the HTTP front's cost per connection with nginx's like for like.
# Every server is started first; then per rate and transport each system in
# turn (the hookbridge ones alternated), so all meet the same minutes of the
# shared machine. Then TLS resumption, the same systems.
run_newconn() {
  local dir=$RAW/newconn side transport rate i=0 key who metrics mode binary hb_systems=()
  declare -A url_of pid_of port_of
  mkdir -p "$dir"
  start_nginx_newconn
  url_of[nginx/plain]=http://127.0.0.1:$NGINX_NC_PORT/webhooks/getprofile
  url_of[nginx/tls]=https://127.0.0.1:$NGINX_NC_TLS_PORT/webhooks/getprofile
  pid_of[nginx/plain]=$NGINX_NC_PID pid_of[nginx/tls]=$NGINX_NC_PID
  mkdir -p "$dir/nginx"
  echo "nginx $HTTP_LOOPS" >>"$OUT/meta/http-loops.txt"
  tls_session_info "$NGINX_NC_TLS_PORT" "$dir/nginx/tls-session.txt"
  for side in "${NC_SIDES[@]}"; do
    for who in "$side" "$side-fake"; do
      binary=$(side_binary "$side")
      [[ $who == *-fake ]] && binary=$(side_fake_publisher "$side")
      mkdir -p "$dir/$who"
      if [[ ! -x $binary ]]; then
        log "newconn, $who: no hookbridge_fake_publisher in this build: skipped"
        echo "no hookbridge_fake_publisher" >"$dir/$who/skipped.txt"
        continue
      fi
      hb_systems+=("$who")
      echo "$who $(loops_of "$binary")" >>"$OUT/meta/http-loops.txt"
      for transport in plain tls; do
        launch_hookbridge "$binary" "$(free_port)" bench.newconn "newconn-$who-$transport" "$transport"
        url_of[$who/$transport]=$HB_SCHEME://127.0.0.1:$HB_PORT/webhooks/getprofile
        pid_of[$who/$transport]=$HB_PID port_of[$who/$transport]=$HB_PORT
      done
    done
  done
  for who in "${hb_systems[@]}"; do
    for transport in plain tls; do
      key=$who/$transport
      await_hookbridge "newconn-$who-$transport" "${pid_of[$key]}" "${url_of[$key]%%:*}" "${port_of[$key]}"
      # Kept-alive load first: the broker and the producer warmed up, not
      # the handshakes. The fake publisher has neither to warm.
      if [[ $who == *-fake ]] || ((SMOKE)); then continue; fi
      load_target "$who" "$dir/$who" "${url_of[$key]}" "${pid_of[$key]}" "$OUT/logs/newconn-$who-$transport.log" ""
      log "newconn, $who ($transport): warm-up, ${WARMUP} s at 64 kept-alive connections"
      warm_up "warmup-$transport" "$WARMUP"
    done
    tls_session_info "${port_of[$who/tls]}" "$dir/$who/tls-session.txt"
  done

  local VEGETA_ARGS=(-keepalive=false -http2=false -root-certs="$CERT") RATE_DURATION=$NEWCONN_DURATION
  for rate in $NEWCONN_RATES; do
    i=$((i + 1))
    for transport in plain tls; do
      # shellcheck disable=SC2046  # the systems, one word each
      for who in nginx $(in_turn "$i" "${hb_systems[@]}"); do
        key=$who/$transport
        metrics=""
        [[ $who != nginx && $transport == plain ]] && metrics=http://127.0.0.1:${port_of[$key]}/metrics
        load_target "$who" "$dir/$who" "${url_of[$key]}" "${pid_of[$key]}" "$OUT/logs/newconn-$who-$transport.log" "$metrics" \
          --tag scenario=newconn --tag transport="$transport"
        log "newconn, $who: $rate new $transport connections/s for ${NEWCONN_DURATION} s"
        open_run "$rate" "$rate" "$transport-$rate" --tag run=1
      done
    done
  done

  # TLS session resumption: bench/newconn at RESUME_RATE, a full handshake per
  # connection, then resuming the session it was given (client session cache).
  # The smoke run leaves the fake publishers out: the others prove the harness.
  for mode in full resumed; do
    local resume=()
    [[ $mode == resumed ]] && resume=(-resume)
    for who in nginx "${hb_systems[@]}"; do
      if [[ $who == *-fake ]] && ((SMOKE)); then continue; fi
      key=$who/tls
      load_target "$who" "$dir/$who" "${url_of[$key]}" "${pid_of[$key]}" "$OUT/logs/newconn-$who-tls.log" "" \
        --tag scenario=resumption --tag transport=tls --tag mode="$mode"
      log "newconn, $who: $RESUME_RATE new TLS connections/s, $mode handshakes, for ${NEWCONN_DURATION} s"
      newconn_run "$RESUME_RATE" "" "$NEWCONN_DURATION" "${url_of[$key]}" "resume-$mode" "${resume[@]}" -- --tag run=1
    done
  done

  for who in nginx "${hb_systems[@]}"; do
    "$PYTHON" bench/report.py check-system "$dir/$who" || die "newconn, $who: every request failed (no 2xx at all)"
  done
  for who in "${hb_systems[@]}"; do
    for transport in plain tls; do
      key=$who/$transport
      HB_PID=${pid_of[$key]} HB_PORT=${port_of[$key]} HB_SCHEME=$([[ $transport == tls ]] && echo https || echo http)
      finish_hookbridge "newconn-$who-$transport" "newconn-$who-$transport" "$dir/$who/metrics-final-newconn-$who-$transport.txt"
    done
  done
  stop_nginx nginx-newconn "$NGINX_NC_PID"
}

# churn: hookbridge over TLS at CHURN_RATE on kept-alive connections (vegeta,
# HTTP/1.1), alone, then while bench/newconn opens new TLS connections (GET
# /healthz, a full handshake each) with CHURN_WORKERS senders as fast as they
# can, for the same time.
run_churn() {
  local dir=$RAW/churn side phase i=0 churn_pid
  declare -A pid_of port_of
  for side in "${NC_SIDES[@]}"; do
    mkdir -p "$dir/$side"
    start_hookbridge "$(side_binary "$side")" "$(free_port)" bench.churn "churn-$side" tls
    pid_of[$side]=$HB_PID port_of[$side]=$HB_PORT
    load_target "$side" "$dir/$side" "https://127.0.0.1:$HB_PORT/webhooks/getprofile" "$HB_PID" "$OUT/logs/churn-$side.log" ""
    if ((SMOKE)); then continue; fi
    log "churn, $side: warm-up, ${WARMUP} s at 64 kept-alive connections"
    warm_up warmup "$WARMUP"
  done
  local VEGETA_ARGS=(-http2=false -root-certs="$CERT") RATE_DURATION=$CHURN_DURATION
  for phase in alone churn; do
    i=$((i + 1))
    for side in $(sides_in_turn "$i"); do
      load_target "$side" "$dir/$side" "https://127.0.0.1:${port_of[$side]}/webhooks/getprofile" "${pid_of[$side]}" \
        "$OUT/logs/churn-$side.log" "" --tag scenario=churn --tag phase="$phase" --tag transport=tls
      churn_pid=""
      if [[ $phase == churn ]]; then
        # One second longer than vegeta's run, so that the churn covers all of it.
        "$NEWCONN" -url "https://127.0.0.1:${port_of[$side]}/healthz" -workers "$CHURN_WORKERS" \
          -duration "$((CHURN_DURATION + 1))s" -timeout "${TIMEOUT}s" -cacert "$CERT" \
          >"$dir/$side/churn-client.summary.json" 2>"$OUT/logs/churn-client-$side.log" &
        churn_pid=$!
      fi
      log "churn, $side: $CHURN_RATE webhooks/s on kept-alive TLS connections for ${CHURN_DURATION} s$([[ $phase == churn ]] && echo ", while $CHURN_WORKERS senders open new TLS connections" || true)"
      open_run "$CHURN_RATE" "$CHURN_RATE" "$phase-$CHURN_RATE" --tag run=1
      if [[ -n $churn_pid ]]; then
        wait "$churn_pid" || die "churn, $side: bench/newconn failed (log: $OUT/logs/churn-client-$side.log)"
        grep -q '"ok"' "$dir/$side/churn-client.summary.json" || die "churn, $side: bench/newconn printed no result"
      fi
    done
  done
  for side in "${NC_SIDES[@]}"; do
    "$PYTHON" bench/report.py check-system "$dir/$side" || die "churn, $side: every request failed (no 2xx at all)"
    HB_PID=${pid_of[$side]} HB_PORT=${port_of[$side]} HB_SCHEME=https
    finish_hookbridge "churn-$side" "churn-$side" "$dir/$side/metrics-final-churn-$side.txt"
  done
}

# cores: hookbridge_fake_publisher (bench/fake_publisher: the real HTTP server
# and webhook handler, every webhook PERSISTED at once, no broker) under wrk
# at CORES_CONNECTIONS, with each of CORES_LOOPS connection loops. A build that
# does not know HOOKBRIDGE_HTTP_LOOPS has one loop: its other counts are skipped.
# wrk pipelines CORES_PIPELINE requests per write: one request at a time costs
# wrk about as much CPU as the server, so on two cores a second loop had no
# core to scale into; pipelined, wrk's share falls and the server's rises.
run_cores() {
  local dir=$RAW/cores side loops binary name i=0 WRK_PIPELINE=$CORES_PIPELINE
  for loops in $CORES_LOOPS; do
    i=$((i + 1))
    for side in $(sides_in_turn "$i"); do
      binary=$(side_fake_publisher "$side")
      mkdir -p "$dir/$side"
      if [[ ! -x $binary ]]; then
        log "cores, $side: no hookbridge_fake_publisher in this build: skipped"
        echo "no hookbridge_fake_publisher" >"$dir/$side/skipped-loops$loops.txt"
        continue
      fi
      if ((loops != 1)) && ! knows_setting "$binary" HOOKBRIDGE_HTTP_LOOPS; then
        log "cores, $side: this build has no HOOKBRIDGE_HTTP_LOOPS (one loop): $loops loops skipped"
        echo "this build has no HOOKBRIDGE_HTTP_LOOPS: one connection loop only" >"$dir/$side/skipped-loops$loops.txt"
        continue
      fi
      name=cores-$side-loops$loops
      start_hookbridge "$binary" "$(free_port)" bench.cores "$name" plain "$loops"
      load_target "$side" "$dir/$side" "http://127.0.0.1:$HB_PORT/webhooks/getprofile" "$HB_PID" "$OUT/logs/$name.log" \
        "http://127.0.0.1:$HB_PORT/metrics" --tag scenario=cores --tag loops="$loops" --tag pipeline="$CORES_PIPELINE"
      if ((!SMOKE)); then
        log "cores, $side: warm-up, ${WARMUP} s at 64 connections, $CORES_PIPELINE pipelined requests each"
        warm_up "warmup-loops$loops" "$WARMUP"
      fi
      log "cores, $side: $loops connection loop(s), closed loop at $CORES_CONNECTIONS connections, $CORES_PIPELINE pipelined requests each, for ${CORES_DURATION} s"
      DURATION=$CORES_DURATION closed_run "$CORES_CONNECTIONS" 1 "loops$loops"
      finish_hookbridge "$name" "$name" "$dir/$side/metrics-final-$name.txt"
    done
  done
  local measured=0
  for side in "${NC_SIDES[@]}"; do
    [[ -n $(find "$dir/$side" -name 'loops*.json' 2>/dev/null) ]] && measured=1
  done
  ((measured)) || die "cores: no build was measured"
  for side in "${NC_SIDES[@]}"; do
    [[ -n $(find "$dir/$side" -name 'loops*.json' 2>/dev/null) ]] || continue
    "$PYTHON" bench/report.py check-system "$dir/$side" || die "cores, $side: every request failed (no 2xx at all)"
  done
}

if wants newconn || wants churn; then
  await_broker
  make_certificate
fi
if wants newconn; then run_newconn; fi
if wants churn; then run_churn; fi
if wants cores; then run_cores; fi

if ((BROKER_STARTED)); then
  broker stop >/dev/null 2>&1 || true
  BROKER_STARTED=0
fi

# --- the report ---------------------------------------------------------------
echo "$((SECONDS - STARTED_AT))" >"$OUT/meta/elapsed_s.txt"
report=report
[[ -n $COMPARE ]] && report=compare
if [[ -n $PLOT_PYTHON ]]; then
  "$PLOT_PYTHON" bench/plots.py "$report" "$OUT" || die "bench/plots.py could not draw the report's pictures"
fi
"$PYTHON" bench/report.py "$report" "$OUT" || die "bench/report.py could not write the report"
[[ -s $OUT/$report.md ]] || die "no report was written to $OUT/$report.md"
issue26=()
for scenario in newconn churn cores; do wants "$scenario" && issue26+=("$scenario"); done
if ((${#issue26[@]})); then
  "$PYTHON" bench/report_newconn.py check "$OUT" "${issue26[@]}" || die "${issue26[*]}: a figure is missing (above)"
  if wants newconn && [[ -n $PLOT_PYTHON ]]; then
    for picture in newconn-p99.png newconn-cpu.png; do [[ -s $OUT/$picture ]] || die "newconn: $picture was not drawn"; done
  fi
fi
ln -sfn "$STAMP" "$RESULTS_ROOT/latest"
cat "$OUT/$report.md"
log "done in $((SECONDS - STARTED_AT)) s: $OUT/$report.md (also $RESULTS_ROOT/latest/)"
