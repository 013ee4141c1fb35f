package io.github.microspring.logging;

import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import org.slf4j.MarkerFactory;
import org.slf4j.event.KeyValuePair;

import io.github.microspring.logging.KafkaLoggingProperties.RecordKey;

import org.springframework.beans.DirectFieldAccessor;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.boot.logging.structured.StructuredLogFormatter;
import org.springframework.boot.logging.structured.StructuredLoggingJsonMembersCustomizer;
import org.springframework.core.env.Environment;
import org.springframework.core.io.UrlResource;
import org.springframework.core.io.support.PropertiesLoaderUtils;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.util.StringUtils;

/**
 * Turns a captured event into a Kafka record: the value is the JSON that Spring Boot's structured logging writes
 * for the format ({@code ecs} or {@code logstash}, with everything {@code logging.structured.*} configures),
 * plus a {@code micro} object holding the service, the instance id and the sequence number, so a consumer can
 * tell gaps and duplicates apart per instance. With Boot's defaults the JSON is written by {@link EventJsonWriter}
 * (the same bytes, several times cheaper); anything it does not cover goes through Boot's formatter. Used by the
 * sender thread only.
 */
class LogEventFormatter implements Function<CapturedEvent, LogRecord> {

	private final StructuredLogEncoder encoder;

	private final StructuredLogFormatter<ILoggingEvent> formatter;

	private final ThrowableProxyConverter throwableConverter;

	/** Writes the JSON itself where that gives Boot's output exactly; {@code null} when Boot's formatter must. */
	private final EventJsonWriter direct;

	private final RecordKey key;

	private final byte[] serviceBytes;

	private final byte[] instanceBytes;

	private final byte[] suffixStart;

	LogEventFormatter(Environment environment, String format, RecordKey key, String service, String instance) {
		this(environment, format, key, service, instance, true);
	}

	/**
	 * @param directWriter whether events may be written by {@link EventJsonWriter} where it writes what Boot's
	 * formatter would; {@code false} formats every event with Boot's formatter
	 */
	LogEventFormatter(Environment environment, String format, RecordKey key, String service, String instance,
			boolean directWriter) {
		// Boot's encoder finds the Environment in its Logback context; a private context keeps ours out of the
		// application's LoggerContext
		LoggerContext context = new LoggerContext();
		context.putObject(Environment.class.getName(), environment);
		this.encoder = new StructuredLogEncoder();
		this.encoder.setContext(context);
		this.encoder.setFormat(format);
		this.encoder.setCharset(StandardCharsets.UTF_8);
		this.encoder.start();
		this.formatter = formatterOf(this.encoder);
		this.throwableConverter = new ThrowableProxyConverter();
		this.throwableConverter.setContext(context);
		this.throwableConverter.start();
		this.direct = directWriter ? directWriter(environment, format) : null;
		this.key = key;
		this.serviceBytes = service.getBytes(StandardCharsets.UTF_8);
		this.instanceBytes = instance.getBytes(StandardCharsets.UTF_8);
		JsonStringEncoder json = JsonStringEncoder.getInstance();
		this.suffixStart = (",\"micro\":{\"service\":\"" + new String(json.quoteAsString(service)) + "\",\"instance\":\""
				+ new String(json.quoteAsString(instance)) + "\",\"sequence\":")
			.getBytes(StandardCharsets.UTF_8);
	}

	@Override
	public LogRecord apply(CapturedEvent captured) {
		ILoggingEvent event = captured.event();
		if (this.direct != null && this.direct.write(event)) {
			this.direct.append(this.suffixStart);
			this.direct.append(captured.sequence());
			this.direct.append('}');
			this.direct.append('}');
			byte[] value = Arrays.copyOf(this.direct.buffer(), this.direct.size());
			this.direct.shrink();
			return new LogRecord(key(event), value);
		}
		return new LogRecord(key(event), withSuffix(bootJson(event), captured.sequence()));
	}

	/** Whether the events are written by {@link EventJsonWriter} rather than by Boot's formatter. */
	boolean writesDirectly() {
		return this.direct != null;
	}

	private byte[] bootJson(ILoggingEvent event) {
		return (this.formatter != null) ? this.formatter.format(event).getBytes(StandardCharsets.UTF_8)
				: this.encoder.encode(event);
	}

	private byte[] withSuffix(byte[] json, long sequenceNumber) {
		int end = objectEnd(json);
		if (end == 0) {
			throw new IllegalStateException("Structured log formatter wrote no JSON object");
		}
		byte[] sequence = Long.toString(sequenceNumber).getBytes(StandardCharsets.US_ASCII);
		byte[] value = new byte[end - 1 + this.suffixStart.length + sequence.length + 2];
		System.arraycopy(json, 0, value, 0, end - 1);
		int at = end - 1;
		System.arraycopy(this.suffixStart, 0, value, at, this.suffixStart.length);
		at += this.suffixStart.length;
		System.arraycopy(sequence, 0, value, at, sequence.length);
		at += sequence.length;
		value[at++] = '}';
		value[at] = '}';
		return value;
	}

	/**
	 * Where the JSON object ends: just after its closing brace, before the line separator Boot appends; 0 when
	 * there is no closing brace.
	 */
	private static int objectEnd(byte[] json) {
		int end = json.length;
		while (end > 0 && json[end - 1] != '}') {
			end--;
		}
		return end;
	}

	/**
	 * The direct writer, when Boot's output for this configuration is what it writes: a built-in format with
	 * nothing under {@code logging.structured.json} and no customizer registered in {@code spring.factories};
	 * and, in case a Boot upgrade changed the format, only if it writes a few sample events byte for byte as
	 * Boot's formatter does.
	 */
	private EventJsonWriter directWriter(Environment environment, String format) {
		if (this.formatter == null || isCustomized(environment)) {
			return null;
		}
		EventJsonWriter writer = EventJsonWriter.of(format, this.throwableConverter, environment);
		if (writer == null) {
			return null;
		}
		try {
			for (ILoggingEvent sample : samples()) {
				if (!writer.write(sample)) {
					return null;
				}
				byte[] direct = Arrays.copyOf(writer.buffer(), writer.size());
				byte[] boot = this.formatter.format(sample).getBytes(StandardCharsets.UTF_8);
				int end = objectEnd(boot);
				if (end == 0 || !Arrays.equals(direct, Arrays.copyOf(boot, end - 1))) {
					return null;
				}
			}
		}
		catch (RuntimeException ex) {
			return null;
		}
		return writer;
	}

	private static boolean isCustomized(Environment environment) {
		if (Binder.get(environment)
			.bind("logging.structured.json", Bindable.mapOf(String.class, Object.class))
			.isBound()) {
			return true;
		}
		try {
			ClassLoader classLoader = LogEventFormatter.class.getClassLoader();
			Enumeration<URL> factories = classLoader.getResources(SpringFactoriesLoader.FACTORIES_RESOURCE_LOCATION);
			while (factories.hasMoreElements()) {
				Properties properties = PropertiesLoaderUtils.loadProperties(new UrlResource(factories.nextElement()));
				if (StringUtils.hasText(properties.getProperty(StructuredLoggingJsonMembersCustomizer.class.getName()))) {
					return true;
				}
			}
			return false;
		}
		catch (IOException ex) {
			return true;
		}
	}

	private static List<ILoggingEvent> samples() {
		LoggerContext context = new LoggerContext();
		LoggingEvent plain = new LoggingEvent(LogEventFormatter.class.getName(), context.getLogger("com.example.Sample"),
				Level.INFO, "sample {} \"quoted\" \u00e9\u4e2d\ud83d\ude00 \u0001\n", null, new Object[] { 1 });
		plain.setThreadName("sample-thread");
		plain.setMDCPropertyMap(Map.of("traceId", "4bf92f3577b34da6a3ce929d0e0e4736", "tenant", "t\"1"));
		plain.addKeyValuePair(new KeyValuePair("count", 3));
		plain.addKeyValuePair(new KeyValuePair("flag", true));
		plain.addMarker(MarkerFactory.getDetachedMarker("sample-marker"));
		IllegalStateException cause = new IllegalStateException("cause");
		cause.addSuppressed(new IllegalArgumentException("suppressed"));
		LoggingEvent failed = new LoggingEvent(LogEventFormatter.class.getName(), context.getLogger("com.example.Sample"),
				Level.ERROR, null, new RuntimeException("failed", cause), null);
		failed.setThreadName("sample-thread");
		failed.setMDCPropertyMap(Map.of());
		return List.of(plain, failed);
	}

	/**
	 * The encoder's formatter, when it can be reached: its {@code format} builds a String, several times faster
	 * than the encoder's {@code encode}, which writes through an {@code OutputStreamWriter} character by
	 * character; the sender thread's throughput is mostly this.
	 */
	@SuppressWarnings("unchecked")
	private static StructuredLogFormatter<ILoggingEvent> formatterOf(StructuredLogEncoder encoder) {
		try {
			Object formatter = new DirectFieldAccessor(encoder).getPropertyValue("formatter");
			return (formatter instanceof StructuredLogFormatter) ? (StructuredLogFormatter<ILoggingEvent>) formatter
					: null;
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	private byte[] key(ILoggingEvent event) {
		return switch (this.key) {
			case SERVICE -> this.serviceBytes;
			case INSTANCE -> this.instanceBytes;
			case TRACE_ID -> {
				Map<String, String> mdc = event.getMDCPropertyMap();
				String traceId = (mdc != null) ? mdc.get("traceId") : null;
				yield (traceId != null) ? traceId.getBytes(StandardCharsets.US_ASCII) : this.instanceBytes;
			}
		};
	}

}
