package io.github.microspring.logging;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import io.github.microspring.logging.KafkaLoggingProperties.RecordKey;

import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

class LogEventFormatterTests {

	private final ObjectMapper json = new ObjectMapper();

	@Test
	void ecsEventCarriesServiceInstanceSequenceTraceAndStackTrace() throws Exception {
		LogEventFormatter formatter = new LogEventFormatter(environment(), "ecs", RecordKey.SERVICE, "orders",
				"orders-1");
		LogRecord record = formatter.apply(new CapturedEvent(42, event()));
		JsonNode event = this.json.readTree(record.value());
		assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("orders");
		assertThat(event.at("/micro/service").asText()).isEqualTo("orders");
		assertThat(event.at("/micro/instance").asText()).isEqualTo("orders-1");
		assertThat(event.at("/micro/sequence").asLong()).isEqualTo(42);
		assertThat(event.at("/log/level").asText()).isEqualTo("WARN");
		assertThat(event.at("/log/logger").asText()).isEqualTo("com.example.Orders");
		assertThat(event.at("/process/thread/name").asText()).isEqualTo("http-nio-1");
		assertThat(event.at("/message").asText()).isEqualTo("order 7 failed");
		assertThat(event.at("/error/stack_trace").asText()).contains("IllegalStateException: boom");
		assertThat(event.toString()).contains("4bf92f3577b34da6a3ce929d0e0e4736").contains("00f067aa0ba902b7");
		assertThat(event.toString()).contains("tenant-a");
	}

	@Test
	void logstashEventCarriesTheSameFields() throws Exception {
		LogEventFormatter formatter = new LogEventFormatter(environment(), "logstash", RecordKey.INSTANCE, "orders",
				"orders-1");
		LogRecord record = formatter.apply(new CapturedEvent(7, event()));
		JsonNode event = this.json.readTree(record.value());
		assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("orders-1");
		assertThat(event.at("/micro/sequence").asLong()).isEqualTo(7);
		assertThat(event.at("/level").asText()).isEqualTo("WARN");
		assertThat(event.at("/logger_name").asText()).isEqualTo("com.example.Orders");
		assertThat(event.at("/thread_name").asText()).isEqualTo("http-nio-1");
		assertThat(event.at("/traceId").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
		assertThat(event.at("/spanId").asText()).isEqualTo("00f067aa0ba902b7");
		assertThat(event.at("/stack_trace").asText()).contains("IllegalStateException: boom");
	}

	@Test
	void traceIdKeyFallsBackToTheInstanceOutsideATrace() {
		LogEventFormatter formatter = new LogEventFormatter(environment(), "ecs", RecordKey.TRACE_ID, "orders",
				"orders-1");
		assertThat(new String(formatter.apply(new CapturedEvent(1, event())).key(), StandardCharsets.UTF_8))
			.isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
		LoggingEvent untraced = event(Map.of());
		assertThat(new String(formatter.apply(new CapturedEvent(2, untraced)).key(), StandardCharsets.UTF_8))
			.isEqualTo("orders-1");
	}

	private static MockEnvironment environment() {
		return new MockEnvironment().withProperty("spring.application.name", "orders");
	}

	private static LoggingEvent event() {
		return event(Map.of("traceId", "4bf92f3577b34da6a3ce929d0e0e4736", "spanId", "00f067aa0ba902b7", "tenant",
				"tenant-a"));
	}

	private static LoggingEvent event(Map<String, String> mdc) {
		LoggerContext context = new LoggerContext();
		LoggingEvent event = new LoggingEvent("ch.qos.logback.classic.Logger", context.getLogger("com.example.Orders"),
				Level.WARN, "order {} failed", new IllegalStateException("boom"), new Object[] { 7 });
		event.setThreadName("http-nio-1");
		event.setMDCPropertyMap(mdc);
		return event;
	}

}
