// Structured logging: one JSON object per line on stdout, e.g.
//   {"time":"2026-11-26T23:00:00.123Z","level":"info","message":"webhook","status":200}
// A field is a JSON string, number or boolean as its C++ value is (so log
// pipelines aggregate numbers without a parsing rule); an empty string or an
// empty optional is left out. Thread-safe. Callers must never pass an API key
// or a request body.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace hookbridge {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// One field's value, made implicitly from what call sites have at hand, so
// {"status", 200} and {"source", name} read alike. Holds a view: the text
// must outlive the Log() call, as a temporary in the call's braces does.
class LogValue {
 public:
  enum class Kind { kAbsent, kString, kInteger, kNumber, kBoolean };

  LogValue(std::string_view text)
      : kind_(text.empty() ? Kind::kAbsent : Kind::kString), text_(text) {}
  LogValue(const std::string& text) : LogValue(std::string_view(text)) {}
  // nullptr (e.g. a librdkafka reason that is missing) is left out.
  LogValue(const char* text) : LogValue(text ? std::string_view(text) : std::string_view()) {}
  LogValue(bool value) : kind_(Kind::kBoolean), integer_(value ? 1 : 0) {}
  template <
      typename Integer,
      std::enable_if_t<std::is_integral_v<Integer> && !std::is_same_v<Integer, bool>, int> = 0>
  LogValue(Integer value) : kind_(Kind::kInteger), integer_(static_cast<int64_t>(value)) {}
  LogValue(double value) : kind_(Kind::kNumber), number_(value) {}
  template <typename T>
  LogValue(const std::optional<T>& value) : LogValue(value ? LogValue(*value) : LogValue()) {}

  Kind kind() const { return kind_; }
  std::string_view text() const { return text_; }
  int64_t integer() const { return integer_; }
  double number() const { return number_; }

 private:
  LogValue() = default;

  Kind kind_ = Kind::kAbsent;
  std::string_view text_;
  int64_t integer_ = 0;
  double number_ = 0;
};

using LogFields = std::initializer_list<std::pair<std::string_view, LogValue>>;

// RFC 3339 in UTC with milliseconds, as log lines carry it: 2026-11-26T23:00:00.123Z
std::string UtcTimestamp(std::chrono::system_clock::time_point time);

void SetLogLevel(LogLevel level);
// Whether Log(level, ...) writes: lets a caller skip building its fields.
bool LogEnabled(LogLevel level);
void Log(LogLevel level, std::string_view message, LogFields fields = {});

// For a caller that writes many lines at once (the access log): one line as
// Log() writes it, newline included, whatever the level ...
std::string FormatLogLine(LogLevel level, std::string_view message, LogFields fields);
// ... and lines made by FormatLogLine(), written with one system call.
void WriteLogLines(std::string_view lines);

}  // namespace hookbridge
