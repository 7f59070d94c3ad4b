// loss_checker: the loss checker as a command, for manual runs with large N
// against a running hookbridge (inject faults by hand while it runs: kill the
// broker, SIGTERM or SIGKILL hookbridge and restart it on the same port).
//
//   loss_checker --url http://127.0.0.1:8080/webhooks/getprofile --key KEY
//                --brokers 127.0.0.1:9092 --topic getprofile.events
//                --events 200000 --concurrency 32
//
// Exits 0 when every event was acknowledged and none acknowledged is missing,
// 1 when not, 2 on bad usage.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "loss_checker.h"

namespace {

using hookbridge::faults::ConsumeOptions;
using hookbridge::faults::LoadOptions;
using hookbridge::faults::LoadRun;
using hookbridge::faults::LossReport;

const char kUsage[] =
    "usage: loss_checker --key KEY --brokers HOST:PORT --topic TOPIC\n"
    "                    [--url http://HOST:PORT[/PATH] | --host HOST --port PORT [--path PATH]]\n"
    "                    [--events N (20000)] [--concurrency C (16)] [--profiles P (5000)]\n"
    "                    [--deadline-s S (300): stop retrying after S seconds]\n"
    "                    [--consume-timeout-s S (120)] [--run-id ID]\n"
    "Sends N profile.updated webhooks with ids evt-<run>-<n> over keep-alive HTTP, retries\n"
    "every non-2xx answer and connection error (same body, 50-200 ms backoff), then reads\n"
    "the topic from the beginning and reports acknowledged, consumed, missing, duplicates.\n"
    "GETPROFILE_API_KEY is used when --key is not given.\n";

int Usage(const std::string& problem) {
  std::fprintf(stderr, "loss_checker: %s\n%s", problem.c_str(), kUsage);
  return 2;
}

bool ParseUrl(const std::string& url, LoadOptions& options) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) return false;
  std::string rest = url.substr(scheme.size());
  size_t slash = rest.find('/');
  if (slash != std::string::npos) {
    options.path = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos) {
    options.host = rest;
    options.port = 80;
  } else {
    options.host = rest.substr(0, colon);
    options.port = std::atoi(rest.substr(colon + 1).c_str());
  }
  return !options.host.empty() && options.port > 0 && options.port < 65536;
}

bool ParseCount(const char* text, long long min, long long max, long long* value) {
  char* end = nullptr;
  long long parsed = std::strtoll(text, &end, 10);
  if (end == text || *end != '\0' || parsed < min || parsed > max) return false;
  *value = parsed;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // hookbridge instances are killed under this load: a write to one must be
  // an error the sender retries, not the end of the checker.
  signal(SIGPIPE, SIG_IGN);
  LoadOptions load;
  load.overall_deadline = std::chrono::seconds(300);
  ConsumeOptions consume;
  consume.timeout = std::chrono::seconds(120);
  if (const char* key = std::getenv("GETPROFILE_API_KEY")) load.api_key = key;

  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) return Usage(flag + " needs a value");
    const char* value = argv[++i];
    long long number = 0;
    if (flag == "--url") {
      if (!ParseUrl(value, load)) return Usage("--url: expected http://HOST:PORT[/PATH]");
    } else if (flag == "--host") {
      load.host = value;
    } else if (flag == "--port") {
      if (!ParseCount(value, 1, 65535, &number)) return Usage("--port: 1 to 65535");
      load.port = static_cast<int>(number);
    } else if (flag == "--path") {
      load.path = value;
    } else if (flag == "--key") {
      load.api_key = value;
    } else if (flag == "--brokers") {
      consume.brokers = value;
    } else if (flag == "--topic") {
      consume.topic = value;
    } else if (flag == "--events") {
      if (!ParseCount(value, 1, 100000000, &number)) return Usage("--events: 1 to 100000000");
      load.events = static_cast<size_t>(number);
    } else if (flag == "--concurrency") {
      if (!ParseCount(value, 1, 4096, &number)) return Usage("--concurrency: 1 to 4096");
      load.concurrency = static_cast<int>(number);
    } else if (flag == "--profiles") {
      if (!ParseCount(value, 1, 100000000, &number)) return Usage("--profiles: 1 to 100000000");
      load.profiles = static_cast<size_t>(number);
    } else if (flag == "--deadline-s") {
      if (!ParseCount(value, 1, 86400, &number)) return Usage("--deadline-s: 1 to 86400");
      load.overall_deadline = std::chrono::seconds(number);
    } else if (flag == "--consume-timeout-s") {
      if (!ParseCount(value, 1, 86400, &number)) return Usage("--consume-timeout-s: 1 to 86400");
      consume.timeout = std::chrono::seconds(number);
    } else if (flag == "--run-id") {
      load.run_id = value;
    } else {
      return Usage("unknown flag " + flag);
    }
  }
  if (load.api_key.empty()) return Usage("--key (or GETPROFILE_API_KEY) is required");
  if (consume.brokers.empty()) return Usage("--brokers is required");
  if (consume.topic.empty()) return Usage("--topic is required");

  LoadRun run(load);
  std::fprintf(stderr, "loss_checker: run %s: %zu events to http://%s:%d%s, %d senders\n",
               run.options().run_id.c_str(), load.events, load.host.c_str(), load.port,
               load.path.c_str(), load.concurrency);
  run.Start();
  while (!run.Wait(std::chrono::seconds(1))) {
    auto sends = run.counts();
    std::fprintf(stderr,
                 "loss_checker: %.0f s: acknowledged %zu/%zu, sends 2xx=%llu 503=%llu other=%llu "
                 "connect_failed=%llu no_answer=%llu\n",
                 run.elapsed().count(), run.acknowledged(), load.events,
                 static_cast<unsigned long long>(sends.ok_2xx),
                 static_cast<unsigned long long>(sends.status_503),
                 static_cast<unsigned long long>(sends.status_other),
                 static_cast<unsigned long long>(sends.connect_failed),
                 static_cast<unsigned long long>(sends.no_answer));
  }
  std::fprintf(stderr, "loss_checker: sending done in %.1f s; reading %s from the beginning\n",
               run.elapsed().count(), consume.topic.c_str());
  LossReport report = hookbridge::faults::CheckTopic(run, consume);
  report.scenario = "manual";
  std::cout << report.Line() << std::endl;
  for (const auto& id : report.missing_sample) std::cout << "missing: " << id << "\n";
  for (const auto& answer : report.other_answers) std::cout << "other answer: " << answer << "\n";
  bool ok = report.consume_complete && report.missing == 0 && report.never_acknowledged == 0;
  return ok ? 0 : 1;
}
