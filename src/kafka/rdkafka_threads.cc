#include "rdkafka_threads.h"

#include "hookbridge/core/time_slice.h"

namespace hookbridge {
namespace {

constexpr const char* kInterceptorName = "hookbridge-time-slice";

// Runs on each new librdkafka thread, which must not call librdkafka here.
rd_kafka_resp_err_t OnThreadStart(rd_kafka_t* /*client*/, rd_kafka_thread_type_t type,
                                  const char* /*name*/, void* /*opaque*/) {
  // The main thread runs timers and the background thread is off: only the
  // broker threads are on a webhook's way.
  if (type == RD_KAFKA_THREAD_BROKER) RequestTimeSlice(kAnsweringThreadSlice);
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

// Thread interceptors belong to a client, which exists only from rd_kafka_new().
rd_kafka_resp_err_t OnNew(rd_kafka_t* client, const rd_kafka_conf_t* /*conf*/, void* /*opaque*/,
                          char* /*errstr*/, size_t /*errstr_size*/) {
  return rd_kafka_interceptor_add_on_thread_start(client, kInterceptorName, &OnThreadStart,
                                                  nullptr);
}

}  // namespace

void GiveBrokerThreadsShortSlices(rd_kafka_conf_t* conf) {
  rd_kafka_conf_interceptor_add_on_new(conf, kInterceptorName, &OnNew, nullptr);
}

}  // namespace hookbridge
