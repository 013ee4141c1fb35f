package io.github.microspring.logging;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.io.JsonStringEncoder;

import io.github.microspring.logging.KafkaLoggingProperties.RecordKey;

import org.springframework.beans.DirectFieldAccessor;
import org.springframework.boot.logging.logback.StructuredLogEncoder;
import org.springframework.boot.logging.structured.StructuredLogFormatter;
import org.springframework.core.env.Environment;

/**
 * Turns a captured event into a Kafka record: the value is the JSON that Spring Boot's structured logging writes
 * for the format ({@code ecs} or {@code logstash}, with everything {@code logging.structured.*} configures),
 * plus a {@code micro} object holding the service, the instance id and the sequence number, so a consumer can
 * tell gaps and duplicates apart per instance.
 */
class LogEventFormatter implements Function<CapturedEvent, LogRecord> {

	private final StructuredLogEncoder encoder;

	private final StructuredLogFormatter<ILoggingEvent> formatter;

	private final RecordKey key;

	private final byte[] serviceBytes;

	private final byte[] instanceBytes;

	private final byte[] suffixStart;

	LogEventFormatter(Environment environment, String format, RecordKey key, String service, String instance) {
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
		byte[] json = (this.formatter != null)
				? this.formatter.format(captured.event()).getBytes(StandardCharsets.UTF_8)
				: this.encoder.encode(captured.event());
		int end = json.length;
		while (end > 0 && json[end - 1] != '}') {
			end--;
		}
		if (end == 0) {
			throw new IllegalStateException("Structured log formatter wrote no JSON object");
		}
		byte[] sequence = Long.toString(captured.sequence()).getBytes(StandardCharsets.US_ASCII);
		byte[] value = new byte[end - 1 + this.suffixStart.length + sequence.length + 2];
		System.arraycopy(json, 0, value, 0, end - 1);
		int at = end - 1;
		System.arraycopy(this.suffixStart, 0, value, at, this.suffixStart.length);
		at += this.suffixStart.length;
		System.arraycopy(sequence, 0, value, at, sequence.length);
		at += sequence.length;
		value[at++] = '}';
		value[at] = '}';
		return new LogRecord(key(captured.event()), value);
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
