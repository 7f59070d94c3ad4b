#!/usr/bin/env bash
# Runs a real single-node Apache Kafka broker (KRaft, broker+controller in one
# JVM) on loopback for integration tests. Jars come from Maven Central via
# scripts/kafka/pom.xml because that is the only download source we have.
#
# Usage: kafka-broker.sh fetch | start | stop | pid | create-topic NAME PARTITIONS
#                       | kill | restart
#
# scripts/kafka-cluster.sh sources this file for fetch, write_log4j, run_java,
# running_pid and random_cluster_id, and scripts/kafka-secured-broker.sh for
# the same broker with other listeners (write_server_properties,
# launch_and_wait, restart, stop...). Sourced, it defines them and runs no
# command.
#
# The broker runs with Kafka's own default auto.create.topics.enable=true,
# what most operators run: a client that asks for a topic's metadata may
# create it. Every suite on it therefore proves that hookbridge creates no
# topic (tests/e2e/operations_missing_topic_test.cc). The suites create their
# topics before use; their librdkafka clients are consumers (which do not
# auto-create) or, in tests/e2e/kafka_test_client.cc, set
# allow.auto.create.topics=false.
#
# start wipes any state left behind and formats a fresh one; stop stops the
# broker and removes its state. For fault tests: kill SIGKILLs the broker and
# keeps its state dir as the crash left it; restart relaunches a broker on that
# existing state (same cluster id, topics and records) without wiping it.
#
# Env: KAFKA_VERSION (4.1.1), KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT
# (PORT+1), KAFKA_STATE_DIR (/tmp/hookbridge-kafka), KAFKA_CACHE_DIR,
# KAFKA_START_TIMEOUT (90 s), JAVA_HOME (else java from PATH).
set -euo pipefail

VERSION=${KAFKA_VERSION:-4.1.1}
PORT=${KAFKA_PORT:-19092}
CPORT=${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}
STATE=${KAFKA_STATE_DIR:-/tmp/hookbridge-kafka}
CACHE=${KAFKA_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/hookbridge/kafka-$VERSION}
START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
BOOTSTRAP=127.0.0.1:$PORT
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
POM=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kafka/pom.xml
JARS=$CACHE/jars
PIDFILE=$STATE/broker.pid
LOG=$STATE/broker.log

die() { echo "kafka-broker: $*" >&2; exit 1; }

fetch() {
  [[ -f $JARS/.complete ]] && return 0
  mkdir -p "$CACHE"
  # Resolve into a temp dir and rename, so an interrupted or concurrent fetch
  # never leaves a half-filled jar dir that later runs would trust.
  local tmp
  tmp=$(mktemp -d "$CACHE/jars.tmp.XXXXXX")
  if ! mvn -B -q -Dstyle.color=never -f "$POM" -Dkafka.version="$VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime \
      -DoutputDirectory="$tmp" >"$CACHE/mvn.log" 2>&1; then
    rm -rf "$tmp"
    cat "$CACHE/mvn.log" >&2
    die "could not resolve Kafka $VERSION from Maven (log above)"
  fi
  touch "$tmp/.complete"
  mv -T "$tmp" "$JARS" 2>/dev/null || rm -rf "$tmp"  # lost a race: fine
}

# The tools and the broker share one log4j2 config; the level is a system
# property so tools stay quiet (WARN) while the broker logs INFO to its file.
write_log4j() {
  cat >"$STATE/log4j2.properties" <<'EOF'
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = ${sys:hb.log.level:-INFO}
rootLogger.appenderRef.err.ref = err
EOF
}

# The short-lived tools (storage format, topic, ACL and quorum commands): the
# C1 compiler only and the serial collector, as a JVM that runs a second or
# two is best served; a third less CPU per tool here (1.2 s instead of 1.8).
# Not for the brokers, whose throughput the benchmark measures.
run_java() {
  "$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
    -Dlog4j2.configurationFile="$STATE/log4j2.properties" -cp "$JARS/*" "$@"
}

# A pid is ours only if that process is a live (not zombie) kafka.Kafka on
# our config: pids get reused, and a SIGKILLed broker may linger as a zombie
# when PID 1 does not reap.
# Another broker's: running_pid PIDFILE CONFIG (kafka-cluster.sh's nodes).
running_pid() {
  local pid pidfile=${1:-$PIDFILE} config=${2:-$STATE/server.properties}
  pid=$(cat "$pidfile" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  grep -qa "$config" "/proc/$pid/cmdline" 2>/dev/null || return 1
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]] || return 1
  echo "$pid"
}

# Kafka's Uuid format: 16 random bytes, base64url, no padding (22 chars).
# Kafka itself rejects a leading '-' because it reads like a CLI flag.
random_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    [[ $id == -* ]] || { echo "$id"; return; }
  done
}

# The listener lines of this plain broker: PLAINTEXT for clients and between
# brokers, the controller's own listener. kafka-secured-broker.sh passes its
# own to write_server_properties instead.
plain_listener_properties() {
  cat <<EOF
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
EOF
}

# write_server_properties [LINES]: $STATE/server.properties, the settings every
# single-node broker of these scripts shares, with LINES (the listeners and
# anything else a broker adds) in the middle; the plain listeners by default.
write_server_properties() {
  local listeners
  listeners=${1:-$(plain_listener_properties)}
  # Static voters rather than --standalone: it formats the same way on every
  # 4.x release, and a one-node quorum never needs to be reconfigured.
  cat >"$STATE/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
controller.listener.names=CONTROLLER
$listeners
log.dirs=$STATE/data
num.partitions=1
auto.create.topics.enable=true
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
}

start() {
  local pid
  if pid=$(running_pid); then
    echo "$BOOTSTRAP"
    return 0
  fi
  fetch
  # Whatever is left belongs to a dead broker; its metadata log would carry an
  # old cluster id and topics, so tests would not start from a clean slate.
  rm -rf "$STATE"
  mkdir -p "$STATE"
  write_log4j
  write_server_properties
  run_java -Dhb.log.level=WARN kafka.tools.StorageTool format \
    -t "$(random_cluster_id)" -c "$STATE/server.properties" >"$STATE/format.log" 2>&1 \
    || { cat "$STATE/format.log" >&2; die "storage format failed"; }

  launch_and_wait
  echo "$BOOTSTRAP"
}

# Whether the broker serves: a client gets metadata listing it, i.e. it has
# registered with the controller and is unfenced; an open port is not enough.
# kafka-secured-broker.sh defines its own (it asks with a client certificate).
broker_ready() {
  kcat -b "$BOOTSTRAP" -L -m 2 2>/dev/null | grep -q "broker 1 at"
}

# Launches the broker on the formatted $STATE and waits until broker_ready.
launch_and_wait() {
  # All fds redirected, so a caller doing $(kafka-broker.sh start) or piping
  # us does not wait forever on a pipe the broker holds open. Appending keeps
  # the log of a previous run on the same state (restart).
  "$JAVA" -Xms256m -Xmx512m -XX:+ExitOnOutOfMemoryError \
    -Dlog4j2.configurationFile="$STATE/log4j2.properties" \
    -cp "$JARS/*" kafka.Kafka "$STATE/server.properties" \
    </dev/null >>"$LOG" 2>&1 &
  echo $! >"$PIDFILE"

  local deadline=$((SECONDS + START_TIMEOUT))
  until broker_ready; do
    if ! running_pid >/dev/null || ((SECONDS >= deadline)); then
      echo "--- last 50 lines of $LOG ---" >&2
      tail -n 50 "$LOG" >&2
      kill_broker  # state dir kept so the full log can be inspected
      die "${BROKER_NAME:-broker} did not become ready on ${READY_AT:-$BOOTSTRAP}"
    fi
    sleep 0.5
  done
}

kill_broker() {
  local pid
  if pid=$(running_pid); then
    # CONT too: a broker that a test SIGSTOPped would never act on the TERM.
    kill -TERM "$pid" 2>/dev/null || true
    kill -CONT "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while running_pid >/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if running_pid >/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      while running_pid >/dev/null; do sleep 0.1; done
    fi
  fi
}

stop() {
  kill_broker
  rm -rf "$STATE"
}

# SIGKILL, as in a crash: no clean shutdown, the state dir stays as it is.
crash_broker() {
  local pid
  pid=$(running_pid) || die "broker is not running"
  kill -KILL "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while running_pid >/dev/null; do
    ((SECONDS < deadline)) || die "broker $pid did not die after SIGKILL"
    sleep 0.05
  done
}

# Relaunches the broker on the state a previous start left (after kill or a
# crash): same cluster id, topics and records; nothing is wiped or formatted.
restart() {
  if running_pid >/dev/null; then
    echo "$BOOTSTRAP"
    return 0
  fi
  [[ -f $STATE/server.properties && -f $STATE/data/meta.properties ]] \
    || die "no formatted broker state in $STATE (run start first)"
  fetch
  echo "--- restart on existing state $(date -u +%FT%TZ) ---" >>"$LOG"
  launch_and_wait
  echo "$BOOTSTRAP"
}

create_topic() {
  (($# == 2)) || die "usage: create-topic NAME PARTITIONS"
  running_pid >/dev/null || die "broker is not running (run start first)"
  run_java -Dhb.log.level=WARN org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor 1
}

# Sourced (by kafka-cluster.sh): the functions only.
[[ ${BASH_SOURCE[0]} == "$0" ]] || return 0

case ${1:-} in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  pid) running_pid || die "broker is not running" ;;
  create-topic) shift; create_topic "$@" ;;
  kill) crash_broker ;;
  restart) restart ;;
  *) die "usage: $0 fetch|start|stop|pid|create-topic NAME PARTITIONS|kill|restart" ;;
esac
