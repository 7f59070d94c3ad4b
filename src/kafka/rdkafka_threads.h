// librdkafka's broker threads ("rdk:broker<N>") carry each record to Kafka
// and its acknowledgement back, so every answer waits for them as it waits
// for the connection loop: they ask for the same short time slice
// (core/time_slice.h) as they start.
#pragma once

#include <librdkafka/rdkafka.h>

namespace hookbridge {

void GiveBrokerThreadsShortSlices(rd_kafka_conf_t* conf);

}  // namespace hookbridge
