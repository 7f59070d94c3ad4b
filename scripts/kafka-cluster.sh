#!/usr/bin/env bash
# A three-node Apache Kafka cluster (KRaft, each JVM broker+controller, the
# three form the controller quorum) for the cluster fault tests. Each node
# runs in its own network namespace, joined to the others and to this host by
# veth pairs on one bridge, so a test can cut a node off (blackhole routes)
# exactly as a network partition would. Nothing has a route out of the
# machine: the namespaces know only the bridge's /24.
#
#   node N (1..3): netns ${PREFIX}-kN, address NET.(10+N),
#                  broker port BASE+2(N-1), controller port BASE+2(N-1)+1
#   this host:     bridge ${PREFIX}-br, address NET.1 (hookbridge and the
#                  tools connect from here)
#
# Topics: replication factor 3, min.insync.replicas=2, no unclean election.
# Needs root (ip netns); the jars and helpers are kafka-broker.sh's.
#
# Usage: kafka-cluster.sh
#   start                      fresh cluster (wipes state), ready = 3 brokers registered
#   stop                       stop every node, remove state and network
#   bootstrap                  print the bootstrap servers
#   create-topic NAME PARTS    RF 3, min.insync.replicas=2, then wait-in-sync
#   wait-in-sync NAME [SECS]   until every partition has a leader and all 3 in sync
#   isr NAME [NODE]            "partition P leader L isr A,B,C" per partition
#                              (as NODE sees it; default: any node)
#   leader NAME PARTITION      the partition's leader node id (-1: none)
#   controller                 the active controller's node id
#   pid N | kill N | term N | pause N | resume N | restart N
#                              kill = SIGKILL (state kept); term = SIGTERM and
#                              wait for the exit; restart = relaunch on the
#                              node's state and wait until it is registered
#   cut N PEER...              partition node N from each PEER (a node id, or
#                              "client" for this host: hookbridge, tools)
#   heal                       remove every cut
#   log-tail N LINES           the end of node N's broker log
#
# Env: KAFKA_CLUSTER_PORT (19600), KAFKA_CLUSTER_STATE_DIR
# (/tmp/hookbridge-kafka-cluster), KAFKA_CLUSTER_NET (10.196.0: a /24 no one
# else uses), KAFKA_CLUSTER_NETNS_PREFIX (hbc), KAFKA_CLUSTER_HEAP (384m),
# KAFKA_CLUSTER_REPLICA_LAG_MS (10000), KAFKA_START_TIMEOUT (120 s).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLUSTER_STATE=${KAFKA_CLUSTER_STATE_DIR:-/tmp/hookbridge-kafka-cluster}
# kafka-broker.sh's functions (fetch, write_log4j, run_java, running_pid,
# random_cluster_id) work on $STATE: the cluster's top directory.
KAFKA_STATE_DIR=$CLUSTER_STATE
# shellcheck source=kafka-broker.sh
source "$HERE/kafka-broker.sh"

BASE=${KAFKA_CLUSTER_PORT:-19600}
NET=${KAFKA_CLUSTER_NET:-10.196.0}
PREFIX=${KAFKA_CLUSTER_NETNS_PREFIX:-hbc}
HEAP=${KAFKA_CLUSTER_HEAP:-384m}
# Kafka's default is 30 s; 10 s keeps the "paused follower leaves the ISR"
# scenario short. It changes when the ISR shrinks, not what acks=all means.
REPLICA_LAG_MS=${KAFKA_CLUSTER_REPLICA_LAG_MS:-10000}
START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}
NODES=(1 2 3)
BRIDGE=$PREFIX-br
CLIENT_IP=$NET.1

die() { echo "kafka-cluster: $*" >&2; exit 1; }
netns() { echo "$PREFIX-k$1"; }
ip_of() { echo "$NET.$((10 + $1))"; }
port_of() { echo $((BASE + 2 * ($1 - 1))); }
cport_of() { echo $((BASE + 2 * ($1 - 1) + 1)); }
node_dir() { echo "$CLUSTER_STATE/node$1"; }
check_node() { [[ ${1:-} =~ ^[123]$ ]] || die "node must be 1, 2 or 3 (got '${1:-}')"; }

bootstrap() {
  local n out=()
  for n in "${NODES[@]}"; do out+=("$(ip_of "$n"):$(port_of "$n")"); done
  (IFS=,; echo "${out[*]}")
}

controller_bootstrap() {
  local n out=()
  for n in "${NODES[@]}"; do out+=("$(ip_of "$n"):$(cport_of "$n")"); done
  (IFS=,; echo "${out[*]}")
}

# --- the network ------------------------------------------------------------

net_up() {
  ip link add "$BRIDGE" type bridge || die "cannot create bridge $BRIDGE (needs root)"
  ip addr add "$CLIENT_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  local n ns
  for n in "${NODES[@]}"; do
    ns=$(netns "$n")
    ip netns add "$ns" || die "the kernel refused a network namespace ($ns): ip netns needs root and CONFIG_NET_NS"
    ip link add "$PREFIX-v$n" type veth peer name eth0 netns "$ns"
    ip link set "$PREFIX-v$n" master "$BRIDGE" up
    ip -n "$ns" addr add "$(ip_of "$n")/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
  done
}

net_down() {
  local n
  for n in "${NODES[@]}"; do
    ip link del "$PREFIX-v$n" 2>/dev/null || true
    ip netns del "$(netns "$n")" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
}

# Silent drops both ways, as a partition: a blackhole route in each side's
# namespace. For "client" only node N's side: replies to this host vanish, so
# no connection to N completes or carries an answer.
cut() {
  local n=$1 peer
  check_node "$n"
  shift
  (($# > 0)) || die "usage: cut N PEER... (PEER: 1..3 or client)"
  for peer in "$@"; do
    if [[ $peer == client ]]; then
      ip -n "$(netns "$n")" route replace blackhole "$CLIENT_IP/32"
    else
      check_node "$peer"
      [[ $peer != "$n" ]] || die "cannot cut node $n from itself"
      ip -n "$(netns "$n")" route replace blackhole "$(ip_of "$peer")/32"
      ip -n "$(netns "$peer")" route replace blackhole "$(ip_of "$n")/32"
    fi
  done
}

heal() {
  local n
  for n in "${NODES[@]}"; do
    ip -n "$(netns "$n")" route flush type blackhole 2>/dev/null || true
  done
}

# --- the nodes --------------------------------------------------------------

# node N's live JVM (kafka-broker.sh's check: live, not a zombie, on N's config).
node_pid() { running_pid "$(node_dir "$1")/broker.pid" "$(node_dir "$1")/server.properties"; }

write_node_properties() {
  local n=$1 voters="" m
  for m in "${NODES[@]}"; do voters+="${voters:+,}$m@$(ip_of "$m"):$(cport_of "$m")"; done
  cat >"$(node_dir "$n")/server.properties" <<EOF
process.roles=broker,controller
node.id=$n
controller.quorum.voters=$voters
listeners=PLAINTEXT://$(ip_of "$n"):$(port_of "$n"),CONTROLLER://$(ip_of "$n"):$(cport_of "$n")
advertised.listeners=PLAINTEXT://$(ip_of "$n"):$(port_of "$n")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$(node_dir "$n")/data
num.partitions=1
auto.create.topics.enable=false
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
replica.lag.time.max.ms=$REPLICA_LAG_MS
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
group.initial.rebalance.delay.ms=0
# The log cleaner takes a 128 MiB dedupe buffer by default, half the heap: a
# node restarted on the suite's many logs once ran out of heap taking it.
log.cleaner.dedupe.buffer.size=16777216
EOF
}

# Launches node N on its formatted state, inside its namespace.
launch() {
  local n=$1 dir
  dir=$(node_dir "$n")
  # All fds redirected: a caller reading our output must not wait on a pipe
  # the JVM holds open. Appending keeps the log across restarts.
  ip netns exec "$(netns "$n")" "$JAVA" -Xms"$HEAP" -Xmx"$HEAP" -XX:+ExitOnOutOfMemoryError \
    -Dlog4j2.configurationFile="$CLUSTER_STATE/log4j2.properties" \
    -cp "$JARS/*" kafka.Kafka "$dir/server.properties" \
    </dev/null >>"$dir/broker.log" 2>&1 &
  echo $! >"$dir/broker.pid"
}

# The metadata as a client sees it (kcat), from any node that answers, or
# from node $ASK only: a node cut off from the others has its own, stale view.
ASK=
metadata() {
  local servers
  servers=$(bootstrap)
  [[ -z $ASK ]] || servers=$(ip_of "$ASK"):$(port_of "$ASK")
  kcat -b "$servers" -L -m 5 "$@" 2>/dev/null
}

# Waits until `check` succeeds; on timeout prints the nodes' log tails, fails.
wait_for() {
  local what=$1 timeout=$2 check=$3 deadline=$((SECONDS + $2))
  until $check; do
    if ((SECONDS >= deadline)); then
      local n
      for n in "${NODES[@]}"; do
        echo "--- node $n: last 20 lines of $(node_dir "$n")/broker.log ---" >&2
        tail -n 20 "$(node_dir "$n")/broker.log" >&2 2>/dev/null || true
      done
      die "$what: not within $timeout s"
    fi
    sleep 0.5
  done
}

all_registered() { [[ $(metadata | grep -c '^  broker [123] at') == 3 ]]; }

start() {
  stop_all
  fetch
  mkdir -p "$CLUSTER_STATE"
  write_log4j
  net_up
  local n id
  id=$(random_cluster_id)
  for n in "${NODES[@]}"; do
    mkdir -p "$(node_dir "$n")"
    write_node_properties "$n"
    run_java -Dhb.log.level=WARN kafka.tools.StorageTool format -t "$id" \
      -c "$(node_dir "$n")/server.properties" >"$(node_dir "$n")/format.log" 2>&1 \
      || { cat "$(node_dir "$n")/format.log" >&2; die "storage format of node $n failed"; }
  done
  for n in "${NODES[@]}"; do launch "$n"; done
  wait_for "three brokers registered" "$START_TIMEOUT" all_registered
  bootstrap
}

signal_and_wait() {
  local n=$1 signal=$2 timeout=$3 pid deadline
  pid=$(node_pid "$n") || return 0
  kill "-$signal" "$pid" 2>/dev/null || true
  kill -CONT "$pid" 2>/dev/null || true  # a paused JVM would never act on TERM
  deadline=$((SECONDS + timeout))
  while node_pid "$n" >/dev/null; do
    if ((SECONDS >= deadline)); then
      [[ $signal == KILL ]] && die "node $n ($pid) did not die after SIGKILL"
      echo "kafka-cluster: node $n did not exit $timeout s after SIG$signal; SIGKILL" >&2
      signal=KILL
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 30))
    fi
    sleep 0.1
  done
}

# SIGKILL: the state is wiped anyway, and a clean shutdown of the last node
# would hang once the other two are gone (no controller quorum).
stop_all() {
  local n
  for n in "${NODES[@]}"; do signal_and_wait "$n" KILL 30; done
  net_down
  rm -rf "$CLUSTER_STATE"
}

restart() {
  local n=$1
  check_node "$n"
  node_pid "$n" >/dev/null && return 0
  [[ -f $(node_dir "$n")/data/meta.properties ]] || die "node $n has no formatted state (run start first)"
  fetch
  echo "--- restart on existing state $(date -u +%FT%TZ) ---" >>"$(node_dir "$n")/broker.log"
  launch "$n"
  # shellcheck disable=SC2317  # called through wait_for
  registered() { node_pid "$1" >/dev/null && metadata | grep -q "^  broker $1 at"; }
  wait_for "node $n registered again" "$START_TIMEOUT" "registered $n"
}

# "partition P leader L isr A,B,C" for each partition of the topic.
isr() {
  metadata -t "$1" | sed -n 's/^ *partition \([0-9]*\), leader \(-\?[0-9]*\), replicas: [0-9,]*, isrs: \([0-9,]*\).*/partition \1 leader \2 isr \3/p'
}

all_in_sync() {
  local lines
  lines=$(isr "$1")
  [[ -n $lines ]] || return 1
  ! grep -qv ' leader [123] isr [123],[123],[123]$' <<<"$lines"
}

create_topic() {
  (($# == 2)) || die "usage: create-topic NAME PARTITIONS"
  run_java -Dhb.log.level=WARN org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "$(bootstrap)" --create --if-not-exists --topic "$1" \
    --partitions "$2" --replication-factor 3 \
    --config min.insync.replicas=2 --config unclean.leader.election.enable=false
  wait_for "topic $1 in sync" "$START_TIMEOUT" "all_in_sync $1"
}

leader() {
  (($# == 2)) || die "usage: leader NAME PARTITION"
  local line
  line=$(isr "$1" | grep "^partition $2 ") || die "no partition $2 of topic $1 in the metadata"
  awk '{print $4}' <<<"$line"
}

controller() {
  local out
  out=$(run_java -Dhb.log.level=WARN org.apache.kafka.tools.MetadataQuorumCommand \
    --bootstrap-controller "$(controller_bootstrap)" describe --status 2>&1) \
    || die "cannot describe the quorum: $out"
  sed -n 's/^LeaderId: *\([0-9]*\).*/\1/p' <<<"$out" | grep . || die "no LeaderId in: $out"
}

command=${1:-}
shift || true
case $command in
  start) start ;;
  stop) stop_all ;;
  bootstrap) bootstrap ;;
  create-topic) create_topic "$@" ;;
  wait-in-sync) wait_for "topic $1 in sync" "${2:-$START_TIMEOUT}" "all_in_sync $1" ;;
  isr) [[ -z ${2:-} ]] || { check_node "$2"; ASK=$2; }
       isr "$1" ;;
  leader) leader "$@" ;;
  controller) controller ;;
  pid) check_node "${1:-}"; node_pid "$1" || die "node $1 is not running" ;;
  kill) check_node "${1:-}"; node_pid "$1" >/dev/null || die "node $1 is not running"
        signal_and_wait "$1" KILL 30 ;;
  term) check_node "${1:-}"; signal_and_wait "$1" TERM 60 ;;
  pause) check_node "${1:-}"; pid=$(node_pid "$1") || die "node $1 is not running"
         kill -STOP "$pid" ;;
  resume) check_node "${1:-}"; pid=$(node_pid "$1") && kill -CONT "$pid" || true ;;
  restart) restart "${1:-}" ;;
  cut) cut "$@" ;;
  log-tail) check_node "${1:-}"; tail -n "${2:-50}" "$(node_dir "$1")/broker.log" 2>/dev/null || true ;;
  heal) heal ;;
  *) die "usage: $0 start|stop|bootstrap|create-topic NAME PARTS|wait-in-sync NAME [SECS]|isr NAME|leader NAME P|controller|pid|kill|term|pause|resume|restart N|cut N PEER...|heal" ;;
esac
