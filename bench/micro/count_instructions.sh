#!/bin/sh
# Instructions per call of what each micro-benchmark measures, counted by
# callgrind: repeatable where wall-clock time on a shared, noisy machine is
# not. (Heap allocations per iteration are in the benchmark's own output, as
# the "allocs" counter.) Takes a few seconds.
#
#   bench/micro/count_instructions.sh [path/to/hookbridge_micro_bench]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bench=${1:-build/bench/micro/hookbridge_micro_bench}
per_call="$here/callgrind_per_call.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# profile BENCHMARK: callgrind output of one benchmark, in $work/out.
# LD_BIND_NOW: symbols resolved at start-up, not charged to the first call.
profile() {
  LD_BIND_NOW=1 valgrind --tool=callgrind --callgrind-out-file="$work/out" "$bench" \
    --benchmark_filter="^$1\$" --benchmark_min_time=0.01 >/dev/null 2>&1
}

for size in 1024 65536; do
  echo "BM_RequestPath/$size"
  profile "BM_RequestPath/$size"
  "$per_call" "$work/out" --sum 'WebhookHandler::CheckHead' 'WebhookHandler::HandleBody' | sed 's/^/  /'
done
for check in 'BM_Authenticate Authenticate' 'BM_AuthenticateUnknownKey Authenticate' \
    'BM_CheckHead WebhookHandler::CheckHead' 'BM_ParseWebhookEvent/1024 ParseWebhookEvent' \
    'BM_ParseWebhookEvent/65536 ParseWebhookEvent' 'BM_BuildKafkaRecord/1024 BuildKafkaRecord' \
    'BM_BuildKafkaRecord/65536 BuildKafkaRecord' 'BM_AcceptedResponse AcceptedResponse' \
    'BM_ParseRequestHead RequestHeadParser::Feed' 'BM_DedupKeyOf DedupWindow::KeyOf'; do
  set -- $check
  echo "$1"
  profile "$1"
  "$per_call" "$work/out" "^hookbridge::(WebhookHandler::)?${2#WebhookHandler::}\(" | sed 's/^/  /'
done
# The window with 200,000 ids: a new id's key, Begin() and Finish().
echo "BM_DedupBeginFinish/200000"
profile "BM_DedupBeginFinish/200000"
"$per_call" "$work/out" --sum '^hookbridge::DedupWindow::KeyOf\(' '^hookbridge::DedupWindow::Begin\(' \
  '^hookbridge::DedupWindow::Finish\(' | sed 's/^/  /'
