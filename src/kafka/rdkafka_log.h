// Routes librdkafka's own log lines into hookbridge's JSON log, instead of
// librdkafka's default plain-text lines on stderr.
#pragma once

#include <librdkafka/rdkafka.h>

namespace hookbridge {

void RouteLibrdkafkaLogs(rd_kafka_conf_t* conf);

}  // namespace hookbridge
