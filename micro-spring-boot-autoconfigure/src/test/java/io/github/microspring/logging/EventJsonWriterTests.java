package io.github.microspring.logging;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TimeZone;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Marker;
import org.slf4j.MarkerFactory;
import org.slf4j.event.KeyValuePair;

import io.github.microspring.logging.KafkaLoggingProperties.RecordKey;

import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The direct writer must give the very bytes Boot's formatter gives: each event below is formatted both ways and
 * compared byte for byte.
 */
class EventJsonWriterTests {

	private static final String OBJECT_VALUES = "key-value pairs with object values";

	private static final String DOTTED = "dotted mdc keys";

	private static final String CLASH = "mdc keys clashing with members";

	private static final String DUPLICATE = "key-value pair repeating an mdc key";

	private static final String EMPTY_KEY = "empty mdc key";

	private final LoggerContext context = new LoggerContext();

	private final Set<ILoggingEvent> withMdc = Collections.newSetFromMap(new IdentityHashMap<>());

	@ParameterizedTest
	@ValueSource(strings = { "ecs", "logstash" })
	void writesTheSameBytesAsBootsFormatterForEveryKindOfEvent(String format) {
		assertSameBytes(environment(), format, true);
	}

	@ParameterizedTest
	@ValueSource(strings = { "ecs", "logstash" })
	void writesTheSameBytesWithoutPidVersionOrEcsServiceSettings(String format) {
		assertSameBytes(new MockEnvironment().withProperty("spring.application.name", "orders"), format, true);
	}

	@ParameterizedTest
	@ValueSource(strings = { "ecs", "logstash" })
	void leavesEveryEventToBootsFormatterWhenTheJsonIsCustomized(String format) {
		MockEnvironment environment = environment().withProperty("logging.structured.json.exclude", "log.logger")
			.withProperty("logging.structured.json.rename.message", "msg");
		assertSameBytes(environment, format, false);
	}

	@ParameterizedTest
	@ValueSource(strings = { "ecs", "logstash" })
	void leavesEveryEventToBootsFormatterWhenTheStackTraceIsConfigured(String format) {
		MockEnvironment environment = environment().withProperty("logging.structured.json.stacktrace.max-length",
				"300");
		assertSameBytes(environment, format, false);
	}

	@ParameterizedTest
	@ValueSource(strings = { "Asia/Kolkata", "America/St_Johns", "Europe/Paris" })
	void writesLogstashTimestampsInTheSystemZoneAsBootDoes(String zone) {
		TimeZone system = TimeZone.getDefault();
		TimeZone.setDefault(TimeZone.getTimeZone(zone));
		try {
			assertSameBytes(environment(), "logstash", true);
		}
		finally {
			TimeZone.setDefault(system);
		}
	}

	@Test
	void otherFormatsAreLeftToBoot() {
		assertSameBytes(environment(), "gelf", false);
	}

	private void assertSameBytes(MockEnvironment environment, String format, boolean direct) {
		LogEventFormatter ours = new LogEventFormatter(environment, format, RecordKey.SERVICE, "orders", "orders-1",
				true);
		LogEventFormatter boot = new LogEventFormatter(environment, format, RecordKey.SERVICE, "orders", "orders-1",
				false);
		assertThat(ours.writesDirectly()).isEqualTo(direct);
		assertThat(boot.writesDirectly()).isFalse();
		List<ILoggingEvent> events = events();
		if (direct) {
			assertThat(leftToBoot(environment, format, events)).containsExactlyInAnyOrderElementsOf(
					format.equals("ecs") ? List.of(OBJECT_VALUES, DOTTED, CLASH, DUPLICATE, EMPTY_KEY)
							: List.of(OBJECT_VALUES, CLASH, DUPLICATE, EMPTY_KEY));
		}
		for (int i = 0; i < events.size(); i++) {
			ILoggingEvent event = events.get(i);
			byte[] expected = formatOrNull(boot, new CapturedEvent(i, event));
			byte[] actual = formatOrNull(ours, new CapturedEvent(i, event));
			assertThat(text(actual)).as("event %d (%s)", i, event.getMessage()).isEqualTo(text(expected));
			assertThat(actual).as("event %d (%s)", i, event.getMessage()).isEqualTo(expected);
		}
	}

	/** Messages of the events the direct writer hands back to Boot's formatter. */
	private List<String> leftToBoot(MockEnvironment environment, String format, List<ILoggingEvent> events) {
		ThrowableProxyConverter converter = new ThrowableProxyConverter();
		converter.setContext(this.context);
		converter.start();
		EventJsonWriter writer = EventJsonWriter.of(format, converter, environment);
		return events.stream().filter((event) -> !writer.write(event)).map(ILoggingEvent::getMessage).toList();
	}

	private static byte[] formatOrNull(LogEventFormatter formatter, CapturedEvent event) {
		try {
			return formatter.apply(event).value();
		}
		catch (RuntimeException ex) {
			// Boot refuses some events (duplicate names): both paths must refuse them
			return ("refused: " + ex.getClass().getName()).getBytes(StandardCharsets.UTF_8);
		}
	}

	private static String text(byte[] bytes) {
		return (bytes != null) ? new String(bytes, StandardCharsets.UTF_8) : null;
	}

	private static MockEnvironment environment() {
		return new MockEnvironment().withProperty("spring.application.name", "orders")
			.withProperty("spring.application.pid", "4242")
			.withProperty("spring.application.version", "1.2.3")
			.withProperty("logging.structured.ecs.service.environment", "prod \"eu\"")
			.withProperty("logging.structured.ecs.service.node-name", "node-ü");
	}

	private List<ILoggingEvent> events() {
		List<ILoggingEvent> events = new ArrayList<>();
		events.add(event(Level.INFO, "order {} placed by customer {}", null, 42, "c-42"));
		events.add(event(Level.DEBUG, null, null));
		events.add(event(Level.TRACE, "", null));
		events.add(event(Level.WARN, "quotes \" backslash \\ slash / tab\t newline\n return\r feed\f back\b", null));
		events.add(event(Level.ERROR, "controls \u0000 \u0001 \u001f \u007f \u0080 \u009f \u00a0 end", null));
		events.add(event(Level.INFO, "unicode é ß 中文 😀 emoji 𝄞 and a lone surrogate \ud800 x \udc00 y", null));
		events.add(event(Level.INFO, "long " + "0123456789abcdef\u00e9\"".repeat(5000), null));
		events.add(event(Level.INFO, "arguments {} {} {} {}", null, null, 3.5, new int[] { 1, 2 }, Map.of("k", "v")));
		IllegalStateException cause = new IllegalStateException("cause with \"quotes\"\nand a line");
		cause.addSuppressed(new IllegalArgumentException("suppressed"));
		RuntimeException failure = new RuntimeException("failed", cause);
		failure.addSuppressed(new UnsupportedOperationException());
		events.add(event(Level.ERROR, "with a throwable", failure));
		events.add(event(Level.ERROR, "throwable without message", new NullPointerException()));
		LoggingEvent mdc = event(Level.INFO, "with mdc", null);
		Map<String, String> context = new LinkedHashMap<>();
		context.put("traceId", "4bf92f3577b34da6a3ce929d0e0e4736");
		context.put("spanId", "00f067aa0ba902b7");
		context.put("tenant", "ténant \"a\"\n");
		context.put("empty", "");
		context.put("nothing", null);
		withMdc(mdc, context);
		events.add(mdc);
		LoggingEvent pairs = event(Level.INFO, "with key-value pairs", null);
		withMdc(pairs, Map.of("traceId", "4bf92f3577b34da6a3ce929d0e0e4736"));
		pairs.addKeyValuePair(new KeyValuePair("orderId", 42));
		pairs.addKeyValuePair(new KeyValuePair("amount", 12.5));
		pairs.addKeyValuePair(new KeyValuePair("big", 12345678901234L));
		pairs.addKeyValuePair(new KeyValuePair("paid", false));
		pairs.addKeyValuePair(new KeyValuePair("note", "x\ty"));
		pairs.addKeyValuePair(new KeyValuePair("none", null));
		events.add(pairs);
		LoggingEvent objectValue = event(Level.INFO, OBJECT_VALUES, null);
		objectValue.addKeyValuePair(new KeyValuePair("when", Instant.ofEpochSecond(1)));
		objectValue.addKeyValuePair(new KeyValuePair("list", List.of("a", "b")));
		objectValue.addKeyValuePair(new KeyValuePair("map", Map.of("a", 1)));
		events.add(objectValue);
		LoggingEvent dotted = event(Level.INFO, DOTTED, null);
		withMdc(dotted, Map.of("user.id", "u-1", "user.name", "ann"));
		events.add(dotted);
		LoggingEvent clash = event(Level.INFO, CLASH, null);
		withMdc(clash, Map.of("message", "mine", "level", "mine"));
		events.add(clash);
		LoggingEvent duplicate = event(Level.INFO, DUPLICATE, null);
		withMdc(duplicate, Map.of("tenant", "a"));
		duplicate.addKeyValuePair(new KeyValuePair("tenant", "b"));
		events.add(duplicate);
		LoggingEvent emptyKey = event(Level.INFO, EMPTY_KEY, null);
		withMdc(emptyKey, Map.of("", "blank"));
		events.add(emptyKey);
		LoggingEvent markers = event(Level.INFO, "with markers", null);
		Marker parent = MarkerFactory.getDetachedMarker("zeta");
		parent.add(MarkerFactory.getDetachedMarker("alpha"));
		parent.add(MarkerFactory.getDetachedMarker("mu \"quoted\""));
		markers.addMarker(parent);
		markers.addMarker(MarkerFactory.getDetachedMarker("beta"));
		events.add(markers);
		for (int nanos : new int[] { 0, 1, 10, 100_000_000, 120_000_000, 123_000_000, 123_400_000, 123_456_000,
				123_456_700, 123_456_789, 999_999_999 }) {
			LoggingEvent timed = event(Level.INFO, "at nanos " + nanos, null);
			timed.setInstant(Instant.ofEpochSecond(1_795_000_000L, nanos));
			events.add(timed);
		}
		for (long second : new long[] { 0, -1, 951_782_400L, 253_402_300_799L, 253_402_300_800L, -62_167_219_200L,
				-62_167_219_201L }) {
			LoggingEvent dated = event(Level.INFO, "at second " + second, null);
			dated.setInstant(Instant.ofEpochSecond(second, 5_000));
			events.add(dated);
		}
		events.add(event("pool-1 \"worker\" ü", Level.INFO, "thread name with quotes and ü", null));
		for (ILoggingEvent event : events) {
			if (!this.withMdc.contains(event)) {
				((LoggingEvent) event).setMDCPropertyMap(Map.of());
			}
		}
		return events;
	}

	private void withMdc(LoggingEvent event, Map<String, String> mdc) {
		event.setMDCPropertyMap(mdc);
		this.withMdc.add(event);
	}

	private LoggingEvent event(Level level, String message, Throwable throwable, Object... arguments) {
		return event("http-nio-1", level, message, throwable, arguments);
	}

	private LoggingEvent event(String thread, Level level, String message, Throwable throwable, Object... arguments) {
		LoggingEvent event = new LoggingEvent("ch.qos.logback.classic.Logger",
				this.context.getLogger("com.example.Orders"), level, message, throwable,
				(arguments.length > 0) ? arguments : null);
		event.setThreadName(thread);
		event.setInstant(Instant.parse("2026-11-28T10:15:30.123456Z"));
		return event;
	}

}
