#!/usr/bin/env python3
"""Reads every record of the given topics with the official Python CloudEvents SDK.

Runs in the venv of requirements.txt. Fetches each partition from its start to
its high watermark with confluent-kafka, hands each record to
cloudevents.core.bindings.kafka.from_binary_event, and prints one JSON line per
record: topic, partition, offset, the raw headers (text when UTF-8) and either
the parsed event's id, type, source, time, datacontenttype or the error the
SDK raised.

Usage: sdk_reader.py BROKERS TIMEOUT_SECONDS TOPIC...
"""
import json
import sys
import time

from cloudevents.core.bindings import kafka as ce_kafka
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING


def main():
    brokers, timeout, topics = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    deadline = time.monotonic() + timeout
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": "unused", "enable.auto.commit": False})
    partitions, ends = [], {}
    for topic in topics:
        metadata = consumer.list_topics(topic, timeout=60).topics[topic]
        if metadata.error is not None:
            raise SystemExit("topic %s: %s" % (topic, metadata.error))
        for partition in metadata.partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=60)
            if high > low:
                ends[(topic, partition)] = high
                partitions.append(TopicPartition(topic, partition, OFFSET_BEGINNING))
    consumer.assign(partitions)
    left = dict(ends)
    while left and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None:
            continue
        if message.error() is not None:
            raise SystemExit("consume error: %s" % message.error())
        where = (message.topic(), message.partition())
        if message.offset() + 1 >= left.get(where, 0):
            left.pop(where, None)
        headers = {name: value or b"" for name, value in (message.headers() or [])}
        line = {"topic": message.topic(), "partition": message.partition(), "offset": message.offset(),
                "headers": {name: value.decode("utf-8", "backslashreplace") for name, value in headers.items()}}
        try:
            event = ce_kafka.from_binary_event(
                ce_kafka.KafkaMessage(headers=headers, key=message.key(), value=message.value() or b""))
            time_attribute = event.get_time()
            line["event"] = {"id": event.get_id(), "type": event.get_type(), "source": event.get_source(),
                             "time": time_attribute.isoformat() if time_attribute else None,
                             "datacontenttype": event.get_datacontenttype()}
        except Exception as error:  # the SDK's refusal is what the test reports
            line["error"] = "%s: %s" % (type(error).__name__, error)
        print(json.dumps(line), flush=True)
    consumer.close()
    if left:
        raise SystemExit("timed out with records left to read in %s" % sorted(left))


if __name__ == "__main__":
    main()
