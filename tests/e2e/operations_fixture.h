// The fixture of the operations tests (tests/e2e/operations_*_test.cc) and
// the helpers that several of their files use: the JSON log, /readyz bodies,
// answers kept past their httplib::Result, scratch files, free ports, and the
// head of a webhook request written by hand.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <string>
#include <vector>

#include "../support/prometheus_text.h"
#include "../support/temp_dir.h"
#include "bridge_fixture.h"

namespace hookbridge::e2e {

inline constexpr const char* kWrongKey = "key-wrong-0123456789";

// One JSON log line, each field as text: a string's value, or a number's or
// boolean's JSON text ("200", "2.216", "true"). Whether a field is a JSON
// number is for FieldIsNumber.
using LogLine = std::map<std::string, std::string>;

// The JSON lines of `output`, only those with `message` unless it is empty.
std::vector<LogLine> LogLines(const std::string& output, const std::string& message = "");

// The "failing" conditions that a /readyz body names (none if it names none).
std::vector<std::string> FailingOf(const std::string& readyz_body);

// Whether the first line of `output` whose string `key` is `value` (e.g.
// "message", "stopped") has `field` as a JSON number, not a string of digits.
bool FieldIsNumber(const std::string& output, const std::string& key, const std::string& value,
                   const std::string& field);

bool IsGeneratedRequestId(const std::string& id);

// An HTTP answer, or why there was none (httplib::Result cannot be reassigned).
struct Answer {
  int status = 0;  // 0: no answer
  std::string body;
  std::string connection;  // the Connection header
  std::string error;
  explicit operator bool() const { return status != 0; }
  std::string Describe() const { return status != 0 ? std::to_string(status) + " " + body : error; }
};

Answer AnswerOf(const httplib::Result& result);

void WriteFile(const std::string& path, const std::string& contents);

// A fresh directory, removed with its contents.
using test_support::TempDir;

// A port that is free now, with the next one free too (the broker's
// controller listens there). Taken below the kernel's ephemeral range
// (ip_local_port_range, from 32768 by default): an outgoing connection could
// otherwise take the port while the broker is down between a stop and a
// restart.
int FreePortPair();

// The request line and headers of an authenticated webhook POST of `body`,
// for tests that send it in pieces or over their own connection.
std::string WebhookHead(const std::string& body);

// EndToEnd (a fresh topic on the shared broker, the binary in front of it)
// that can scrape /metrics.
class Operations : public EndToEnd {
 protected:
  test_support::Exposition Scrape();

  std::string last_metrics_text_;
};

}  // namespace hookbridge::e2e
