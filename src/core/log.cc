#include "hookbridge/core/log.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <optional>
#include <string>

namespace hookbridge {
namespace {

std::atomic<LogLevel> g_min_level{LogLevel::kInfo};
std::mutex g_output_mutex;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

void WriteString(rapidjson::Writer<rapidjson::StringBuffer>& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void WriteValue(rapidjson::Writer<rapidjson::StringBuffer>& writer, const LogValue& value) {
  switch (value.kind()) {
    case LogValue::Kind::kAbsent: break;  // not reached: absent fields are skipped
    case LogValue::Kind::kString: WriteString(writer, value.text()); return;
    case LogValue::Kind::kInteger: writer.Int64(value.integer()); return;
    case LogValue::Kind::kBoolean: writer.Bool(value.integer() != 0); return;
    case LogValue::Kind::kNumber:
      // JSON has no NaN or infinity; RapidJSON would refuse the whole line.
      if (std::isfinite(value.number())) {
        writer.Double(value.number());
      } else {
        writer.Null();
      }
      return;
  }
  writer.Null();
}

}  // namespace

std::string UtcTimestamp(std::chrono::system_clock::time_point time) {
  const auto since_epoch =
      std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  // Floored, so that a time before 1970 keeps its second and a positive remainder.
  const std::chrono::seconds second = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const int millis = static_cast<int>((since_epoch - second).count());
  // The date and time of day change once a second, the access log writes a
  // line a webhook: gmtime_r, strftime and snprintf were a quarter of the
  // instructions of that line, so each thread keeps its last second's text.
  thread_local std::optional<std::chrono::seconds> cached_second;
  thread_local std::string cached_text;
  if (cached_second != second) {
    const std::time_t seconds = static_cast<std::time_t>(second.count());
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    cached_text.assign(text, std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc));
    cached_second = second;
  }
  std::string timestamp;
  timestamp.reserve(cached_text.size() + 5);
  timestamp += cached_text;
  timestamp += '.';
  timestamp += static_cast<char>('0' + millis / 100);
  timestamp += static_cast<char>('0' + millis / 10 % 10);
  timestamp += static_cast<char>('0' + millis % 10);
  timestamp += 'Z';
  return timestamp;
}

void SetLogLevel(LogLevel level) { g_min_level = level; }

bool LogEnabled(LogLevel level) { return level >= g_min_level.load(std::memory_order_relaxed); }

void Log(LogLevel level, std::string_view message, LogFields fields) {
  if (!LogEnabled(level)) return;
  WriteLogLines(FormatLogLine(level, message, fields));
}

std::string FormatLogLine(LogLevel level, std::string_view message, LogFields fields) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  // Milliseconds to the microsecond (latency_ms 2.216), not 2.2160000000000002.
  writer.SetMaxDecimalPlaces(3);
  writer.StartObject();
  writer.Key("time");
  WriteString(writer, UtcTimestamp(std::chrono::system_clock::now()));
  writer.Key("level");
  writer.String(LevelName(level));
  writer.Key("message");
  WriteString(writer, message);
  for (const auto& [key, value] : fields) {
    // Absent, e.g. no offset for an event not stored.
    if (value.kind() == LogValue::Kind::kAbsent) continue;
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    WriteValue(writer, value);
  }
  writer.EndObject();
  std::string line(buffer.GetString(), buffer.GetSize());
  line += '\n';
  return line;
}

void WriteLogLines(std::string_view lines) {
  std::lock_guard<std::mutex> lock(g_output_mutex);
  std::fwrite(lines.data(), 1, lines.size(), stdout);
  std::fflush(stdout);
}

}  // namespace hookbridge
