package io.github.microspring.test.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaServerIntegrationTests {

	private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

	private static KafkaServer kafka;

	@BeforeAll
	static void startBroker() {
		kafka = KafkaServer.start();
	}

	@AfterAll
	static void closeBroker() {
		if (kafka != null) {
			kafka.close();
		}
	}

	@AfterEach
	void brokerRunsForTheNextTest() {
		if (!kafka.isRunning()) {
			kafka.restart();
		}
	}

	@Test
	void producedRecordIsReadBackWithKeyValueAndHeaders() {
		ProducerRecord<String, String> record = new ProducerRecord<>("greetings", "k1", "hello");
		record.headers().add("Micro-From", "tests".getBytes(StandardCharsets.UTF_8));
		kafka.send(record);

		List<ConsumerRecord<String, String>> records = kafka.records("greetings", 1, READ_TIMEOUT);

		assertThat(records).singleElement().satisfies((read) -> {
			assertThat(read.key()).isEqualTo("k1");
			assertThat(read.value()).isEqualTo("hello");
			assertThat(new String(read.headers().lastHeader("Micro-From").value(), StandardCharsets.UTF_8))
				.isEqualTo("tests");
		});
	}

	@Test
	void recordsSurviveStopAndStartOnTheSamePort() {
		kafka.createTopic("durable", 1);
		kafka.send("durable", "before", "1");
		String bootstrapServers = kafka.bootstrapServers();
		long firstPid = kafka.pid();

		kafka.stop();
		assertThat(kafka.isRunning()).isFalse();
		assertThat(ProcessHandle.of(firstPid)).isEmpty();
		kafka.restart();

		assertThat(kafka.bootstrapServers()).isEqualTo(bootstrapServers);
		assertThat(kafka.pid()).isNotEqualTo(firstPid);
		kafka.send("durable", "after", "2");
		assertThat(kafka.records("durable", 2, READ_TIMEOUT)).extracting(ConsumerRecord::key)
			.containsExactly("before", "after");
	}

	@Test
	void killLeavesNoProcess() {
		long pid = kafka.pid();

		kafka.kill();

		assertThat(kafka.isRunning()).isFalse();
		assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
	}

}
