// hookbridge-example-consumer: reads the events hookbridge writes and prints
// each one, once, as a consumer group member that commits after handling.
//
//   hookbridge-example-consumer --brokers 127.0.0.1:19092 --topic getprofile.events
//       --group my-service [--dedupe-window 100000] [-X security.protocol=SASL_SSL ...]
//
// -X PROPERTY=VALUE sets a librdkafka property; -X PROPERTY.file=PATH sets it
// to the file's content (sasl.password.file=..., ssl.key.password.file=...).
//
// --brokers and --topic default to HOOKBRIDGE_KAFKA_BROKERS and
// HOOKBRIDGE_KAFKA_TOPIC. Stops cleanly on SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "event_consumer.h"

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void RequestStop(int) { stop_requested = true; }

// The file's content without its trailing line end; false if it cannot be
// read or holds nothing.
bool ReadSecretFile(const std::string& path, std::string* value) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  value->assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  if (file.bad()) return false;
  while (!value->empty() && (value->back() == '\n' || value->back() == '\r')) value->pop_back();
  return !value->empty();
}

int Usage() {
  std::fputs(
      "usage: hookbridge-example-consumer [--brokers HOST:PORT,...] [--topic NAME] [--group ID]\n"
      "                                   [--dedupe-window N] [-X PROPERTY=VALUE ...]\n"
      "                                   [-X PROPERTY.file=PATH ...]\n",
      stderr);
  return 2;
}

std::string EnvOr(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using hookbridge::example::ConsumerOptions;
  using hookbridge::example::Event;
  using hookbridge::example::EventConsumer;

  ConsumerOptions options;
  options.brokers = EnvOr("HOOKBRIDGE_KAFKA_BROKERS", "127.0.0.1:19092");
  options.topic = EnvOr("HOOKBRIDGE_KAFKA_TOPIC", "getprofile.events");
  options.group_id = "hookbridge-example-consumer";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      Usage();
      return 0;
    }
    if (i + 1 >= argc) return Usage();
    std::string value = argv[++i];
    if (arg == "--brokers") {
      options.brokers = value;
    } else if (arg == "--topic") {
      options.topic = value;
    } else if (arg == "--group") {
      options.group_id = value;
    } else if (arg == "--dedupe-window") {
      options.dedupe_window = std::strtoul(value.c_str(), nullptr, 10);
    } else if (arg == "-X" && value.find('=') != std::string::npos) {
      std::string name = value.substr(0, value.find('='));
      std::string setting = value.substr(value.find('=') + 1);
      // NAME.file=PATH: the value is the file's content (a password from its
      // secret's file, never on the command line, where ps shows it).
      const std::string suffix = ".file";
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        name.resize(name.size() - suffix.size());
        const std::string path = setting;
        if (!ReadSecretFile(path, &setting)) {
          std::fprintf(stderr, "-X %s.file: cannot read a value from %s\n", name.c_str(),
                       path.c_str());
          return 2;
        }
      }
      options.properties.emplace_back(name, setting);
    } else {
      return Usage();
    }
  }

  // The handler: print the event. Return false instead to have it handed
  // over again (nothing is committed until the handler returns true).
  auto print = [](const Event& event) {
    std::printf("partition=%d offset=%lld key=%s ce_id=%s ce_type=%s body=%s\n", event.partition,
                static_cast<long long>(event.offset), event.key.c_str(), event.id.c_str(),
                event.type.c_str(), event.body.c_str());
    std::fflush(stdout);
    return true;
  };

  std::string error;
  std::unique_ptr<EventConsumer> consumer = EventConsumer::Create(options, print, &error);
  if (!consumer) {
    std::fprintf(stderr, "hookbridge-example-consumer: %s\n", error.c_str());
    return 2;
  }
  std::signal(SIGINT, RequestStop);
  std::signal(SIGTERM, RequestStop);
  std::fprintf(stderr, "consuming %s from %s as group %s (Ctrl-C stops)\n", options.topic.c_str(),
               options.brokers.c_str(), options.group_id.c_str());
  consumer->Run(stop_requested);
  const auto& stats = consumer->stats();
  std::fprintf(stderr, "stopped: %llu handled, %llu duplicates skipped, %llu commit failures\n",
               static_cast<unsigned long long>(stats.handled),
               static_cast<unsigned long long>(stats.duplicates_skipped),
               static_cast<unsigned long long>(stats.commit_failures));
  return 0;
}
