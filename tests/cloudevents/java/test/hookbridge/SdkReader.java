package test.hookbridge;

import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.CloudEventDeserializer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every record of the given topics with the official CloudEvents SDK's
 * CloudEventDeserializer as the value deserializer of a real KafkaConsumer, as
 * a consumer application would: a record it cannot read throws inside poll().
 *
 * <p>Usage: SdkReader BROKERS EXPECTED_COUNT TIMEOUT_SECONDS TOPIC...
 *
 * <p>Prints one line per record, tab-separated: "event", topic, partition,
 * offset, then the CloudEvent's id, type, source, time (or "-") and
 * datacontenttype (or "-"). On a poll() that throws it prints "error" and the
 * exception and exits 1; it exits 2 when fewer records than expected came
 * before the timeout.
 */
public final class SdkReader {
  public static void main(String[] args) {
    String brokers = args[0];
    int expected = Integer.parseInt(args[1]);
    long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(args[2])).toNanos();
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    properties.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, CloudEventDeserializer.class.getName());
    int read = 0;
    try (KafkaConsumer<byte[], CloudEvent> consumer = new KafkaConsumer<>(properties)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (int i = 3; i < args.length; i++) {
        for (PartitionInfo info : consumer.partitionsFor(args[i], Duration.ofSeconds(60))) {
          partitions.add(new TopicPartition(info.topic(), info.partition()));
        }
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      while (read < expected && System.nanoTime() < deadline) {
        try {
          for (ConsumerRecord<byte[], CloudEvent> record : consumer.poll(Duration.ofMillis(500))) {
            CloudEvent event = record.value();
            System.out.println(String.join("\t", "event", record.topic(), String.valueOf(record.partition()),
                String.valueOf(record.offset()), event.getId(), event.getType(), event.getSource().toString(),
                event.getTime() == null ? "-" : event.getTime().toString(),
                event.getDataContentType() == null ? "-" : event.getDataContentType()));
            read++;
          }
        } catch (RuntimeException e) {
          System.out.println("error\t" + e + (e.getCause() == null ? "" : "\tcaused by " + e.getCause()));
          System.exit(1);
        }
      }
    }
    System.out.flush();
    System.exit(read >= expected ? 0 : 2);
  }
}
