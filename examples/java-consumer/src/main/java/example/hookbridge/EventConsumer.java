package example.hookbridge;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A consumer-group member for the topic hookbridge writes to. It hands each
 * event to the handler once, in partition order (so in order per profile):
 *
 * <ul>
 *   <li>Offsets are committed only after the handler succeeded
 *       ({@code enable.auto.commit=false}, {@code commitSync} after each
 *       poll's handled records, and before partitions are given away). A stop
 *       or a crash can hand the last events over again, never lose one.
 *   <li>When the handler throws, nothing from that record on is committed:
 *       the consumer seeks back to it and hands it over again after a
 *       back-off; later records of its partition wait.
 *   <li>Duplicates (hookbridge delivers at least once) are skipped by their
 *       {@code ce_id} header within a bounded window of recent ids.
 * </ul>
 */
public final class EventConsumer implements AutoCloseable {
  /** What happens to records besides handling, for logs or tests. */
  public interface Listener {
    default void duplicate(Event event) {}
    default void failed(Event event, Exception error) {}
  }

  private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
  private static final long FIRST_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final KafkaConsumer<String, String> consumer;
  private final String topic;
  private final EventHandler handler;
  private final Listener listener;
  private final RecentIds recent;
  // Offsets of records handled (or skipped as duplicates) and not committed yet.
  private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
  private final CountDownLatch stopping = new CountDownLatch(1);
  private long backoffMs = FIRST_BACKOFF_MS;

  public EventConsumer(String brokers, String topic, String groupId, int dedupeWindow,
                       EventHandler handler, Listener listener) {
    this(brokers, topic, groupId, dedupeWindow, handler, listener, Map.of());
  }

  /**
   * As above, with more Kafka client properties ({@code security.protocol},
   * {@code sasl.*}, {@code ssl.*}); {@code enable.auto.commit} must stay false.
   */
  public EventConsumer(String brokers, String topic, String groupId, int dedupeWindow,
                       EventHandler handler, Listener listener, Map<String, String> properties) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    String autoCommit = properties.getOrDefault(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    if (!autoCommit.equalsIgnoreCase("false")) {
      throw new IllegalArgumentException(
          "enable.auto.commit must stay false: offsets are committed after the handler");
    }
    props.putAll(properties);
    this.consumer = new KafkaConsumer<>(props);
    this.topic = topic;
    this.handler = handler;
    this.listener = listener;
    this.recent = new RecentIds(dedupeWindow);
  }

  /** Polls and handles until {@link #stop()} is called (from any thread). */
  public void run() {
    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        commitPending();  // what was handled stays handled for the next owner
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}

      @Override
      public void onPartitionsLost(Collection<TopicPartition> partitions) {
        partitions.forEach(pending::remove);  // no longer ours to commit
      }
    });
    try {
      while (stopping.getCount() > 0) {
        ConsumerRecords<String, String> records;
        try {
          records = consumer.poll(POLL_TIMEOUT);
        } catch (WakeupException e) {
          break;  // stop() was called
        }
        for (TopicPartition partition : records.partitions()) {
          for (ConsumerRecord<String, String> record : records.records(partition)) {
            if (!deliver(record)) {
              // Not processed: come back to this record; the rest of this
              // partition's batch waits for it.
              consumer.seek(partition, record.offset());
              pause();
              break;
            }
            pending.put(partition, new OffsetAndMetadata(record.offset() + 1));
          }
        }
        commitPending();
      }
    } finally {
      commitPending();
      consumer.close();  // leaves the group: the others take over at once
    }
  }

  /** Makes {@link #run()} return soon, after committing what was handled. */
  public void stop() {
    stopping.countDown();
    consumer.wakeup();
  }

  @Override
  public void close() {
    stop();
  }

  // True if the record is done with: handled, or skipped as a duplicate.
  private boolean deliver(ConsumerRecord<String, String> record) {
    Headers headers = record.headers();
    Event event = new Event(header(headers, "ce_id"), header(headers, "ce_type"),
        header(headers, "ce_source"), header(headers, "ce_time"), header(headers, "ce_subject"),
        header(headers, "ce_tenantid"), header(headers, "ce_webhookid"), record.key(),
        record.value(), record.topic(), record.partition(), record.offset());
    if (event.id() != null && recent.contains(event.id())) {
      listener.duplicate(event);
      return true;
    }
    try {
      handler.handle(event);
    } catch (Exception e) {
      listener.failed(event, e);
      return false;
    }
    if (event.id() != null) recent.add(event.id());
    backoffMs = FIRST_BACKOFF_MS;
    return true;
  }

  private void commitPending() {
    if (pending.isEmpty()) return;
    try {
      consumer.commitSync(pending);
    } catch (WakeupException e) {
      // stop() came in while handling: the wake-up is used up now, commit.
      consumer.commitSync(pending);
    } catch (CommitFailedException e) {
      // The partitions went to another member: it gets these records again.
      System.err.println("commit failed, the records will be handed over again: " + e.getMessage());
    }
    pending.clear();
  }

  // Waits out the back-off (doubling up to MAX_BACKOFF_MS); stop() ends it early.
  private void pause() {
    try {
      stopping.await(backoffMs, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stop();
    }
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  }

  private static String header(Headers headers, String name) {
    Header header = headers.lastHeader(name);
    return header == null || header.value() == null
        ? null
        : new String(header.value(), StandardCharsets.UTF_8);
  }
}
