import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
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
 * that long, stopping early after a second without a new record, and prints how many records it holds;
 * {@code tally} does the same and then prints, per service a log event names ({@code "micro":{"service":…}}), how
 * many it shipped; {@code find <bootstrap> <topic> <seconds> <text>} prints the first record holding the text and
 * exits non-zero when none arrives within that time.
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
		Map<String, Integer> services = new TreeMap<>();
		Pattern service = Pattern.compile("\"micro\":\\{[^}]*\"service\":\"([^\"]*)\"");
		long count = 0;
		long lastRecord = 0;
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
				new StringDeserializer())) {
			consumer.subscribe(List.of(topic));
			while (System.nanoTime() < deadline) {
				ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
				int polled = records.count();
				count += polled;
				for (ConsumerRecord<String, String> record : records) {
					if (args[0].equals("find") && record.value().contains(args[4])) {
						System.out.println(record.value());
						return;
					}
					Matcher named = service.matcher(record.value());
					services.merge(named.find() ? named.group(1) : "(none)", 1, Integer::sum);
				}
				if (args[0].equals("find")) {
					continue;
				}
				if (polled > 0) {
					lastRecord = System.nanoTime();
				}
				else if (count > 0 && System.nanoTime() - lastRecord > Duration.ofSeconds(1).toNanos()) {
					break;
				}
			}
		}
		if (args[0].equals("find")) {
			System.exit(1);
		}
		System.out.println(count);
		if (args[0].equals("tally")) {
			services.forEach((name, events) -> System.out.println(events + " " + name));
		}
	}

}
