#include "hookbridge/core/readiness.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

namespace hookbridge {

HttpResponse ReadinessResponse(const Readiness& readiness) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("status");
  writer.String(readiness.ready() ? "ready" : "not_ready");
  if (!readiness.ready()) {
    writer.Key("failing");
    writer.StartArray();
    const ProducerHealth& producer = readiness.producer;
    if (!producer.broker_connected) writer.String("kafka_connection");
    if (producer.security_failure != nullptr) {
      const std::string name = std::string("kafka_") + producer.security_failure;
      writer.String(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    }
    if (!producer.topic_metadata) writer.String("topic_metadata");
    if (!producer.queue_below_high_water) writer.String("producer_queue");
    if (producer.fatal_error) writer.String("producer_fatal_error");
    if (readiness.draining) writer.String("draining");
    writer.EndArray();
  }
  writer.EndObject();
  HttpResponse response;
  response.status = readiness.ready() ? 200 : 503;
  response.body.assign(buffer.GetString(), buffer.GetSize());
  return response;
}

}  // namespace hookbridge
