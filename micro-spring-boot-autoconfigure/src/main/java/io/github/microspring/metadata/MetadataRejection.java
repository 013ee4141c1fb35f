package io.github.microspring.metadata;

import java.nio.charset.StandardCharsets;

import org.springframework.http.HttpStatus;

/**
 * The answer to a request whose metadata is over a limit, as problem+json.
 */
final class MetadataRejection {

	static final String CONTENT_TYPE = "application/problem+json";

	private final int status;

	private final String detail;

	MetadataRejection(int status, int maxEntries, long maxBytes) {
		this.status = status;
		this.detail = "Metadata headers exceed the limit of " + maxEntries + " entries or " + maxBytes + " bytes";
	}

	int status() {
		return this.status;
	}

	byte[] body(String path) {
		HttpStatus resolved = HttpStatus.resolve(this.status);
		String title = (resolved != null) ? resolved.getReasonPhrase() : "Bad Request";
		return ("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + this.status + ",\"detail\":\""
				+ this.detail + "\",\"instance\":\"" + escape(path) + "\"}")
			.getBytes(StandardCharsets.UTF_8);
	}

	private static String escape(String text) {
		StringBuilder escaped = new StringBuilder(text.length());
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c == '"' || c == '\\') {
				escaped.append('\\').append(c);
			}
			else if (c >= 0x20) {
				escaped.append(c);
			}
		}
		return escaped.toString();
	}

}
