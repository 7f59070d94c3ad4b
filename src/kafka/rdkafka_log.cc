#include "rdkafka_log.h"

#include "hookbridge/core/log.h"

namespace hookbridge {
namespace {

// librdkafka uses syslog levels: 0 emerg .. 7 debug.
LogLevel LevelOf(int syslog_level) {
  if (syslog_level <= 3) return LogLevel::kError;
  if (syslog_level == 4) return LogLevel::kWarn;
  if (syslog_level <= 6) return LogLevel::kInfo;
  return LogLevel::kDebug;
}

void OnLog(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
  Log(LevelOf(level), message,
      {{"source", "librdkafka"}, {"client", rd_kafka_name(rk)}, {"facility", facility}});
}

}  // namespace

void RouteLibrdkafkaLogs(rd_kafka_conf_t* conf) { rd_kafka_conf_set_log_cb(conf, OnLog); }

}  // namespace hookbridge
