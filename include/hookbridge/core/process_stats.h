// The standard process_* metrics' values (CPU, memory, descriptors, start
// time), read from /proc/self when /metrics is scraped: the names and meanings
// of Prometheus's client libraries, so the usual dashboards and a restart
// alert on process_start_time_seconds work unchanged. Linux only.
#pragma once

#include <optional>

namespace hookbridge {

struct ProcessStats {
  double cpu_seconds = 0;          // user + system time
  double resident_bytes = 0;       // resident set size
  double virtual_bytes = 0;        // virtual memory size
  double start_time_seconds = 0;   // since the Unix epoch
  std::optional<double> open_fds;  // unset when /proc/self/fd cannot be listed
  std::optional<double> max_fds;   // the soft RLIMIT_NOFILE; unset when unlimited
};

// Empty when /proc/self/stat cannot be read or parsed.
std::optional<ProcessStats> ReadProcessStats();

}  // namespace hookbridge
