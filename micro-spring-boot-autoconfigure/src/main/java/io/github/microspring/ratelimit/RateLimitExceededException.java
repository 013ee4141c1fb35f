package io.github.microspring.ratelimit;

import java.util.Map;

/**
 * A call refused by a {@link RateLimited} limit: over the limit (status 429), or the shared store unreachable
 * with {@code failure-mode: closed} (status 503). Carries the headers of the HTTP answer, so that a handler of
 * its own can send them.
 */
public class RateLimitExceededException extends RuntimeException {

	private final String limitName;

	private final int status;

	private final Map<String, String> headers;

	RateLimitExceededException(String message, String limitName, int status, Map<String, String> headers) {
		super(message, null, false, false);
		this.limitName = limitName;
		this.status = status;
		this.headers = Map.copyOf(headers);
	}

	/**
	 * @return the name of the limit that refused the call
	 */
	public String getLimitName() {
		return this.limitName;
	}

	/**
	 * @return the HTTP status to answer: 429 over the limit, 503 when the store could not decide
	 */
	public int getStatus() {
		return this.status;
	}

	/**
	 * @return the answer headers ({@code Retry-After}, {@code RateLimit}, {@code RateLimit-Policy}, as enabled)
	 */
	public Map<String, String> getHeaders() {
		return this.headers;
	}

}
