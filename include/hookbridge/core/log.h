// Structured logging: one JSON object per line on stdout, e.g.
//   {"time":"2026-11-26T23:00:00.123Z","level":"info","message":"listening","port":"8080"}
// Fields with an empty value are left out. Thread-safe. Callers must never
// pass an API key or a request body.
#pragma once

#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace hookbridge {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

using LogFields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

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
