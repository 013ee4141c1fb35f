package io.github.microspring.logging;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;

import org.springframework.boot.json.JsonWriter;
import org.springframework.boot.logging.structured.ElasticCommonSchemaProperties;
import org.springframework.core.env.Environment;

/**
 * Writes the JSON that Spring Boot 3.5's {@code ecs} and {@code logstash} structured log formatters write with
 * their defaults, straight into a reused UTF-8 buffer: no intermediate String, no per-member lambdas. It is used
 * only where Boot's configuration is the default (see {@link LogEventFormatter}); an event it does not cover
 * (context keys that Boot nests or that clash with a member, values Boot writes as arrays or objects) makes
 * {@link #write} answer {@code false}, and the caller formats that event with Boot's formatter.
 * <p>
 * Not thread-safe: one writer per sender thread.
 */
final class EventJsonWriter {

	private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

	private static final byte[] TIMESTAMP = ascii("{\"@timestamp\":\"");

	private static final byte[] ECS_LEVEL = ascii("\",\"log\":{\"level\":");

	private static final byte[] ECS_LOGGER = ascii(",\"logger\":");

	private static final byte[] ECS_THREAD = ascii("\"thread\":{\"name\":");

	private static final byte[] ECS_THREAD_END = ascii("}}");

	private static final byte[] MESSAGE = ascii(",\"message\":");

	private static final byte[] ECS_ERROR = ascii(",\"error\":{\"type\":");

	private static final byte[] STACK_TRACE = ascii(",\"stack_trace\":");

	private static final byte[] ECS_VERSION = ascii(",\"ecs\":{\"version\":\"8.11\"}");

	private static final byte[] LOGSTASH_VERSION = ascii("\",\"@version\":\"1\",\"message\":");

	private static final byte[] LOGSTASH_LOGGER = ascii(",\"logger_name\":");

	private static final byte[] LOGSTASH_THREAD = ascii(",\"thread_name\":");

	private static final byte[] LOGSTASH_LEVEL = ascii(",\"level\":");

	private static final byte[] LOGSTASH_LEVEL_VALUE = ascii(",\"level_value\":");

	private static final byte[] TAGS = ascii(",\"tags\":[");

	private static final byte[] NULL = ascii("null");

	private static final int MAX_NAMES = 4096;

	private static final Set<String> ECS_MEMBERS = Set.of("@timestamp", "log", "process", "service", "message",
			"error", "tags", "ecs");

	private static final Set<String> LOGSTASH_MEMBERS = Set.of("@timestamp", "@version", "message", "logger_name",
			"thread_name", "level", "level_value", "tags", "stack_trace");

	private final boolean ecs;

	private final ThrowableProxyConverter throwableConverter;

	/** ECS only: {@code ,"process":{"pid":N,} or {@code ,"process":{}. */
	private final byte[] processStart;

	/** ECS only: the {@code "service":{...}} member as Boot writes it, with its leading comma. */
	private final byte[] service;

	private byte[] buffer = new byte[1024];

	/** Logger, thread and level names, quoted and escaped. */
	private final Map<String, byte[]> names = new HashMap<>();

	private int size;

	private long cachedSecond = Long.MIN_VALUE;

	private ZoneId cachedZone;

	/** Date and time to the second, as the JDK's formatter writes it for {@link #cachedSecond}. */
	private byte[] cachedDateTime;

	/** What follows the fraction of a second: {@code Z} or the zone offset. */
	private byte[] cachedOffset;

	private EventJsonWriter(boolean ecs, ThrowableProxyConverter throwableConverter, Environment environment) {
		this.ecs = ecs;
		this.throwableConverter = throwableConverter;
		if (ecs) {
			Long pid = environment.getProperty("spring.application.pid", Long.class);
			this.processStart = ascii(",\"process\":{" + ((pid != null) ? "\"pid\":" + pid + "," : ""));
			ElasticCommonSchemaProperties properties = ElasticCommonSchemaProperties.get(environment);
			// Boot's own writer renders the service member, so its names, omissions and escaping match exactly
			String service = JsonWriter.<ElasticCommonSchemaProperties>of(properties::jsonMembers)
				.writeToString(properties);
			this.service = ("," + service.substring(1, service.length() - 1)).getBytes(StandardCharsets.UTF_8);
		}
		else {
			this.processStart = null;
			this.service = null;
		}
	}

	/**
	 * A writer for {@code format}, {@code null} when the format is not one this class writes.
	 */
	static EventJsonWriter of(String format, ThrowableProxyConverter throwableConverter, Environment environment) {
		return switch (format) {
			case "ecs" -> new EventJsonWriter(true, throwableConverter, environment);
			case "logstash" -> new EventJsonWriter(false, throwableConverter, environment);
			default -> null;
		};
	}

	/**
	 * Writes the event's JSON object into the buffer, without its closing brace.
	 * @return whether the event was written; {@code false} when Boot's formatter must write it
	 */
	boolean write(ILoggingEvent event) {
		Map<String, String> mdc = event.getMDCPropertyMap();
		List<KeyValuePair> pairs = event.getKeyValuePairs();
		if (!coversContext(mdc, pairs)) {
			return false;
		}
		this.size = 0;
		if (this.ecs) {
			writeEcs(event, mdc, pairs);
		}
		else {
			writeLogstash(event, mdc, pairs);
		}
		return true;
	}

	/** Lets go of a buffer grown by a very large event. */
	void shrink() {
		if (this.buffer.length > 1024 * 1024) {
			this.buffer = new byte[1024];
		}
	}

	byte[] buffer() {
		return this.buffer;
	}

	int size() {
		return this.size;
	}

	void append(byte[] bytes) {
		ensure(bytes.length);
		System.arraycopy(bytes, 0, this.buffer, this.size, bytes.length);
		this.size += bytes.length;
	}

	void append(long value) {
		ensure(20);
		if (value == Long.MIN_VALUE) {
			append(ascii(Long.toString(value)));
			return;
		}
		if (value < 0) {
			this.buffer[this.size++] = '-';
			value = -value;
		}
		int start = this.size;
		do {
			this.buffer[this.size++] = (byte) ('0' + (value % 10));
			value /= 10;
		}
		while (value != 0);
		reverse(start, this.size - 1);
	}

	void append(char ascii) {
		ensure(1);
		this.buffer[this.size++] = (byte) ascii;
	}

	private void writeEcs(ILoggingEvent event, Map<String, String> mdc, List<KeyValuePair> pairs) {
		append(TIMESTAMP);
		writeInstant(event.getInstant());
		append(ECS_LEVEL);
		writeName(String.valueOf(event.getLevel()));
		append(ECS_LOGGER);
		writeName(event.getLoggerName());
		append('}');
		append(this.processStart);
		append(ECS_THREAD);
		writeName(event.getThreadName());
		append(ECS_THREAD_END);
		append(this.service);
		append(MESSAGE);
		writeString(event.getFormattedMessage());
		writeContext(mdc, pairs);
		IThrowableProxy throwable = event.getThrowableProxy();
		if (throwable != null) {
			append(ECS_ERROR);
			writeString(throwable.getClassName());
			append(MESSAGE);
			writeString(throwable.getMessage());
			append(STACK_TRACE);
			writeString(this.throwableConverter.convert(event));
			append('}');
		}
		writeTags(event.getMarkerList(), new TreeSet<>());
		append(ECS_VERSION);
	}

	private void writeLogstash(ILoggingEvent event, Map<String, String> mdc, List<KeyValuePair> pairs) {
		append(TIMESTAMP);
		writeOffsetDateTime(event.getInstant());
		append(LOGSTASH_VERSION);
		writeString(event.getFormattedMessage());
		append(LOGSTASH_LOGGER);
		writeName(event.getLoggerName());
		append(LOGSTASH_THREAD);
		writeName(event.getThreadName());
		append(LOGSTASH_LEVEL);
		writeName(String.valueOf(event.getLevel()));
		append(LOGSTASH_LEVEL_VALUE);
		append(event.getLevel().toInt());
		writeContext(mdc, pairs);
		writeTags(event.getMarkerList(), new LinkedHashSet<>());
		if (event.getThrowableProxy() != null) {
			append(STACK_TRACE);
			writeString(this.throwableConverter.convert(event));
		}
	}

	/**
	 * Whether the MDC and key-value pairs are written here exactly as Boot writes them: each name non-empty,
	 * without a dot (ECS nests on dots), distinct from the format's members and from each other (Boot refuses
	 * duplicates), and each value null, a String, a Number or a Boolean.
	 */
	private boolean coversContext(Map<String, String> mdc, List<KeyValuePair> pairs) {
		Set<String> members = this.ecs ? ECS_MEMBERS : LOGSTASH_MEMBERS;
		if (mdc != null) {
			for (String name : mdc.keySet()) {
				if (!coversName(name, members)) {
					return false;
				}
			}
		}
		if (pairs != null) {
			for (int i = 0; i < pairs.size(); i++) {
				KeyValuePair pair = pairs.get(i);
				Object value = pair.value;
				if (!coversName(pair.key, members) || (mdc != null && mdc.containsKey(pair.key))
						|| !(value == null || value instanceof String || value instanceof Number
								|| value instanceof Boolean)) {
					return false;
				}
				for (int j = 0; j < i; j++) {
					if (pair.key.equals(pairs.get(j).key)) {
						return false;
					}
				}
			}
		}
		return true;
	}

	private boolean coversName(String name, Set<String> members) {
		return name != null && !name.isEmpty() && !members.contains(name) && (!this.ecs || name.indexOf('.') < 0);
	}

	private void writeContext(Map<String, String> mdc, List<KeyValuePair> pairs) {
		if (mdc != null) {
			for (Map.Entry<String, String> entry : mdc.entrySet()) {
				append(',');
				writeString(entry.getKey());
				append(':');
				writeString(entry.getValue());
			}
		}
		if (pairs != null) {
			for (KeyValuePair pair : pairs) {
				append(',');
				writeString(pair.key);
				append(':');
				Object value = pair.value;
				if (value instanceof Number || value instanceof Boolean) {
					append(value.toString().getBytes(StandardCharsets.UTF_8));
				}
				else {
					writeString((String) value);
				}
			}
		}
	}

	private void writeTags(List<Marker> markers, Set<String> names) {
		if (markers == null) {
			return;
		}
		addMarkers(names, markers.iterator());
		if (names.isEmpty()) {
			return;
		}
		append(TAGS);
		boolean first = true;
		for (String name : names) {
			if (!first) {
				append(',');
			}
			first = false;
			writeString(name);
		}
		append(']');
	}

	private static void addMarkers(Set<String> names, Iterator<Marker> markers) {
		while (markers.hasNext()) {
			Marker marker = markers.next();
			names.add(marker.getName());
			if (marker.hasReferences()) {
				addMarkers(names, marker.iterator());
			}
		}
	}

	/** {@link Instant#toString()}: the fraction of a second in groups of three digits, none when zero. */
	private void writeInstant(Instant instant) {
		if (!cacheSecond(instant, null)) {
			appendAscii(instant.toString());
			return;
		}
		append(this.cachedDateTime);
		int nano = instant.getNano();
		if (nano != 0) {
			append('.');
			if (nano % 1_000_000 == 0) {
				appendDigits(nano / 1_000_000, 3);
			}
			else if (nano % 1000 == 0) {
				appendDigits(nano / 1000, 6);
			}
			else {
				appendDigits(nano, 9);
			}
		}
		append(this.cachedOffset);
	}

	/**
	 * {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} in the system zone, as Boot's logstash formatter writes
	 * it: the fraction of a second without trailing zeros, none when zero.
	 */
	private void writeOffsetDateTime(Instant instant) {
		ZoneId zone = ZoneId.systemDefault();
		if (!cacheSecond(instant, zone)) {
			appendAscii(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(OffsetDateTime.ofInstant(instant, zone)));
			return;
		}
		append(this.cachedDateTime);
		int nano = instant.getNano();
		if (nano != 0) {
			int digits = 9;
			while (nano % 10 == 0) {
				nano /= 10;
				digits--;
			}
			append('.');
			appendDigits(nano, digits);
		}
		append(this.cachedOffset);
	}

	/**
	 * Keeps what the JDK writes for the whole second of the instant; {@code false} when that is not of the usual
	 * {@code yyyy-MM-ddTHH:mm:ss} shape (years beyond 9999), so the caller lets the JDK write it all.
	 */
	private boolean cacheSecond(Instant instant, ZoneId zone) {
		long second = instant.getEpochSecond();
		if (second == this.cachedSecond && Objects.equals(zone, this.cachedZone)) {
			return this.cachedDateTime != null;
		}
		Instant whole = Instant.ofEpochSecond(second);
		String text = (zone != null) ? DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(OffsetDateTime.ofInstant(whole, zone))
				: whole.toString();
		this.cachedSecond = second;
		this.cachedZone = zone;
		boolean usual = text.length() > 19 && text.charAt(4) == '-' && text.charAt(10) == 'T'
				&& text.charAt(16) == ':' && Character.isDigit(text.charAt(18)) && !Character.isDigit(text.charAt(19))
				&& text.charAt(19) != '.';
		this.cachedDateTime = usual ? ascii(text.substring(0, 19)) : null;
		this.cachedOffset = usual ? ascii(text.substring(19)) : null;
		return usual;
	}

	private void appendDigits(int value, int digits) {
		ensure(digits);
		for (int i = this.size + digits - 1; i >= this.size; i--) {
			this.buffer[i] = (byte) ('0' + (value % 10));
			value /= 10;
		}
		this.size += digits;
	}

	private void appendAscii(String text) {
		int length = text.length();
		ensure(length);
		for (int i = 0; i < length; i++) {
			this.buffer[this.size++] = (byte) text.charAt(i);
		}
	}

	/**
	 * A string that recurs from event to event (logger, thread, level), written from the bytes kept for it.
	 */
	private void writeName(String name) {
		if (name == null) {
			append(NULL);
			return;
		}
		byte[] bytes = this.names.get(name);
		if (bytes == null) {
			int start = this.size;
			writeString(name);
			bytes = Arrays.copyOfRange(this.buffer, start, this.size);
			if (this.names.size() >= MAX_NAMES) {
				// thread names can be unbounded (one per request in some pools): start again rather than grow
				this.names.clear();
			}
			this.names.put(name, bytes);
			return;
		}
		append(bytes);
	}

	/**
	 * A JSON string escaped as Boot's {@code JsonValueWriter} escapes it, encoded as {@code String.getBytes(UTF_8)}
	 * encodes it (an unpaired surrogate becomes {@code ?}); {@code null} as the literal.
	 */
	private void writeString(String text) {
		if (text == null) {
			append(NULL);
			return;
		}
		int length = text.length();
		// at most 6 bytes per char (an escaped control character), plus the quotes
		ensure(length * 6 + 2);
		byte[] out = this.buffer;
		int at = this.size;
		out[at++] = '"';
		for (int i = 0; i < length; i++) {
			char ch = text.charAt(i);
			if (ch >= 0x20 && ch < 0x7F) {
				if (ch == '"' || ch == '\\') {
					out[at++] = '\\';
				}
				out[at++] = (byte) ch;
			}
			else if (ch < 0x20 || (ch >= 0x7F && ch <= 0x9F)) {
				at = escapeControl(out, at, ch);
			}
			else if (ch < 0x800) {
				out[at++] = (byte) (0xC0 | (ch >> 6));
				out[at++] = (byte) (0x80 | (ch & 0x3F));
			}
			else if (Character.isSurrogate(ch)) {
				if (Character.isHighSurrogate(ch) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
					int codePoint = Character.toCodePoint(ch, text.charAt(++i));
					out[at++] = (byte) (0xF0 | (codePoint >> 18));
					out[at++] = (byte) (0x80 | ((codePoint >> 12) & 0x3F));
					out[at++] = (byte) (0x80 | ((codePoint >> 6) & 0x3F));
					out[at++] = (byte) (0x80 | (codePoint & 0x3F));
				}
				else {
					out[at++] = '?';
				}
			}
			else {
				out[at++] = (byte) (0xE0 | (ch >> 12));
				out[at++] = (byte) (0x80 | ((ch >> 6) & 0x3F));
				out[at++] = (byte) (0x80 | (ch & 0x3F));
			}
		}
		out[at++] = '"';
		this.size = at;
	}

	private static int escapeControl(byte[] out, int at, char ch) {
		out[at++] = '\\';
		switch (ch) {
			case '\b' -> out[at++] = 'b';
			case '\f' -> out[at++] = 'f';
			case '\n' -> out[at++] = 'n';
			case '\r' -> out[at++] = 'r';
			case '\t' -> out[at++] = 't';
			default -> {
				out[at++] = 'u';
				out[at++] = HEX[(ch >> 12) & 0xF];
				out[at++] = HEX[(ch >> 8) & 0xF];
				out[at++] = HEX[(ch >> 4) & 0xF];
				out[at++] = HEX[ch & 0xF];
			}
		}
		return at;
	}

	private void ensure(int more) {
		if (this.size + more > this.buffer.length) {
			this.buffer = Arrays.copyOf(this.buffer, Math.max(this.buffer.length * 2, this.size + more));
		}
	}

	private void reverse(int from, int to) {
		while (from < to) {
			byte swap = this.buffer[from];
			this.buffer[from++] = this.buffer[to];
			this.buffer[to--] = swap;
		}
	}

	private static byte[] ascii(String text) {
		return text.getBytes(StandardCharsets.US_ASCII);
	}

}
