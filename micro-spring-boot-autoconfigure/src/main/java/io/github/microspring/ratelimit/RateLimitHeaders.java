package io.github.microspring.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answer fields of draft-ietf-httpapi-ratelimit-headers ({@code RateLimit-Policy: "name";q=100;w=60},
 * {@code RateLimit: "name";r=42;t=18}) and {@code Retry-After}, as switched on. A token bucket's quota is its
 * capacity and its window the time an empty bucket takes to be full again; {@code t} is the time until the
 * bucket is full.
 */
class RateLimitHeaders {

	static final String RETRY_AFTER = "Retry-After";

	static final String POLICY = "RateLimit-Policy";

	static final String RATE_LIMIT = "RateLimit";

	private final RateLimitProperties.Headers enabled;

	RateLimitHeaders(RateLimitProperties.Headers enabled) {
		this.enabled = enabled;
	}

	/**
	 * @return the value of RateLimit-Policy for a limit, computed once per limit
	 */
	static String policy(LimitSpec limit) {
		return item(limit.name()) + ";q=" + limit.capacity() + ";w=" + seconds(limit.timeToRefillFully().toNanos());
	}

	Map<String, String> allowed(LimitedMethod method, Decision decision) {
		if (!decision.answered()) {
			return Map.of();
		}
		Map<String, String> headers = new LinkedHashMap<>(4);
		if (this.enabled.isPolicy()) {
			headers.put(POLICY, method.policy());
		}
		if (this.enabled.isRemaining()) {
			headers.put(RATE_LIMIT, method.quotedName() + ";r=" + decision.remaining() + ";t="
					+ seconds(decision.nanosToReset()));
		}
		return headers;
	}

	RateLimitExceededException refused(LimitedMethod method, Decision decision) {
		LimitSpec limit = method.limit();
		if (!decision.answered()) {
			return new RateLimitExceededException(
					"Rate limit '" + limit.name() + "' cannot be checked: store unavailable", limit.name(), 503,
					Map.of());
		}
		long retryAfter = Math.max(1, seconds(decision.nanosToRefill()));
		Map<String, String> headers = new LinkedHashMap<>(4);
		if (this.enabled.isRetryAfter()) {
			headers.put(RETRY_AFTER, Long.toString(retryAfter));
		}
		if (this.enabled.isPolicy()) {
			headers.put(POLICY, method.policy());
		}
		if (this.enabled.isRemaining()) {
			headers.put(RATE_LIMIT, method.quotedName() + ";r=0;t=" + seconds(decision.nanosToReset()));
		}
		return new RateLimitExceededException(
				"Rate limit '" + limit.name() + "' exceeded; retry in " + retryAfter + " s", limit.name(), 429,
				headers);
	}

	/**
	 * @return the name as a structured-field string (RFC 8941)
	 */
	static String item(String name) {
		return "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
	}

	/**
	 * Whole seconds, rounded up: a client waiting that long finds what was promised.
	 */
	static long seconds(long nanos) {
		return (nanos <= 0) ? 0 : (nanos + 999_999_999L) / 1_000_000_000L;
	}

}
