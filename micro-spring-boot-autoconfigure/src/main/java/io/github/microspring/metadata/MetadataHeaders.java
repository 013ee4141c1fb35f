package io.github.microspring.metadata;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
	private static final Set<String> GUARDED = caseInsensitive(List.of("Authorization", "Proxy-Authorization",
			"Cookie", "Set-Cookie", "Host", "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Connection",
			"TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length", "Expect"));

	private final Set<String> exact;

	private final List<String> prefixes;

	private final boolean exactOnly;

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
				prefixes.add(trimmed.substring(0, trimmed.length() - 1).toLowerCase(Locale.ROOT));
			}
			else if (!trimmed.isEmpty()) {
				exact.add(trimmed);
			}
		}
		this.exact = caseInsensitive(exact);
		this.prefixes = List.copyOf(prefixes);
		this.exactOnly = prefixes.isEmpty();
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

	boolean isCarried(String name) {
		if (this.exact.contains(name)) {
			return true;
		}
		if (this.exactOnly) {
			return false;
		}
		for (String prefix : this.prefixes) {
			if (name.regionMatches(true, 0, prefix, 0, prefix.length())) {
				return !GUARDED.contains(name);
			}
		}
		return false;
	}

	boolean isEmpty() {
		return this.exact.isEmpty() && this.prefixes.isEmpty();
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

	@Nullable
	private Metadata read(Iterable<String> names, Function<String, String> value, boolean reject) {
		Map<String, String> entries = null;
		long bytes = 0;
		int over = 0;
		for (String name : names) {
			if (!isCarried(name)) {
				continue;
			}
			String text = value.apply(name);
			if (text == null) {
				continue;
			}
			if (entries == null) {
				entries = new LinkedHashMap<>();
			}
			else if (containsIgnoringCase(entries, name)) {
				continue;
			}
			long size = utf8Length(name) + utf8Length(text);
			if (entries.size() >= this.maxEntries || bytes + size > this.maxBytes) {
				if (reject) {
					return null;
				}
				over++;
				continue;
			}
			bytes += size;
			entries.put(name, text);
		}
		for (int i = 0; i < over; i++) {
			this.dropped.run();
		}
		return (entries != null) ? Metadata.ofUnique(entries) : Metadata.empty();
	}

	private static boolean containsIgnoringCase(Map<String, String> entries, String name) {
		for (String key : entries.keySet()) {
			if (key.equalsIgnoreCase(name)) {
				return true;
			}
		}
		return false;
	}

	private static long utf8Length(String text) {
		long length = 0;
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			length += (c < 0x80) ? 1 : (c < 0x800) ? 2 : Character.isSurrogate(c) ? 2 : 3;
		}
		return length;
	}

	private static Set<String> caseInsensitive(List<String> names) {
		Set<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
		set.addAll(names);
		return set;
	}

}
