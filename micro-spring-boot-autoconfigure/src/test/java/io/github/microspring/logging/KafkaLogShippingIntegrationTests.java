package io.github.microspring.logging;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import io.github.microspring.test.kafka.KafkaExtension;
import io.github.microspring.test.kafka.KafkaServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An application shipping its log to a real Kafka broker that the tests stop and start.
 */
@ExtendWith(KafkaExtension.class)
class KafkaLogShippingIntegrationTests {

	private static final Logger log = LoggerFactory.getLogger(KafkaLogShippingIntegrationTests.class);

	private static final ObjectMapper json = new ObjectMapper();

	private final List<ConfigurableApplicationContext> applications = new ArrayList<>();

	@AfterEach
	void close(KafkaServer kafka) {
		this.applications.forEach(ConfigurableApplicationContext::close);
		if (!kafka.isRunning()) {
			kafka.restart();
		}
	}

	@Test
	void eachEventArrivesAsJsonWithServiceInstanceSequenceLevelLoggerThreadTraceAndStackTrace(KafkaServer kafka)
			throws Exception {
		String topic = topic();
		ConfigurableApplicationContext application = start(kafka, topic, temporarySpool());
		MDC.put("traceId", "4bf92f3577b34da6a3ce929d0e0e4736");
		MDC.put("spanId", "00f067aa0ba902b7");
		MDC.put("tenant", "tenant-a");
		try {
			log.warn("order {} failed", 7, new IllegalStateException("boom"));
		}
		finally {
			MDC.clear();
		}
		await().atMost(Duration.ofSeconds(60)).until(() -> find(kafka, topic, "order 7 failed") != null);
		JsonNode event = find(kafka, topic, "order 7 failed");
		assertThat(event.at("/micro/service").asText()).isEqualTo("shipping-test");
		assertThat(event.at("/micro/instance").asText()).isEqualTo(instanceId(application));
		assertThat(event.at("/micro/sequence").asLong()).isPositive();
		assertThat(event.at("/log/level").asText()).isEqualTo("WARN");
		assertThat(event.at("/log/logger").asText()).isEqualTo(KafkaLogShippingIntegrationTests.class.getName());
		assertThat(event.at("/process/thread/name").asText()).isEqualTo(Thread.currentThread().getName());
		assertThat(event.at("/error/stack_trace").asText()).contains("IllegalStateException: boom");
		assertThat(event.get("traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
		assertThat(event.get("spanId").asText()).isEqualTo("00f067aa0ba902b7");
		assertThat(event.get("tenant").asText()).isEqualTo("tenant-a");
		assertThat(records(kafka, topic)).noneMatch((record) -> record.value().contains("\"org.apache.kafka"));
	}

	@Test
	void tenThousandEventsLoggedDuringATwentySecondOutageAllArriveInOrderOnceTheBrokerIsBack(KafkaServer kafka)
			throws Exception {
		String topic = topic();
		ConfigurableApplicationContext application = start(kafka, topic, temporarySpool());
		log.info("before the outage");
		await().atMost(Duration.ofSeconds(60)).until(() -> find(kafka, topic, "before the outage") != null);
		LogShipper<CapturedEvent> shipper = application.getBean(KafkaLogShipping.class).shipper();

		kafka.stop();
		long outageStarted = System.nanoTime();
		long[] nanos = new long[10_000];
		for (int i = 0; i < 10_000; i++) {
			long started = System.nanoTime();
			log.info("outage-{}", i);
			nanos[i] = System.nanoTime() - started;
			if (i % 500 == 499) {
				// pace the 10,000 events over the outage, 500 a second, as a busy service would
				long next = outageStarted + TimeUnit.SECONDS.toNanos((i + 1) / 500);
				LockSupport.parkNanos(next - System.nanoTime());
			}
		}
		LockSupport.parkNanos(outageStarted + TimeUnit.SECONDS.toNanos(20) - System.nanoTime());
		assertThat(shipper.spooled()).isPositive();
		kafka.restart();

		await().atMost(Duration.ofSeconds(120))
			.pollInterval(Duration.ofSeconds(1))
			.until(() -> distinctMessages(outageEvents(kafka, topic)) == 10_000);
		List<JsonNode> events = outageEvents(kafka, topic);
		Arrays.sort(nanos);
		long duplicates = events.size() - distinctMessages(events);
		System.out.printf("outage: log.info p50 %d ns, p99 %d ns, max %d ns; spooled %d, dropped %d, duplicates %d%n",
				nanos[5_000], nanos[9_900], nanos[9_999], shipper.spooled(), shipper.dropped(), duplicates);
		assertThat(shipper.dropped()).isZero();
		// no logging call waited for the broker: that would take max.block.ms (1 s) at least
		assertThat(nanos[9_999]).isLessThan(TimeUnit.MILLISECONDS.toNanos(1000));
		long previous = 0;
		for (JsonNode event : events) {
			long sequence = event.at("/micro/sequence").asLong();
			// in order; a duplicate repeats a sequence number already seen, never goes back past it
			assertThat(sequence).isGreaterThanOrEqualTo(previous);
			previous = sequence;
		}
	}

	@Test
	void whenTheSpoolIsFullTheDropCounterEqualsWhatWasLost(KafkaServer kafka) throws Exception {
		String topic = topic();
		ConfigurableApplicationContext application = start(kafka, topic, temporarySpool(),
				"micro.logging.kafka.spool.max-size=64KB");
		log.info("before the outage");
		await().atMost(Duration.ofSeconds(60)).until(() -> find(kafka, topic, "before the outage") != null);
		KafkaLogShipping shipping = application.getBean(KafkaLogShipping.class);
		LogShipper<CapturedEvent> shipper = shipping.shipper();
		kafka.stop();
		for (int i = 0; i < 2_000; i++) {
			log.info("spool-full-{}", i);
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> shipper.dropped() > 0 && shipper.queued() == 0);
		kafka.restart();
		String instance = instanceId(application);
		// every sequence number the appender gave out either arrived or was counted as dropped
		await().atMost(Duration.ofSeconds(120))
			.pollInterval(Duration.ofSeconds(1))
			.until(() -> distinctSequences(kafka, topic, instance) + shipper.dropped() == shipping.appender()
				.lastSequence());
		assertThat(shipper.dropped()).isGreaterThan(0);
		System.out.printf("spool full: issued %d, arrived %d, dropped %d%n", shipping.appender().lastSequence(),
				distinctSequences(kafka, topic, instance), shipper.dropped());
	}

	@Test
	void whatIsLeftInTheSpoolAtShutdownIsShippedAfterTheNextStart(KafkaServer kafka) throws Exception {
		String topic = topic();
		Path spool = temporarySpool();
		ConfigurableApplicationContext first = start(kafka, topic, spool, "micro.logging.kafka.shutdown-grace=1s");
		log.info("first start");
		await().atMost(Duration.ofSeconds(60)).until(() -> find(kafka, topic, "first start") != null);
		LogShipper<CapturedEvent> shipper = first.getBean(KafkaLogShipping.class).shipper();
		kafka.stop();
		for (int i = 0; i < 100; i++) {
			log.info("left-{}", i);
		}
		await().atMost(Duration.ofSeconds(30)).until(() -> shipper.spooled() >= 100);
		first.close();
		kafka.restart();
		start(kafka, topic, spool);
		await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> {
			Set<String> left = new HashSet<>();
			for (ConsumerRecord<String, String> record : records(kafka, topic)) {
				String message = json.readTree(record.value()).path("message").asText();
				if (message.startsWith("left-")) {
					left.add(message);
				}
			}
			return left.size() == 100;
		});
	}

	private ConfigurableApplicationContext start(KafkaServer kafka, String topic, Path spool, String... more) {
		List<String> properties = new ArrayList<>(List.of("spring.application.name=shipping-test",
				"spring.main.banner-mode=off", "micro.logging.kafka.enabled=true",
				"micro.logging.kafka.bootstrap-servers=" + kafka.bootstrapServers(), "micro.logging.kafka.topic=" + topic,
				"micro.logging.kafka.spool.directory=" + spool));
		properties.addAll(List.of(more));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(ShippingApplication.class)
			.web(WebApplicationType.NONE)
			.properties(properties.toArray(String[]::new))
			.run();
		this.applications.add(context);
		return context;
	}

	private static String instanceId(ConfigurableApplicationContext application) {
		return application.getBean(KafkaLogShipping.class).instanceId();
	}

	private static String topic() {
		return "web_log_" + UUID.randomUUID().toString().substring(0, 8);
	}

	private static Path temporarySpool() throws Exception {
		return Files.createTempDirectory("log-spool");
	}

	private static List<ConsumerRecord<String, String>> records(KafkaServer kafka, String topic) {
		return TopicReader.records(kafka, topic);
	}

	private static JsonNode find(KafkaServer kafka, String topic, String message) throws Exception {
		for (ConsumerRecord<String, String> record : records(kafka, topic)) {
			JsonNode event = json.readTree(record.value());
			if (message.equals(event.path("message").asText())) {
				return event;
			}
		}
		return null;
	}

	private static List<JsonNode> outageEvents(KafkaServer kafka, String topic) throws Exception {
		List<JsonNode> events = new ArrayList<>();
		for (ConsumerRecord<String, String> record : records(kafka, topic)) {
			JsonNode event = json.readTree(record.value());
			if (event.path("message").asText().startsWith("outage-")) {
				events.add(event);
			}
		}
		return events;
	}

	private static long distinctMessages(List<JsonNode> events) {
		return events.stream().map((event) -> event.path("message").asText()).distinct().count();
	}

	private static long distinctSequences(KafkaServer kafka, String topic, String instance) throws Exception {
		Map<Long, Integer> sequences = new HashMap<>();
		for (ConsumerRecord<String, String> record : records(kafka, topic)) {
			JsonNode event = json.readTree(record.value());
			if (instance.equals(event.at("/micro/instance").asText())) {
				sequences.merge(event.at("/micro/sequence").asLong(), 1, Integer::sum);
			}
		}
		return sequences.size();
	}

	@SpringBootConfiguration
	@ImportAutoConfiguration(KafkaLoggingAutoConfiguration.class)
	static class ShippingApplication {

	}

}
