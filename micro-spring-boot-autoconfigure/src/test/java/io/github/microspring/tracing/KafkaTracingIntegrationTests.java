package io.github.microspring.tracing;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.test.kafka.KafkaExtension;
import io.github.microspring.test.kafka.KafkaServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A record sent through Boot's {@code KafkaTemplate} inside a trace is consumed by a {@code @KafkaListener} in
 * the same trace, with no observation property set by the application.
 */
@ExtendWith(KafkaExtension.class)
class KafkaTracingIntegrationTests {

	static final String TOPIC = "traced_" + UUID.randomUUID().toString().substring(0, 8);

	@Test
	void aConsumedRecordContinuesTheProducersTrace(KafkaServer kafka) throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(KafkaApplication.class)
			.web(WebApplicationType.NONE)
			.properties("test.topic=" + TOPIC, "spring.application.name=kafka-trace", "spring.main.banner-mode=off",
					"spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
					"spring.kafka.consumer.auto-offset-reset=earliest", "management.tracing.sampling.probability=1.0",
					"management.zipkin.tracing.export.enabled=false", "micro.registry.enabled=false",
					"micro.discovery.enabled=false")
			.run()) {
			Tracer tracer = context.getBean(Tracer.class);
			@SuppressWarnings("unchecked")
			KafkaTemplate<Object, Object> template = context.getBean(KafkaTemplate.class);
			String[] sent = new String[1];
			Observation.createNotStarted("send", context.getBean(ObservationRegistry.class)).observe(() -> {
				sent[0] = tracer.currentSpan().context().traceId();
				template.send(TOPIC, "hello").join();
			});
			String consumedIn = context.getBean(Listener.class).traceIds.poll(60, TimeUnit.SECONDS);
			assertThat(consumedIn).isEqualTo(sent[0]);
		}
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class KafkaApplication {

		@Bean
		Listener listener(Tracer tracer) {
			return new Listener(tracer);
		}

	}

	static class Listener {

		final BlockingQueue<String> traceIds = new ArrayBlockingQueue<>(10);

		private final Tracer tracer;

		Listener(Tracer tracer) {
			this.tracer = tracer;
		}

		@KafkaListener(topics = "${test.topic}", groupId = "kafka-trace")
		void consume(String value) {
			this.traceIds.add((this.tracer.currentSpan() != null) ? this.tracer.currentSpan().context().traceId() : "none");
		}

	}

}
