// Produces one record for each key given, with Kafka's own KafkaProducer and
// its default partitioner (no partitioner.class set, no partition given), and
// prints "KEY<TAB>PARTITION" for each, the partition the broker acknowledged.
// Run as a single source file: java -cp CLASSPATH PartitionCheck.java BROKERS TOPIC KEY...
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

public class PartitionCheck {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    String topic = args[1];
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 2; i < args.length; ++i) {
        sent.add(producer.send(new ProducerRecord<>(topic, args[i], "{\"partition_check\":true}")));
      }
      for (int i = 2; i < args.length; ++i) {
        System.out.println(args[i] + "\t" + sent.get(i - 2).get().partition());
      }
    }
  }
}
