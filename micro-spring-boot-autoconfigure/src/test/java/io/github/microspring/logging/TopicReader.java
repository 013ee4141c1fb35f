package io.github.microspring.logging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import io.github.microspring.test.kafka.KafkaServer;

/**
 * Reads a whole single-partition topic, as the tests check what was shipped.
 */
public final class TopicReader {

	private TopicReader() {
	}

	/**
	 * Everything the topic's single partition holds now, read from the beginning to its end offset.
	 */
	public static List<ConsumerRecord<String, String>> records(KafkaServer kafka, String topic) {
		Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
				ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
		List<ConsumerRecord<String, String>> records = new ArrayList<>();
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
				new StringDeserializer())) {
			TopicPartition partition = new TopicPartition(topic, 0);
			consumer.assign(List.of(partition));
			consumer.seekToBeginning(List.of(partition));
			long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(10)).get(partition);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
			while (consumer.position(partition, Duration.ofSeconds(10)) < end && System.nanoTime() < deadline) {
				consumer.poll(Duration.ofMillis(200)).forEach(records::add);
			}
		}
		catch (org.apache.kafka.common.KafkaException ex) {
			// the topic does not exist yet, or the broker is not back: nothing arrived so far
		}
		return records;
	}

}
