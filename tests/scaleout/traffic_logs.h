// Who served what, in the scale-out test, read from the access logs: each
// hookbridge instance's own (JSON lines on its stdout, "message":"webhook")
// and nginx's (one line per request, see NginxFront::AccessLog).
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace hookbridge::scaleout {

// One instance's webhook access-log lines.
struct InstanceTraffic {
  size_t webhooks = 0;                        // webhook requests it answered
  std::map<std::string, size_t> by_status;    // "200" -> count
  std::map<std::string, size_t> request_ids;  // X-Request-Id -> lines that carry it
  std::map<std::string, size_t> event_ids;    // event id -> lines that name it (any status)

  size_t Count(const std::string& status) const;
};

InstanceTraffic ReadInstanceTraffic(const std::string& output);

// nginx's view of the same requests.
struct NginxTraffic {
  size_t requests = 0;
  std::map<std::string, size_t> by_status;  // nginx's answers to the client
  // Attempts per upstream address, with the status each got ("502" when
  // nginx had no answer: refused, reset, or closed).
  std::map<std::string, std::map<std::string, size_t>> attempts;
  // Requests nginx tried on a second instance because the first could not be
  // reached (proxy_next_upstream error timeout).
  size_t passed_to_next_instance = 0;
  // Of those, the ones passed on although bytes of the request had been sent
  // to an earlier instance: a POST sent twice. Must be 0
  // (proxy_next_upstream without non_idempotent).
  size_t passed_on_after_sending = 0;
  // Requests answered without any instance tried: every instance was marked
  // down (passive health checks).
  size_t no_live_instance = 0;
  size_t unparsed_lines = 0;
};

NginxTraffic ReadNginxTraffic(const std::string& access_log);

// nginx's error and warning lines, counted by what happened, e.g.
// "upstream prematurely closed connection while reading response header from
// upstream" or "connect() failed (111: Connection refused) while connecting to
// upstream": why it answered 502s.
std::map<std::string, size_t> CountNginxProblems(const std::string& error_log);

}  // namespace hookbridge::scaleout
