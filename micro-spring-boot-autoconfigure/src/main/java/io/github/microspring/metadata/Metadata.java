package io.github.microspring.metadata;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.lang.Nullable;

/**
 * The chosen headers of the request that reached the edge, carried along the whole call chain: readable
 * anywhere with {@link #current()}, sent again on every outgoing HTTP call and Kafka record. Immutable; names
 * are case-insensitive, as HTTP header names are.
 */
public final class Metadata {

	private static final Metadata EMPTY = new Metadata(Map.of());

	private final Map<String, String> entries;

	private Metadata(Map<String, String> entries) {
		this.entries = entries;
	}

	/**
	 * Metadata holding the given entries in their order; a later name that equals an earlier one but for
	 * case replaces its value.
	 */
	public static Metadata of(Map<String, String> entries) {
		if (entries.isEmpty()) {
			return EMPTY;
		}
		Map<String, String> names = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
		Map<String, String> ordered = new LinkedHashMap<>();
		entries.forEach((name, value) -> {
			String first = names.putIfAbsent(name, name);
			ordered.put((first != null) ? first : name, value);
		});
		return new Metadata(Collections.unmodifiableMap(ordered));
	}

	/**
	 * Metadata over entries whose names are already unique ignoring case, kept as they are.
	 */
	static Metadata ofUnique(Map<String, String> entries) {
		return entries.isEmpty() ? EMPTY : new Metadata(Collections.unmodifiableMap(entries));
	}

	public static Metadata empty() {
		return EMPTY;
	}

	/**
	 * Metadata of the request being served on this thread (or whose context was carried to it), empty when
	 * there is none.
	 */
	public static Metadata current() {
		return ChainContext.current().metadata();
	}

	/**
	 * Makes this the current metadata until the returned scope is closed, for work that starts outside a
	 * request (a scheduled job, a test).
	 */
	public Scope open() {
		ChainContext.Scope scope = ChainContext.current().withMetadata(this).open();
		return scope::close;
	}

	@Nullable
	public String get(String name) {
		if (this.entries.isEmpty()) {
			return null;
		}
		String value = this.entries.get(name);
		if (value != null) {
			return value;
		}
		for (Map.Entry<String, String> entry : this.entries.entrySet()) {
			if (entry.getKey().equalsIgnoreCase(name)) {
				return entry.getValue();
			}
		}
		return null;
	}

	/**
	 * Entries in the order they arrived, read-only.
	 */
	public Map<String, String> asMap() {
		return this.entries;
	}

	public boolean isEmpty() {
		return this.entries.isEmpty();
	}

	/**
	 * A copy with one entry added or replaced.
	 */
	public Metadata with(String name, String value) {
		Map<String, String> entries = new LinkedHashMap<>(this.entries);
		entries.keySet().removeIf(name::equalsIgnoreCase);
		entries.put(name, value);
		return of(entries);
	}

	@Override
	public boolean equals(Object other) {
		return this == other || (other instanceof Metadata metadata && this.entries.equals(metadata.entries));
	}

	@Override
	public int hashCode() {
		return this.entries.hashCode();
	}

	@Override
	public String toString() {
		return "Metadata" + this.entries.keySet();
	}

	/**
	 * Restores the metadata that was current before {@link #open()}.
	 */
	@FunctionalInterface
	public interface Scope extends AutoCloseable {

		@Override
		void close();

	}

}
