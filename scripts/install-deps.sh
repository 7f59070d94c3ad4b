#!/usr/bin/env bash
# Installs the Debian 12 packages hookbridge needs to build, test and run,
# skipping the apt round-trip when everything is already there, then
# librdkafka, which is not Debian 12's: scripts/build-librdkafka.sh builds
# Debian 13's 2.8.0 once (a no-op afterwards).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# The lines up to "# the product" are the build packages: deploy/Dockerfile's
# build stage installs exactly those (tests/deploy/check_dockerfile.py checks).
packages=(
  g++ cmake ninja-build pkg-config
  libcpp-httplib-dev rapidjson-dev libyaml-cpp-dev  # the product (and librdkafka: below)
  libgtest-dev libgmock-dev                        # unit and end-to-end tests
  kcat maven openjdk-17-jre-headless               # the real Kafka broker and watching topics
  openssl                                          # the secured broker's CA and certificates (scripts/kafka-secured-broker.sh)
  openjdk-17-jdk-headless python3-venv             # example consumers: javac for Maven, a venv for pip
  clang-14 libclang-rt-14-dev                      # libFuzzer
  clang-format-14 clang-tidy-14                    # the format and tidy gates (scripts/check-format.sh, check-tidy.sh)
  nginx                                            # hostile suite: nginx -t on deploy/nginx
  yamllint docker-compose python3-jsonschema       # deploy checks: YAML lint, compose config, event schema
  libbenchmark-dev                                 # micro-benchmark of the request path (bench/micro)
  wrk curl                                         # benchmarks (scripts/bench.sh): closed-loop load, probes
  linux-perf                                       # benchmarks: the profiling pass (perf record, perf stat)
  prometheus python3-yaml                          # observability checks: promtool check/test rules, rule files read
                                                   # (python3-yaml also: check_manifests.py, tests/deploy/helm,
                                                   # tests/contracts: docs/api/*.yaml against the code)
)
# kubectl for `kubectl kustomize` in the deploy checks: Debian's
# kubernetes-client, unless some kubectl is installed already (another
# package's kubectl would own /usr/bin/kubectl, and dpkg refuses two owners).
command -v kubectl >/dev/null || packages+=(kubernetes-client)
# Benchmarks (the Express baseline) and the contract checks (the npm
# validators of docs/api, tests/contracts/tools.sh) need Node.js and npm. A Node.js from
# elsewhere (e.g. NodeSource's own nodejs package, which bundles npm) is kept.
# vegeta is built with `go install` by scripts/bench.sh and needs Go >= 1.22,
# which Debian 12 does not have (golang-go is 1.19): Go comes from go.dev.
# The same Go (>= 1.26.7) builds tests/observability/dashboard_lint, its
# modules pinned by its go.sum and fetched by the build test itself.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
    missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

scripts/build-librdkafka.sh
