#include "traffic_logs.h"

#include <regex>
#include <sstream>
#include <vector>

namespace hookbridge::scaleout {
namespace {

// The value of a member "name":"value" or "name":number in a JSON log line,
// as text; "" if absent. The members read here (status, a number since
// docs/logs.md; request_id and the test's own event ids) never hold a quote.
std::string FieldOf(const std::string& line, const std::string& name) {
  const std::string opening = "\"" + name + "\":";
  size_t at = line.find(opening);
  if (at == std::string::npos) return "";
  at += opening.size();
  if (at < line.size() && line[at] == '"') {
    ++at;
    const size_t end = line.find('"', at);
    return end == std::string::npos ? "" : line.substr(at, end - at);
  }
  const size_t end = line.find_first_of(",}", at);
  return end == std::string::npos ? "" : line.substr(at, end - at);
}

// "a, b, c" -> {a, b, c}: nginx's list of upstream addresses or statuses,
// one per attempt.
std::vector<std::string> SplitAttempts(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(", ", start);
    parts.push_back(text.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  return parts;
}

}  // namespace

size_t InstanceTraffic::Count(const std::string& status) const {
  auto found = by_status.find(status);
  return found == by_status.end() ? 0 : found->second;
}

InstanceTraffic ReadInstanceTraffic(const std::string& output) {
  InstanceTraffic traffic;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("\"message\":\"webhook\"") == std::string::npos) continue;
    ++traffic.webhooks;
    ++traffic.by_status[FieldOf(line, "status")];
    const std::string request_id = FieldOf(line, "request_id");
    if (!request_id.empty()) ++traffic.request_ids[request_id];
    const std::string event_id = FieldOf(line, "event_id");
    if (!event_id.empty()) ++traffic.event_ids[event_id];
  }
  return traffic;
}

NginxTraffic ReadNginxTraffic(const std::string& access_log) {
  NginxTraffic traffic;
  // <request_id> <status> "<upstream_addr>" "<upstream_status>" "<upstream_bytes_sent>"
  const std::regex format(R"re(^(\S+) (\d+) "([^"]*)" "([^"]*)" "([^"]*)"$)re");
  std::istringstream lines(access_log);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (!std::regex_match(line, match, format)) {
      ++traffic.unparsed_lines;
      continue;
    }
    ++traffic.requests;
    ++traffic.by_status[match[2].str()];
    const std::vector<std::string> addresses = SplitAttempts(match[3].str());
    const std::vector<std::string> statuses = SplitAttempts(match[4].str());
    const std::vector<std::string> bytes_sent = SplitAttempts(match[5].str());
    if (addresses.size() > 1) {
      ++traffic.passed_to_next_instance;
      for (size_t i = 0; i + 1 < addresses.size() && i < bytes_sent.size(); ++i) {
        if (bytes_sent[i] != "0" && bytes_sent[i] != "-") {
          ++traffic.passed_on_after_sending;
          break;
        }
      }
    }
    for (size_t i = 0; i < addresses.size(); ++i) {
      if (addresses[i] == "-") continue;  // nginx answered without an upstream
      // With every instance marked down, nginx names the upstream group
      // instead of an address.
      if (addresses[i].find(':') == std::string::npos) {
        ++traffic.no_live_instance;
        continue;
      }
      ++traffic.attempts[addresses[i]][i < statuses.size() ? statuses[i] : "-"];
    }
  }
  return traffic;
}

std::map<std::string, size_t> CountNginxProblems(const std::string& error_log) {
  // 2026/01/01 00:00:00 [error] 12#12: *345 <what happened>, client: ..., upstream: ...
  const std::regex format(R"re(\[(error|warn)\] \d+#\d+: (\*\d+ )?(.*?)(, client: .*)?$)re");
  std::map<std::string, size_t> problems;
  std::istringstream lines(error_log);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (std::regex_search(line, match, format)) ++problems[match[1].str() + ": " + match[3].str()];
  }
  return problems;
}

}  // namespace hookbridge::scaleout
