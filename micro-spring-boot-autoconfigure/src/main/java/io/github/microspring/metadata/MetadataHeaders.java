package io.github.microspring.metadata;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.springframework.lang.Nullable;

/**
 * Which headers become metadata, and what happens when there are too many: the one place that decides,
 * shared by the servlet filter, the WebFlux filter and the Kafka listener.
 */
final class MetadataHeaders {

	/**
	 * Secrets and headers that belong to one connection or one host: carried only when named exactly.
	 */
	private static final String[] GUARDED = { "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "Host",
			"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding",
			"Upgrade", "Content-Length", "Expect" };

	/**
	 * Names carried exactly. Every header of every request is matched against them: an array compared by length
	 * first, then ignoring case, costs less than a sorted set's case-insensitive comparisons.
	 */
	private final String[] exact;

	private final String[] prefixes;

	private final int maxEntries;

	private final long maxBytes;

	private final boolean reject;

	private final Runnable dropped;

	MetadataHeaders(List<String> patterns, int maxEntries, long maxBytes, boolean reject, Runnable dropped) {
		List<String> exact = new ArrayList<>();
		List<String> prefixes = new ArrayList<>();
		for (String pattern : patterns) {
			String trimmed = pattern.trim();
			if (trimmed.endsWith("*")) {
				prefixes.add(trimmed.substring(0, trimmed.length() - 1));
			}
			else if (!trimmed.isEmpty() && exact.stream().noneMatch(trimmed::equalsIgnoreCase)) {
				exact.add(trimmed);
			}
		}
		this.exact = exact.toArray(String[]::new);
		this.prefixes = prefixes.toArray(String[]::new);
		this.maxEntries = maxEntries;
		this.maxBytes = maxBytes;
		this.reject = reject;
		this.dropped = dropped;
	}

	static MetadataHeaders of(MetadataProperties properties, Runnable dropped) {
		return new MetadataHeaders(properties.getHeaders(), properties.getMaxEntries(),
				properties.getMaxSize().toBytes(), properties.getOverLimit() == MetadataProperties.OverLimit.REJECT,
				dropped);
	}

	boolean isCarried(CharSequence name) {
		if (contains(this.exact, name)) {
			return true;
		}
		for (String prefix : this.prefixes) {
			if (startsWithIgnoringCase(name, prefix)) {
				return !contains(GUARDED, name);
			}
		}
		return false;
	}

	boolean isEmpty() {
		return this.exact.length == 0 && this.prefixes.length == 0;
	}

	/**
	 * Metadata from the carried headers among {@code names}; a header with several values keeps its first.
	 * @param value the first value of a header, by name
	 * @return the metadata, or {@code null} when it is over a limit and such requests are rejected
	 */
	@Nullable
	Metadata read(Iterable<String> names, Function<String, String> value) {
		return read(names, value, this.reject);
	}

	/**
	 * As {@link #read}, dropping and counting what is over a limit whatever the setting.
	 */
	Metadata readLenient(Iterable<String> names, Function<String, String> value) {
		return read(names, value, false);
	}

	/**
	 * As {@link #read}, from name and value pairs, for header stores that hand out both at once without building
	 * a set of names.
	 */
	@Nullable
	Metadata readPairs(Iterator<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> pairs) {
		Collected collected = new Collected(this.reject);
		while (pairs.hasNext()) {
			Map.Entry<? extends CharSequence, ? extends CharSequence> pair = pairs.next();
			CharSequence name = pair.getKey();
			if (isCarried(name) && !collected.add(name, pair.getValue())) {
				return null;
			}
		}
		return collected.metadata();
	}

	@Nullable
	private Metadata read(Iterable<String> names, Function<String, String> value, boolean reject) {
		Collected collected = new Collected(reject);
		for (String name : names) {
			if (isCarried(name) && !collected.add(name, value.apply(name))) {
				return null;
			}
		}
		return collected.metadata();
	}

	private static boolean contains(String[] names, CharSequence name) {
		for (String candidate : names) {
			if (sameName(name, candidate)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether two header names are the same, ignoring case.
	 */
	private static boolean sameName(CharSequence name, String other) {
		return name.length() == other.length() && startsWithIgnoringCase(name, other);
	}

	/**
	 * Whether {@code text} starts with {@code prefix} ignoring case, as {@link String#regionMatches} does.
	 */
	private static boolean startsWithIgnoringCase(CharSequence text, String prefix) {
		int length = prefix.length();
		if (text.length() < length) {
			return false;
		}
		for (int i = 0; i < length; i++) {
			char a = text.charAt(i);
			char b = prefix.charAt(i);
			if (a != b && lower(a) != lower(b)) {
				return false;
			}
		}
		return true;
	}

	private static char lower(char c) {
		if (c < 0x80) {
			return (c >= 'A' && c <= 'Z') ? (char) (c + ('a' - 'A')) : c;
		}
		return Character.toLowerCase(Character.toUpperCase(c));
	}

	/**
	 * The carried headers of one message as they are read, within the limits.
	 */
	private final class Collected {

		private final boolean reject;

		@Nullable
		private Map<String, String> entries;

		private long bytes;

		private int over;

		Collected(boolean reject) {
			this.reject = reject;
		}

		/**
		 * Adds a carried header unless one of its name came first or it is over a limit.
		 * @return {@code false} when it is over a limit and such messages are rejected
		 */
		boolean add(CharSequence name, @Nullable CharSequence value) {
			if (value == null) {
				return true;
			}
			if (this.entries == null) {
				this.entries = new LinkedHashMap<>();
			}
			else if (containsIgnoringCase(this.entries, name)) {
				return true;
			}
			String text = value.toString();
			long size = utf8Length(name) + utf8Length(text);
			if (this.entries.size() >= MetadataHeaders.this.maxEntries || this.bytes + size > MetadataHeaders.this.maxBytes) {
				if (this.reject) {
					return false;
				}
				this.over++;
				return true;
			}
			this.bytes += size;
			this.entries.put(name.toString(), text);
			return true;
		}

		Metadata metadata() {
			for (int i = 0; i < this.over; i++) {
				MetadataHeaders.this.dropped.run();
			}
			return (this.entries != null) ? Metadata.ofUnique(this.entries) : Metadata.empty();
		}

		private static boolean containsIgnoringCase(Map<String, String> entries, CharSequence name) {
			for (String key : entries.keySet()) {
				if (sameName(name, key)) {
					return true;
				}
			}
			return false;
		}

	}

	private static long utf8Length(CharSequence text) {
		long length = 0;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			length += (c < 0x80) ? 1 : (c < 0x800) ? 2 : Character.isSurrogate(c) ? 2 : 3;
		}
		return length;
	}

}
