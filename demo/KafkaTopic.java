import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What demo.sh asks of its Kafka broker, run as a single source file on the broker's own classpath:
 * {@code send <bootstrap> <topic> <value>} produces one record and waits for the broker's acknowledgement;
 * {@code count <bootstrap> <topic> <seconds>} reads the topic from the beginning with a fresh group for at most
 * that long, stopping early after a second without a new record, and prints how many records it holds.
 */
public class KafkaTopic {

	public static void main(String[] args) throws Exception {
		String bootstrap = args[1];
		String topic = args[2];
		if (args[0].equals("send")) {
			Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
					ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
			try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(),
					new StringSerializer())) {
				producer.send(new ProducerRecord<>(topic, args[3])).get();
			}
			return;
		}
		Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
				ConsumerConfig.GROUP_ID_CONFIG, "demo-" + UUID.randomUUID(), ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
				"earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
		long deadline = System.nanoTime() + Duration.ofSeconds(Long.parseLong(args[3])).toNanos();
		long count = 0;
		long lastRecord = 0;
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
				new StringDeserializer())) {
			consumer.subscribe(List.of(topic));
			while (System.nanoTime() < deadline) {
				int polled = consumer.poll(Duration.ofMillis(200)).count();
				count += polled;
				if (polled > 0) {
					lastRecord = System.nanoTime();
				}
				else if (count > 0 && System.nanoTime() - lastRecord > Duration.ofSeconds(1).toNanos()) {
					break;
				}
			}
		}
		System.out.println(count);
	}

}
