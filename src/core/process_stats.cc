#include "hookbridge/core/process_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace hookbridge {
namespace {

// The system's boot time in seconds since the epoch (btime of /proc/stat):
// a process's start time in /proc/self/stat counts clock ticks from it.
std::optional<double> BootTimeSeconds() {
  std::ifstream stat("/proc/stat");
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime" && stat >> value) return value;
    stat.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

std::optional<double> OpenDescriptors() {
  DIR* directory = ::opendir("/proc/self/fd");
  if (directory == nullptr) return std::nullopt;
  double count = 0;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): this DIR* is private to the call
  while (const dirent* entry = ::readdir(directory)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(directory);
  return count - 1;  // the descriptor of the listing itself
}

}  // namespace

std::optional<ProcessStats> ReadProcessStats() {
  std::ifstream file("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // The command name (field 2) is in parentheses and may hold spaces or ')':
  // the fields that follow start after the last ')'.
  const size_t name_end = text.rfind(')');
  // Read once: the kernel derives btime from the wall clock at each read, so
  // a clock step would move the start time, and a restart alert with it.
  static const std::optional<double> boot = BootTimeSeconds();
  if (name_end == std::string::npos || !boot) return std::nullopt;
  std::istringstream rest(text.substr(name_end + 1));
  std::vector<std::string> fields;  // fields[0] is field 3 (state)
  for (std::string field; rest >> field;) fields.push_back(field);
  constexpr size_t kFirst = 3, kUtime = 14, kStime = 15, kStartTime = 22, kVsize = 23, kRss = 24;
  if (fields.size() <= kRss - kFirst) return std::nullopt;
  auto number = [&](size_t field) { return std::strtod(fields[field - kFirst].c_str(), nullptr); };
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page_bytes = static_cast<double>(::sysconf(_SC_PAGESIZE));
  ProcessStats stats;
  stats.cpu_seconds = (number(kUtime) + number(kStime)) / ticks;
  stats.start_time_seconds = *boot + number(kStartTime) / ticks;
  stats.virtual_bytes = number(kVsize);
  stats.resident_bytes = number(kRss) * page_bytes;
  stats.open_fds = OpenDescriptors();
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    stats.max_fds = static_cast<double>(limit.rlim_cur);
  }
  return stats;
}

}  // namespace hookbridge
