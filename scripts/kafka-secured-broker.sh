#!/usr/bin/env bash
# The same single-node KRaft broker as kafka-broker.sh, secured the way
# production clusters are (issue 24), for the secured suites and for trying
# hookbridge against it:
#
#   SASL_SSL  127.0.0.1:PORT     SCRAM-SHA-512; users created at format time
#   SSL       127.0.0.1:PORT+2   mutual TLS: a client certificate is required
#   CONTROLLER 127.0.0.1:PORT+1  mutual TLS too (the broker's own certificate)
#
# A CA and every certificate are made with openssl at start (valid 2 days).
# A certificate's CN is its principal (ssl.principal.mapping.rules), so
# CN=hookbridge on the SSL listener and the SCRAM user hookbridge are the same
# User:hookbridge and one set of ACLs covers both listeners.
# StandardAuthorizer, allow.everyone.if.no.acl.found=false; super users are
# User:admin (the tools below) and User:broker (the node itself). ACLs, the
# least each client needs (docs/operations.md#secured-kafka says why):
#   User:hookbridge         Write, Describe on topics prefixed $TOPIC_PREFIX
#   User:hookbridge-replay  Read, Describe on topics prefixed $TOPIC_PREFIX;
#                           Read on the consumer groups prefixed hookbridge-replay
# A topic outside the prefix is one hookbridge may not write (the tests' case
# of a missing ACL).
#
# Files in $STATE/secrets (what a deployment mounts from Secrets):
#   ca.pem                          the CA clients trust
#   USER.password                   SCRAM password of USER (admin, hookbridge, hookbridge-replay)
#   USER.crt USER.key USER.key.password
#                                   client certificate, its key (PEM, encrypted
#                                   with AES-256) and the key's password
#   untrusted.crt untrusted.key untrusted.key.password
#                                   CN=hookbridge, signed by a CA the broker does not trust
#   expired.crt expired.key expired.key.password
#                                   CN=hookbridge, signed by the CA, expired yesterday
#   expired-broker.crt expired-broker.key expired-broker.key.password
#                                   the broker's name (IP:127.0.0.1), expired: the
#                                   suite serves it with openssl s_server, as a
#                                   broker whose certificate ran out would
#   hookbridge-retiring.crt .key .key.password
#                                   CN=hookbridge-retiring, signed by the CA, no ACL:
#                                   the certificate-rotation test grants and revokes it
#   admin.properties                Kafka tools' client config (SASL_SSL as admin)
#
# Usage: kafka-secured-broker.sh start | stop | pid | kill | restart
#          | create-topic NAME PARTITIONS
#          | set-password USER NEW_PASSWORD_FILE   (SCRAM credential of USER, live)
#          | bootstrap [sasl|mtls]                  (print the address)
#
# Env: KAFKA_PORT (19094), KAFKA_STATE_DIR (/tmp/hookbridge-kafka-secured),
# KAFKA_SECURED_TOPIC_PREFIX (hookbridge.), KAFKA_START_TIMEOUT (180 s), the
# rest as kafka-broker.sh.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KAFKA_PORT=${KAFKA_PORT:-19094}
KAFKA_STATE_DIR=${KAFKA_STATE_DIR:-/tmp/hookbridge-kafka-secured}
# kafka-broker.sh's functions: fetch, write_log4j, run_java, running_pid,
# random_cluster_id, write_server_properties, launch_and_wait (which calls the
# broker_ready below), restart, stop, kill_broker, crash_broker; they work on
# $STATE, $PORT (the SASL_SSL port) and $CPORT.
# shellcheck source=kafka-broker.sh
source "$HERE/kafka-broker.sh"

# More than the plain broker's 90 s: this start also makes certificates and
# runs two JVM tools for the ACLs, and on a busy 2-core machine took 104 s.
START_TIMEOUT=${KAFKA_START_TIMEOUT:-180}
SASL_PORT=$PORT
MTLS_PORT=$((PORT + 2))
SECRETS=$STATE/secrets
ADMIN_CONFIG=$STATE/secrets/admin.properties
TOPIC_PREFIX=${KAFKA_SECURED_TOPIC_PREFIX:-hookbridge.}
USERS=(admin hookbridge hookbridge-replay)

# 32 hex characters: nothing a shell, a JAAS line or a properties file quotes.
random_secret() { head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# make_cert NAME CN CA [SAN]: NAME.key (encrypted with NAME.key.password) and
# NAME.crt signed by CA (a prefix: CA.key, CA.pem).
make_cert() {
  local name=$1 cn=$2 ca=$3 san=${4:-}
  random_secret >"$SECRETS/$name.key.password"
  openssl req -new -newkey rsa:2048 -subj "/CN=$cn" \
    -keyout "$SECRETS/$name.key" -passout "file:$SECRETS/$name.key.password" \
    -out "$SECRETS/$name.csr" 2>/dev/null
  local ext=()
  if [[ -n $san ]]; then
    printf 'subjectAltName=%s\n' "$san" >"$SECRETS/$name.ext"
    ext=(-extfile "$SECRETS/$name.ext")
  fi
  openssl x509 -req -in "$SECRETS/$name.csr" -CA "$SECRETS/$ca.pem" -CAkey "$SECRETS/$ca.key" \
    -CAcreateserial -days 2 -sha256 "${ext[@]}" -out "$SECRETS/$name.crt" 2>/dev/null
  rm -f "$SECRETS/$name.csr" "$SECRETS/$name.ext"
}

# make_expired_cert NAME CN [SAN]: as make_cert with the CA "ca", but valid
# from two days ago until yesterday. openssl x509 -req takes no start date
# before OpenSSL 3.4 (Debian 12 has 3.0); openssl ca does, with a throwaway
# database.
make_expired_cert() {
  local name=$1 cn=$2 san=${3:-} db ext=()
  db=$(mktemp -d "$SECRETS/ca-db.XXXXXX")
  random_secret >"$SECRETS/$name.key.password"
  openssl req -new -newkey rsa:2048 -subj "/CN=$cn" \
    -keyout "$SECRETS/$name.key" -passout "file:$SECRETS/$name.key.password" \
    -out "$db/$name.csr" 2>/dev/null
  if [[ -n $san ]]; then
    printf 'subjectAltName=%s\n' "$san" >"$db/$name.ext"
    ext=(-extfile "$db/$name.ext")
  fi
  touch "$db/index.txt"
  random_secret >"$db/serial"
  cat >"$db/ca.cnf" <<EOF
[ca]
default_ca = expired
[expired]
database = $db/index.txt
new_certs_dir = $db
serial = $db/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
EOF
  openssl ca -batch -notext -config "$db/ca.cnf" -cert "$SECRETS/ca.pem" -keyfile "$SECRETS/ca.key" \
    -startdate "$(date -u -d '-2 days' +%Y%m%d%H%M%SZ)" \
    -enddate "$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)" \
    "${ext[@]}" -in "$db/$name.csr" -out "$SECRETS/$name.crt" 2>/dev/null
  rm -rf "$db"
}

make_ca() {
  openssl req -x509 -new -newkey rsa:2048 -nodes -subj "/CN=$2" -days 2 -sha256 \
    -keyout "$SECRETS/$1.key" -out "$SECRETS/$1.pem" 2>/dev/null
}

make_secrets() {
  mkdir -p "$SECRETS"
  chmod 700 "$SECRETS"
  make_ca ca "hookbridge test CA"
  make_ca rogue-ca "a CA the broker does not trust"
  # The broker's: its SAN is the address it advertises and nothing else, so a
  # client that reaches it under another name (localhost) fails verification.
  make_cert broker broker ca "IP:127.0.0.1"
  # Kafka's PEM key store: the key as unencrypted PKCS#8, then the chain.
  openssl pkcs8 -topk8 -nocrypt -in "$SECRETS/broker.key" \
    -passin "file:$SECRETS/broker.key.password" -out "$SECRETS/broker.keystore.pem"
  cat "$SECRETS/broker.crt" >>"$SECRETS/broker.keystore.pem"
  local user
  for user in "${USERS[@]}"; do
    random_secret >"$SECRETS/$user.password"
    make_cert "$user" "$user" ca
  done
  make_cert untrusted hookbridge rogue-ca
  make_expired_cert expired hookbridge
  make_expired_cert expired-broker broker "IP:127.0.0.1"
  make_cert hookbridge-retiring hookbridge-retiring ca
  rm -f "$SECRETS/rogue-ca.key"
  cat >"$ADMIN_CONFIG" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(cat "$SECRETS/admin.password")";
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/ca.pem
EOF
}

# The listeners, TLS, SASL and the authorizer: the lines this broker adds to
# kafka-broker.sh's server.properties.
secured_properties() {
  cat <<EOF
listeners=SASL_SSL://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$MTLS_PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=SASL_SSL://127.0.0.1:$SASL_PORT,SSL://127.0.0.1:$MTLS_PORT
inter.broker.listener.name=SSL
listener.security.protocol.map=SASL_SSL:SASL_SSL,SSL:SSL,CONTROLLER:SSL
ssl.keystore.type=PEM
ssl.keystore.location=$SECRETS/broker.keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$SECRETS/ca.pem
listener.name.ssl.ssl.client.auth=required
listener.name.controller.ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=([^,]+)$/\$1/,DEFAULT
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:broker
EOF
}

# Ready means the admin gets metadata listing the broker (kafka-broker.sh's
# launch_and_wait calls this in place of its own). Asked on the mutual TLS
# listener: Debian 12's kcat (librdkafka 2.0.2) fails SCRAM against this
# broker with "invalid credentials" where librdkafka 2.8.0 and the Java client
# succeed with the same password.
BROKER_NAME="secured broker"
READY_AT=127.0.0.1:$MTLS_PORT  # for launch_and_wait's message
broker_ready() {
  kcat -b "127.0.0.1:$MTLS_PORT" -L -m 2 -X security.protocol=SSL \
    -X "ssl.ca.location=$SECRETS/ca.pem" -X "ssl.certificate.location=$SECRETS/admin.crt" \
    -X "ssl.key.location=$SECRETS/admin.key" \
    -X "ssl.key.password=$(cat "$SECRETS/admin.key.password")" 2>/dev/null \
    | grep -q "broker 1 at"
}

acl() {
  run_java -Dhb.log.level=WARN org.apache.kafka.tools.AclCommand \
    --bootstrap-server "127.0.0.1:$SASL_PORT" --command-config "$ADMIN_CONFIG" --add --force "$@" \
    >/dev/null
}

add_acls() {
  acl --allow-principal User:hookbridge --operation Write --operation Describe \
    --topic "$TOPIC_PREFIX" --resource-pattern-type prefixed
  acl --allow-principal User:hookbridge-replay --operation Read --operation Describe \
    --topic "$TOPIC_PREFIX" --resource-pattern-type prefixed \
    --group hookbridge-replay
}

secured_start() {
  if running_pid >/dev/null; then
    echo "127.0.0.1:$SASL_PORT"
    return 0
  fi
  fetch
  rm -rf "$STATE"
  mkdir -p "$STATE"
  write_log4j
  make_secrets
  write_server_properties "$(secured_properties)"
  local scram=() user
  for user in "${USERS[@]}"; do
    scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(cat "$SECRETS/$user.password")]")
  done
  run_java -Dhb.log.level=WARN kafka.tools.StorageTool format \
    -t "$(random_cluster_id)" -c "$STATE/server.properties" "${scram[@]}" \
    >"$STATE/format.log" 2>&1 || { cat "$STATE/format.log" >&2; die "storage format failed"; }
  launch_and_wait
  add_acls
  echo "127.0.0.1:$SASL_PORT"
}

secured_create_topic() {
  (($# == 2)) || die "usage: create-topic NAME PARTITIONS"
  running_pid >/dev/null || die "broker is not running (run start first)"
  run_java -Dhb.log.level=WARN org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "127.0.0.1:$SASL_PORT" --command-config "$ADMIN_CONFIG" --create \
    --if-not-exists --topic "$1" --partitions "$2" --replication-factor 1
}

# The SCRAM credential of a user, changed on the live broker (rotation).
set_password() {
  (($# == 2)) || die "usage: set-password USER NEW_PASSWORD_FILE"
  running_pid >/dev/null || die "broker is not running (run start first)"
  local password
  password=$(tr -d '\r\n' <"$2")
  run_java -Dhb.log.level=WARN org.apache.kafka.tools.ConfigCommand \
    --bootstrap-server "127.0.0.1:$SASL_PORT" --command-config "$ADMIN_CONFIG" --alter \
    --entity-type users --entity-name "$1" \
    --add-config "SCRAM-SHA-512=[iterations=4096,password=$password]" >/dev/null
}

case ${1:-} in
  start) secured_start ;;
  stop) stop ;;
  pid) running_pid || die "broker is not running" ;;
  kill) crash_broker ;;
  restart) restart ;;
  create-topic) shift; secured_create_topic "$@" ;;
  set-password) shift; set_password "$@" ;;
  bootstrap)
    case ${2:-sasl} in
      sasl) echo "127.0.0.1:$SASL_PORT" ;;
      mtls) echo "127.0.0.1:$MTLS_PORT" ;;
      *) die "usage: $0 bootstrap [sasl|mtls]" ;;
    esac ;;
  *) die "usage: $0 start|stop|pid|kill|restart|create-topic NAME PARTITIONS|set-password USER FILE|bootstrap [sasl|mtls]" ;;
esac
