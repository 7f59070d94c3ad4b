// hookbridge's settings: one plain struct, read once at start-up from the
// environment and the command line (a flag wins over its variable), and
// checked there. A bad value stops start-up with a message naming the setting.
//
// Every default is written once, here: --help, --check-config and the
// adapters' option structs take theirs from these initialisers.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hookbridge/core/api_keys.h"
#include "hookbridge/core/log.h"
#include "hookbridge/core/rdkafka_property_files.h"

namespace hookbridge {

// The defaults that adapters' option structs share with Config.
inline constexpr std::chrono::milliseconds kDefaultAckTimeout{4000};  // below GetProfile's 5 s
// How long librdkafka keeps trying to store a record (message.timeout.ms):
// never less than this, however short the ack deadline. A record answered 503
// at the deadline is still stored if Kafka comes back within this time, its
// late PERSISTED enters the deduplication window, and the sender's retry is
// answered as a duplicate instead of becoming a second record
// (docs/producer-settings.md).
inline constexpr std::chrono::milliseconds kMinimumRecordTimeout{60000};
inline constexpr size_t kDefaultMaxBodyBytes = 1 << 20;
// Edge deduplication (docs/deduplication.md): how long a PERSISTED event id is
// remembered, and how many ids at most (45 to 91 bytes each).
inline constexpr std::chrono::seconds kDefaultDedupWindow{600};
inline constexpr size_t kDefaultDedupMaxIds = 1'000'000;

// The CPUs this process may run on: its affinity mask, capped by its cgroup
// (v2) CPU quota as a container's CPU limit sets it.
int AvailableCpus();
// The default number of connection loops: one per two of those CPUs (at
// least one). A loop does about 60% of the CPU work of a webhook and
// librdkafka's threads the rest (docs/perf/compare-9b21e1a.md), so more loops
// than that only add hand-overs between them (docs/http-threads.md).
int DefaultHttpLoops();

struct Config {
  std::string listen_host = "0.0.0.0";
  int listen_port = 8080;  // 0 picks a free port (tests)
  std::string webhook_path = "/webhooks/getprofile";
  ApiKeys api_keys;          // required; never logged
  std::string api_key_file;  // where api_keys came from, if a file: reloadable
  // Set: the webhook sources come from this file (docs/sources.md), and
  // api_keys may be empty (then no source may rely on them).
  std::string sources_file;
  // Required: HOST:PORT[,HOST:PORT...], or "embedded" (kEmbeddedBroker), which
  // sets embedded_broker and leaves this empty until the broker has started.
  std::string kafka_brokers;
  // Asked for explicitly: run librdkafka's in-memory mock cluster (development
  // only, every event is lost on exit). Never the default.
  bool embedded_broker = false;
  std::string kafka_topic = "getprofile.events";
  // Empty: no dead letters, refused webhooks get their 4xx (docs/record-contract.md).
  std::string dead_letter_topic;
  std::chrono::milliseconds ack_timeout = kDefaultAckTimeout;
  size_t max_body_bytes = kDefaultMaxBodyBytes;
  // Webhooks being received or waiting for Kafka's acknowledgement; past it,
  // 503 at once.
  int max_in_flight = 1024;
  int max_connections = 10000;  // open client connections; past it, 503 and close
  // How long a client has to send a whole request (or to finish its TLS
  // handshake); past it, 408 and close. Besides, a request that stalls for the
  // HTTP server's fixed read timeout (5 s) gets 408: at 5 s or less this alone applies.
  std::chrono::milliseconds request_timeout{15000};
  // Connection loops (and, over TLS, handshake threads); 0 until LoadConfig
  // sets DefaultHttpLoops() (an HttpServer given 0 runs 1).
  int http_loops = 0;
  // A copy of a webhook PERSISTED this long ago or less is answered as a
  // duplicate; at least every deduplicating source's signature tolerance.
  std::chrono::seconds dedup_window = kDefaultDedupWindow;
  size_t dedup_max_ids = kDefaultDedupMaxIds;  // 0: edge deduplication off
  LogLevel log_level = LogLevel::kInfo;
  // After SIGTERM: keep serving this long while /readyz says 503, so the load
  // balancer stops routing here, then stop.
  std::chrono::milliseconds drain_grace{5000};
  std::string tls_cert_file;  // both set: serve HTTPS
  std::string tls_key_file;
  // Raw librdkafka properties, applied after hookbridge's own defaults.
  std::vector<std::pair<std::string, std::string>> rdkafka_properties;
  // Those of them set from a file (NAME.file=PATH, rdkafka_property_files.h):
  // secrets, shown by path only.
  std::vector<RdkafkaPropertyFile> rdkafka_property_files;
  // How often the key file and the sources file (with its secrets files) are
  // checked for a change. Not a setting: a stat() per file per second costs
  // nothing, and SIGHUP reloads at once. In-process tests set it.
  std::chrono::milliseconds file_check_interval{1000};
  // HOOKBRIDGE_FAULT_INJECTION=1, tests only: SIGUSR2 raises a fatal producer
  // error, to prove the process survives one. Not in --help.
  bool fault_injection = false;
};

// The HOOKBRIDGE_KAFKA_BROKERS value that asks for the embedded development broker.
inline constexpr const char* kEmbeddedBroker = "embedded";

using Environment = std::map<std::string, std::string>;

// This process's environment: what LoadConfig reads it from.
Environment ProcessEnvironment();

struct ConfigResult {
  std::optional<Config> config;  // set when start-up may go on
  bool show_help = false;        // --help was given
  bool show_version = false;     // --version was given
  bool check_config = false;     // --check-config: validate, report, exit
  std::string error;             // names the setting at fault
  std::vector<std::string>
      warnings;  // to log at start-up, e.g. a setting that no longer has an effect
};

ConfigResult LoadConfig(const std::vector<std::string>& args, const Environment& env);

// The --help text: every setting with its variable, flag and default.
std::string HelpText();

// The effective settings, one per line, with the keys redacted.
std::string DescribeConfig(const Config& config);

}  // namespace hookbridge
