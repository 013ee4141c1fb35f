package io.github.microspring.metadata;

import org.slf4j.MDC;

/**
 * Mirrors metadata into the logging MDC while a request or record is handled, so that log lines and shipped
 * log events carry it.
 */
final class MetadataMdc {

	private final String prefix;

	MetadataMdc(String prefix) {
		this.prefix = prefix;
	}

	void put(Metadata metadata) {
		metadata.asMap().forEach((name, value) -> MDC.put(this.prefix + name, value));
	}

	void remove(Metadata metadata) {
		metadata.asMap().keySet().forEach((name) -> MDC.remove(this.prefix + name));
	}

}
