package io.github.microspring.logging;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Sends log records with a {@link KafkaProducer} owned by the sender thread. The producer is idempotent with
 * {@code acks=all}, so the broker's retries neither reorder nor duplicate records within a partition.
 */
class KafkaLogSender implements LogSender {

	private final KafkaProducer<byte[], byte[]> producer;

	private final String topic;

	KafkaLogSender(Map<String, Object> config, String topic) {
		this.producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
		this.topic = topic;
	}

	@Override
	public CompletableFuture<Integer> send(List<LogRecord> records) {
		CompletableFuture<Integer> result = new CompletableFuture<>();
		int count = records.size();
		boolean[] acknowledged = new boolean[count];
		// the counter's decrements publish the flags to the thread that completes the result
		AtomicInteger remaining = new AtomicInteger(count);
		Runnable completeWhenAllAnswered = () -> result.complete(prefix(acknowledged));
		for (int i = 0; i < count; i++) {
			LogRecord record = records.get(i);
			int index = i;
			try {
				this.producer.send(new ProducerRecord<>(this.topic, record.key(), record.value()), (metadata, ex) -> {
					acknowledged[index] = (ex == null);
					if (remaining.decrementAndGet() == 0) {
						completeWhenAllAnswered.run();
					}
				});
			}
			catch (RuntimeException ex) {
				// no metadata within max.block.ms, or the producer is closed: this and the rest were not sent
				if (remaining.addAndGet(-(count - i)) == 0) {
					completeWhenAllAnswered.run();
				}
				break;
			}
		}
		return result;
	}

	private static int prefix(boolean[] acknowledged) {
		int count = 0;
		while (count < acknowledged.length && acknowledged[count]) {
			count++;
		}
		return count;
	}

	@Override
	public void close(Duration timeout) {
		this.producer.close(timeout);
	}

}
