// hookbridge-replay: sends the dead letters of a hookbridge dead-letter topic
// back to a hookbridge webhook endpoint (docs/replay.md). A binary of its own:
// it is a Kafka consumer and an HTTP client, run by an operator now and then,
// while hookbridge is a producer and an HTTP server that runs all the time.
#include <librdkafka/rdkafka.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "hookbridge/replay/replay_options.h"
#include "hookbridge/replay/replay_run.h"

extern char** environ;

namespace {

constexpr int kExitAllDelivered = 0;
constexpr int kExitSomeRefused = 1;
constexpr int kExitBadSetting = 2;
constexpr int kExitStopped = 3;
constexpr int kExitKafkaFailed = 4;

std::atomic<bool> g_stop_requested{false};

void RequestStop(int) { g_stop_requested = true; }

std::map<std::string, std::string> ReadEnvironment() {
  std::map<std::string, std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    size_t equals = text.find('=');
    if (equals != std::string::npos) env[text.substr(0, equals)] = text.substr(equals + 1);
  }
  return env;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hookbridge::replay;
  static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
  ReplayOptionsResult parsed =
      ParseReplayOptions(std::vector<std::string>(argv + 1, argv + argc), ReadEnvironment());
  if (parsed.show_help) {
    std::fputs(ReplayHelpText().c_str(), stdout);
    return kExitAllDelivered;
  }
  if (parsed.show_version) {
    std::fputs(ReplayVersionText(rd_kafka_version_str()).c_str(), stdout);
    return kExitAllDelivered;
  }
  if (!parsed.options) {
    std::fprintf(stderr, "hookbridge-replay: %s\n", parsed.error.c_str());
    return kExitBadSetting;
  }
  // A signal only sets the flag; the run checks it between records. SA_RESTART:
  // the request in hand is not cut short by it.
  struct sigaction action {};
  action.sa_handler = RequestStop;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  ReplayTally tally;
  ReplayEnd end = RunReplay(*parsed.options, g_stop_requested, stdout, stderr, &tally);
  switch (end) {
    case ReplayEnd::kStopped: return kExitStopped;
    case ReplayEnd::kKafkaFailed: return kExitKafkaFailed;
    case ReplayEnd::kFinished: break;
  }
  return tally.refused > 0 || tally.dead_lettered_again > 0 ? kExitSomeRefused : kExitAllDelivered;
}
