#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and runs
# hookbridge in the foreground. Without HOOKBRIDGE_KAFKA_BROKERS it asks for
# the embedded development broker (HOOKBRIDGE_KAFKA_BROKERS=embedded: in
# memory, every event lost on exit); hookbridge itself refuses to start without
# a broker list. Arguments are passed on (see --help); --kafka-brokers wins.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOOKBRIDGE_BUILD_TESTS=OFF >/dev/null
cmake --build build-release --target hookbridge hookbridge-replay
# Only when unset: a variable set to nothing is a mistake hookbridge reports.
export HOOKBRIDGE_KAFKA_BROKERS="${HOOKBRIDGE_KAFKA_BROKERS-embedded}"
exec build-release/hookbridge "$@"
