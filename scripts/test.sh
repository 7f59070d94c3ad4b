#!/usr/bin/env bash
# The README's test command, and what CI runs: installs what is missing,
# builds with warnings as errors, starts a real Kafka broker, runs every suite
# (unit, Kafka adapter on the mock cluster, end to end on the real broker),
# and stops the broker whatever happened.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DHOOKBRIDGE_WERROR=ON
cmake --build build

export KAFKA_PORT=${KAFKA_PORT:-19092}
trap 'scripts/kafka-broker.sh stop' EXIT
scripts/kafka-broker.sh start
export HOOKBRIDGE_E2E_BROKERS=127.0.0.1:$KAFKA_PORT

ctest --test-dir build --output-on-failure --timeout 300
