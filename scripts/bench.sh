#!/usr/bin/env bash
# The benchmark (bench/README.md): builds a Release hookbridge, starts a real
# Kafka broker, measures hookbridge and its baselines under the same load on
# the same broker, and writes raw numbers and a Markdown report to
# bench-results/<UTC time>/ (bench-results/latest points at the last one).
#
# Usage: scripts/bench.sh [--smoke] [--only SYSTEM[,SYSTEM...]]
#
#   --smoke   one short run of each measurement (under a minute once built):
#             proves the harness works, says nothing about performance
#   --only    measure only these of: micro producer nginx hookbridge express
#
# Settings (environment; full run / --smoke):
#   BENCH_RUNS (3 / 1)              wrk runs per connection count (median taken)
#   BENCH_DURATION (10 / 2)         seconds per wrk run
#   BENCH_CONNECTIONS ("64 512")    wrk keep-alive connections, closed loop ("" for none)
#   BENCH_RATES ("1000 5000 half" / "1000")  vegeta open-loop rates in req/s;
#                                   "half" is 50% of the system's measured maximum ("" for none)
#   BENCH_RATE_DURATION (10 / 2)    seconds per vegeta rate
#   BENCH_WARMUP (3 / 1)            seconds of unrecorded wrk load before measuring
#   BENCH_PRODUCER_RECORDS (300000 / 20000)  records per producer-only run
#   BENCH_PROFILES (10000 / 2000)   distinct 1 KB bodies (profiles) the load rotates through
#   BENCH_PARTITIONS (6)            partitions of each benchmark topic
#   BENCH_WRK_THREADS (2)           wrk threads
#   BENCH_TIMEOUT (10)              seconds before the load tools give up on a request
#   BENCH_MICRO_MIN_TIME (0.5 / 0.01)  Google Benchmark --benchmark_min_time
#   BENCH_KAFKA_PORT (19392)        the benchmark broker's port (and port+1)
#   BENCH_BUILD_DIR (build-bench)   the Release build directory
#   BENCH_RESULTS_DIR (bench-results)
# HOOKBRIDGE_* variables in the environment are passed on to hookbridge (for
# example HOOKBRIDGE_HTTP_THREADS=256); the report lists the settings in force.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

log() { echo "bench [$((SECONDS - ${STARTED_AT:-0}))s]: $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }

SMOKE=0
ONLY=""
while (($#)); do
  case $1 in
    --smoke) SMOKE=1 ;;
    --only) [[ $# -ge 2 ]] || die "--only needs a list, e.g. --only hookbridge,express"; ONLY=$2; shift ;;
    --only=*) ONLY=${1#--only=} ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

ALL_SYSTEMS=(micro producer nginx hookbridge express)
SYSTEMS=()
if [[ -z $ONLY ]]; then
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
DURATION=${BENCH_DURATION:-$(pick 10 2)}
CONNECTIONS=${BENCH_CONNECTIONS-64 512}
RATES=${BENCH_RATES-$(pick "1000 5000 half" "1000")}
RATE_DURATION=${BENCH_RATE_DURATION:-$(pick 10 2)}
WARMUP=${BENCH_WARMUP:-$(pick 3 1)}
PRODUCER_RECORDS=${BENCH_PRODUCER_RECORDS:-$(pick 300000 20000)}
PROFILES=${BENCH_PROFILES:-$(pick 10000 2000)}
PARTITIONS=${BENCH_PARTITIONS:-6}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
TIMEOUT=${BENCH_TIMEOUT:-10}
MICRO_MIN_TIME=${BENCH_MICRO_MIN_TIME:-$(pick 0.5 0.01)}
BENCH_KAFKA_PORT=${BENCH_KAFKA_PORT:-19392}
BUILD=${BENCH_BUILD_DIR:-build-bench}
RESULTS_ROOT=${BENCH_RESULTS_DIR:-$ROOT/bench-results}
API_KEY=bench-key-0123456789abcdef
VEGETA_VERSION=v12.13.0
TOOLS_BIN=$ROOT/.cache/bench/bin
VEGETA=$TOOLS_BIN/vegeta

for n in RUNS DURATION RATE_DURATION WARMUP PRODUCER_RECORDS PROFILES PARTITIONS WRK_THREADS TIMEOUT BENCH_KAFKA_PORT; do
  [[ ${!n} =~ ^[0-9]+$ && ${!n} -gt 0 ]] || die "$n must be a positive integer, not '${!n}'"
done
for c in $CONNECTIONS; do [[ $c =~ ^[0-9]+$ ]] || die "BENCH_CONNECTIONS: '$c' is not a number"; done
for r in $RATES; do [[ $r =~ ^[0-9]+$ || $r == half ]] || die "BENCH_RATES: '$r' is neither a number nor 'half'"; done

STAMP=$(date -u +%Y%m%dT%H%M%SZ)$( ((SMOKE)) && echo -smoke || true)
OUT=$RESULTS_ROOT/$STAMP
RAW=$OUT/raw
mkdir -p "$RAW" "$OUT/logs" "$OUT/meta"
WORK=$(mktemp -d /tmp/hookbridge-bench.XXXXXX)
STARTED_AT=$SECONDS

# --- clean-up: every process this script started, and the broker -----------
SERVER_PIDS=()
BROKER_STARTED=0
broker() { KAFKA_PORT=$BENCH_KAFKA_PORT KAFKA_CONTROLLER_PORT=$((BENCH_KAFKA_PORT + 1)) \
  KAFKA_STATE_DIR=$WORK/kafka scripts/kafka-broker.sh "$@"; }
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
cleanup() {
  local status=$?
  set +e
  for pid in "${SERVER_PIDS[@]}"; do stop_pid "$pid"; done
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
log "systems: ${SYSTEMS[*]}$( ((SMOKE)) && echo ' (smoke run: numbers mean nothing)' || true)"
scripts/install-deps.sh

need() { command -v "$1" >/dev/null || die "$1 is not installed ($2)"; }
need python3 "the report and the measurements"
need curl "readiness probes (scripts/install-deps.sh installs it)"
if wants nginx || wants hookbridge || wants express; then
  need wrk "closed-loop load (scripts/install-deps.sh installs it)"
  if [[ -x $VEGETA && $(cat "$TOOLS_BIN/vegeta.version" 2>/dev/null) == "$VEGETA_VERSION" ]]; then
    :
  else
    GO=$(command -v go || true)
    [[ -z $GO && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
    [[ -n $GO ]] || die "vegeta needs Go >= 1.22 to build (go install): no go in PATH or /usr/local/go/bin"
    go_version=$("$GO" env GOVERSION)
    [[ $go_version =~ ^go1\.([0-9]+) ]] && ((BASH_REMATCH[1] >= 22)) ||
      die "vegeta $VEGETA_VERSION needs Go >= 1.22, $GO is $go_version (Debian 12's golang-go is 1.19: install Go from go.dev or bookworm-backports)"
    log "installing vegeta $VEGETA_VERSION into $TOOLS_BIN (go install, $go_version)"
    mkdir -p "$TOOLS_BIN"
    GOBIN=$TOOLS_BIN GOFLAGS=-mod=mod "$GO" install "github.com/tsenart/vegeta/v12@$VEGETA_VERSION" ||
      die "go install of vegeta $VEGETA_VERSION failed"
    echo "$VEGETA_VERSION" >"$TOOLS_BIN/vegeta.version"
  fi
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

# --- build ------------------------------------------------------------------
log "building hookbridge (Release) in $BUILD"
if ! { cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOOKBRIDGE_BUILD_TESTS=OFF \
         -DHOOKBRIDGE_BUILD_EXAMPLES=OFF -DHOOKBRIDGE_BUILD_BENCHMARKS=ON &&
       cmake --build "$BUILD" --target hookbridge; } >"$OUT/logs/build.log" 2>&1; then
  tail -n 40 "$OUT/logs/build.log" >&2
  die "the Release build failed (log: $OUT/logs/build.log)"
fi
HOOKBRIDGE=$BUILD/hookbridge
"$HOOKBRIDGE" --version >"$OUT/meta/hookbridge-version.txt" 2>&1 || die "$HOOKBRIDGE --version failed"

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
{
  echo "kernel: $(uname -srm)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "cores: $(nproc)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/meta/machine.txt"
{
  echo "hookbridge: $(head -n 1 "$OUT/meta/hookbridge-version.txt")"
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
python3 - "$OUT/meta/settings.json" <<EOF
import json, sys
json.dump({
  "smoke": bool($SMOKE), "systems": "${SYSTEMS[*]}".split(), "runs": $RUNS,
  "duration_s": $DURATION, "connections": [int(c) for c in "$CONNECTIONS".split()],
  "rates": "$RATES".split(), "rate_duration_s": $RATE_DURATION, "warmup_s": $WARMUP,
  "producer_records": $PRODUCER_RECORDS, "profiles": $PROFILES, "partitions": $PARTITIONS,
  "wrk_threads": $WRK_THREADS, "timeout_s": $TIMEOUT, "micro_min_time": "$MICRO_MIN_TIME",
  "body_bytes": 1024, "build_dir": "$BUILD",
}, open(sys.argv[1], "w"), indent=1)
EOF

# --- the micro-benchmark: before the broker starts, on a quieter machine ------
if [[ -n $MICRO ]]; then
  log "micro: $MICRO (${RUNS} repetitions, min time ${MICRO_MIN_TIME} s)"
  mkdir -p "$RAW/micro"
  "$MICRO" --benchmark_format=json --benchmark_out="$RAW/micro/results.json" --benchmark_out_format=json \
    --benchmark_min_time="$MICRO_MIN_TIME" --benchmark_repetitions="$RUNS" \
    --benchmark_report_aggregates_only=true >"$OUT/logs/micro.log" 2>&1 ||
    { tail -n 20 "$OUT/logs/micro.log" >&2; die "the micro-benchmark failed"; }
fi

# --- the load ---------------------------------------------------------------
python3 bench/load/bodies.py bodies "$PROFILES" "$WORK"
BODIES=$WORK/bodies.txt
RECORDS=$WORK/records.tsv

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Sums the end offsets of a topic's partitions: the records it holds.
topic_records() {
  local args=() p
  for ((p = 0; p < PARTITIONS; p++)); do args+=(-t "$1:$p:-1"); done
  kcat -Q -b "$BROKERS" "${args[@]}" 2>/dev/null | grep -o 'offset [0-9]*' | awk '{s += $2} END {print s + 0}'
}

BROKER_PID=""
need_broker() { wants producer || wants hookbridge || wants express; }
if need_broker; then
  log "starting the Kafka broker on 127.0.0.1:$BENCH_KAFKA_PORT"
  BROKER_STARTED=1
  broker start >/dev/null || die "the Kafka broker did not start"
  BROKERS=127.0.0.1:$BENCH_KAFKA_PORT
  BROKER_PID=$(broker pid)
  for system in producer hookbridge express; do
    wants "$system" || continue
    broker create-topic "bench.$system" "$PARTITIONS" >/dev/null || die "could not create topic bench.$system"
  done
fi
BROKER_ARGS=()
[[ -n $BROKER_PID ]] && BROKER_ARGS=(--broker-pid "$BROKER_PID")

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
post_one() {
  curl -s -o /dev/null -w '%{http_code}' -m 5 -X POST "$1" -H "Authorization: Bearer $API_KEY" \
    -H 'Content-Type: application/json' --data-binary "@$WORK/probe.json"
}
head -n 1 "$BODIES" | tr -d '\n' >"$WORK/probe.json"

wrk_cmd() { # CONNECTIONS SECONDS URL
  echo wrk -t"$WRK_THREADS" -c"$1" -d"$2"s --timeout "${TIMEOUT}s" --latency \
    -s "$ROOT/bench/load/post.lua" "$3" -- "$BODIES" "$API_KEY"
}

# Closed loop (wrk), then open loop (vegeta) against one HTTP server.
load_http() {
  local system=$1 url=$2 pid=$3 metrics=${4:-}
  local dir=$RAW/$system
  mkdir -p "$dir"
  local metrics_args=()
  [[ -n $metrics ]] && metrics_args=(--metrics-url "$metrics")
  local alive_check="$system (pid $pid) died during the benchmark (log: $OUT/logs/$system.log)"

  log "$system: warm-up, ${WARMUP} s at 64 connections"
  # shellcheck disable=SC2046  # wrk_cmd's words are meant to split
  python3 bench/measure.py --out "$dir/warmup.json" --tag system="$system" --tag kind=warmup \
    --server-pid "$pid" "${BROKER_ARGS[@]}" "${metrics_args[@]}" --stdout "$dir/warmup.txt" \
    -- $(wrk_cmd 64 "$WARMUP" "$url") || die "$system: wrk failed (output: $dir/warmup.txt)"
  kill -0 "$pid" 2>/dev/null || die "$alive_check"

  local c r
  for c in $CONNECTIONS; do
    for ((r = 1; r <= RUNS; r++)); do
      log "$system: closed loop, $c connections, run $r/$RUNS (${DURATION} s)"
      # shellcheck disable=SC2046  # wrk_cmd's words are meant to split
      python3 bench/measure.py --out "$dir/closed-c$c-run$r.json" --tag system="$system" --tag kind=closed \
        --tag connections="$c" --tag run="$r" --server-pid "$pid" "${BROKER_ARGS[@]}" "${metrics_args[@]}" \
        --stdout "$dir/closed-c$c-run$r.txt" -- $(wrk_cmd "$c" "$DURATION" "$url") ||
        die "$system: wrk failed (output: $dir/closed-c$c-run$r.txt)"
      grep -q '^WRK_JSON ' "$dir/closed-c$c-run$r.txt" || die "$system: wrk printed no result (bench/load/post.lua broken?)"
      kill -0 "$pid" 2>/dev/null || die "$alive_check"
    done
  done

  local max rate label
  max=$(python3 bench/report.py max-throughput "$dir") || die "$system: cannot read the closed-loop results"
  python3 bench/load/bodies.py targets "$url" "$API_KEY" "$BODIES" "$WORK/$system.targets"
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
    local base=$dir/open-$label
    python3 bench/measure.py --out "$base.json" --tag system="$system" --tag kind=open --tag label="$label" \
      --tag rate="$rate" --server-pid "$pid" "${BROKER_ARGS[@]}" "${metrics_args[@]}" --stdout "$base.attack.txt" \
      -- "$VEGETA" attack -targets="$WORK/$system.targets" -format=json -rate="$rate/s" \
      -duration="${RATE_DURATION}s" -timeout="${TIMEOUT}s" -output="$base.bin" ||
      die "$system: vegeta attack failed (output: $base.attack.txt)"
    "$VEGETA" encode --to csv "$base.bin" | python3 bench/load/vegeta_summary.py >"$base.summary.json" ||
      die "$system: cannot summarise the vegeta results"
    "$VEGETA" report -type=json "$base.bin" >"$base.vegeta-report.json"
    gzip -f -1 "$base.bin"
    kill -0 "$pid" 2>/dev/null || die "$alive_check"
  done

  python3 bench/report.py check-system "$dir" || die "$system: every request failed (no 2xx at all)"
}

# How many records a server's topic gained, for the check that it stored at
# least as many records as it answered 2xx.
record_topic() { # SYSTEM TOPIC BEFORE
  local after
  after=$(topic_records "$2")
  echo "{\"topic\": \"$2\", \"records_added\": $((after - $3))}" >"$RAW/$1/topic.json"
}

# --- producer-only ceiling: kcat (librdkafka, as hookbridge), no HTTP ---------
if wants producer; then
  mkdir -p "$RAW/producer"
  for ((r = 1; r <= RUNS; r++)); do
    log "producer: $PRODUCER_RECORDS records with kcat, acks=all, run $r/$RUNS"
    before=$(topic_records bench.producer)
    # shellcheck disable=SC2016  # expanded by the inner bash
    python3 bench/measure.py --out "$RAW/producer/run$r.json" --tag system=producer --tag kind=producer \
      --tag run="$r" --tag records="$PRODUCER_RECORDS" "${BROKER_ARGS[@]}" --stdout "$RAW/producer/run$r.txt" \
      -- bash -c 'while cat "$1"; do :; done | head -n "$2" |
                  kcat -P -b "$3" -t bench.producer -K "$(printf "\t")" -X acks=all -X partitioner=murmur2_random' \
      _ "$RECORDS" "$PRODUCER_RECORDS" "$BROKERS" || die "producer: kcat failed (delivery errors above)"
    after=$(topic_records bench.producer)
    echo "{\"records_stored\": $((after - before))}" >"$RAW/producer/run$r.stored.json"
    ((after > before)) || die "producer: no record reached the broker"
  done
fi

# --- nginx `return 200`: the HTTP ceiling -------------------------------------
if wants nginx; then
  port=$(free_port)
  prefix=$WORK/nginx
  mkdir -p "$prefix"
  sed -e "s#@PREFIX@#$prefix#g" -e "s#@PORT@#$port#g" bench/nginx/nginx.conf.template >"$prefix/nginx.conf"
  cp "$prefix/nginx.conf" "$OUT/meta/nginx.conf"
  nginx -e "$prefix/error.log" -p "$prefix" -c "$prefix/nginx.conf" -t >"$OUT/logs/nginx.log" 2>&1 ||
    { cat "$OUT/logs/nginx.log" >&2; die "nginx: bad configuration"; }
  log "nginx: starting on 127.0.0.1:$port"
  nginx -e "$prefix/error.log" -p "$prefix" -c "$prefix/nginx.conf" >>"$OUT/logs/nginx.log" 2>&1 &
  pid=$!
  SERVER_PIDS+=("$pid")
  wait_for_200 nginx "$pid" post_one "http://127.0.0.1:$port/webhooks/getprofile"
  load_http nginx "http://127.0.0.1:$port/webhooks/getprofile" "$pid"
  stop_pid "$pid"
  cat "$prefix/error.log" >>"$OUT/logs/nginx.log" 2>/dev/null || true
fi

# --- hookbridge ---------------------------------------------------------------
if wants hookbridge; then
  port=$(free_port)
  hb_env=(env -u GETPROFILE_API_KEY_FILE HOOKBRIDGE_LISTEN="127.0.0.1:$port"
    HOOKBRIDGE_KAFKA_BROKERS="$BROKERS" HOOKBRIDGE_KAFKA_TOPIC=bench.hookbridge GETPROFILE_API_KEY="$API_KEY"
    HOOKBRIDGE_DRAIN_GRACE_MS="${HOOKBRIDGE_DRAIN_GRACE_MS:-0}")
  "${hb_env[@]}" "$HOOKBRIDGE" --check-config >"$OUT/meta/hookbridge-config.txt" 2>&1 ||
    { cat "$OUT/meta/hookbridge-config.txt" >&2; die "hookbridge --check-config failed"; }
  # The hookbridge settings the caller's environment added (the ones --help
  # names, and librdkafka properties), for the report.
  known=$("$HOOKBRIDGE" --help | grep -o '(HOOKBRIDGE_[A-Z_]*)' | tr -d '()' | paste -sd'|')
  env | grep -E "^(${known}|HOOKBRIDGE_RDKAFKA_[A-Z0-9_]+)=" |
    grep -v -E '^HOOKBRIDGE_(LISTEN|KAFKA_BROKERS|KAFKA_TOPIC)=' | sort >"$OUT/meta/hookbridge-env.txt" || true
  before=$(topic_records bench.hookbridge)
  log "hookbridge: starting on 127.0.0.1:$port ($HOOKBRIDGE)"
  "${hb_env[@]}" "$HOOKBRIDGE" >"$OUT/logs/hookbridge.log" 2>&1 &
  pid=$!
  SERVER_PIDS+=("$pid")
  wait_for_200 hookbridge "$pid" curl -s -o /dev/null -w '%{http_code}' -m 5 "http://127.0.0.1:$port/readyz"
  wait_for_200 hookbridge "$pid" post_one "http://127.0.0.1:$port/webhooks/getprofile"
  load_http hookbridge "http://127.0.0.1:$port/webhooks/getprofile" "$pid" "http://127.0.0.1:$port/metrics"
  curl -s -m 5 "http://127.0.0.1:$port/metrics" >"$RAW/hookbridge/metrics-final.txt" || true
  stop_pid "$pid"
  record_topic hookbridge bench.hookbridge "$before"
  # The access log (a line per request) is too big to keep.
  mv "$OUT/logs/hookbridge.log" "$WORK/hookbridge.log"
  { echo "(every line but the $(grep -c '"message":"webhook"' "$WORK/hookbridge.log") access-log lines, at most 1000)"
    grep -v '"message":"webhook"' "$WORK/hookbridge.log" | head -n 1000 || true; } >"$OUT/logs/hookbridge.log"
fi

# --- Express + kafkajs: what a user would write --------------------------------
if wants express; then
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
  record_topic express bench.express "$before"
  mv "$OUT/logs/express.log" "$WORK/express.log"  # a line per event: too big to keep
  { echo "(the first 100 and the last 100 of $(wc -l <"$WORK/express.log") lines)"
    head -n 100 "$WORK/express.log"; echo ...; tail -n 100 "$WORK/express.log"; } >"$OUT/logs/express.log"
fi

if ((BROKER_STARTED)); then
  broker stop >/dev/null 2>&1 || true
  BROKER_STARTED=0
fi

# --- the report ---------------------------------------------------------------
echo "$((SECONDS - STARTED_AT))" >"$OUT/meta/elapsed_s.txt"
python3 bench/report.py report "$OUT" || die "bench/report.py could not write the report"
[[ -s $OUT/report.md ]] || die "no report was written to $OUT/report.md"
ln -sfn "$STAMP" "$RESULTS_ROOT/latest"
cat "$OUT/report.md"
log "done in $((SECONDS - STARTED_AT)) s: $OUT/report.md (also $RESULTS_ROOT/latest/)"
