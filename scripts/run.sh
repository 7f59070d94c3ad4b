#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and runs
# hookbridge in the foreground. Without HOOKBRIDGE_KAFKA_BROKERS it runs on the
# embedded development broker. Arguments are passed on (see --help).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOOKBRIDGE_BUILD_TESTS=OFF >/dev/null
cmake --build build-release --target hookbridge hookbridge-replay
exec build-release/hookbridge "$@"
