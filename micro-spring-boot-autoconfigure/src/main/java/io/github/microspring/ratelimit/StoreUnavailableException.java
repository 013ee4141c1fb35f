package io.github.microspring.ratelimit;

/**
 * The bucket store cannot decide now; never reaches callers, the {@link RateLimiter} applies the failure mode.
 */
class StoreUnavailableException extends RuntimeException {

	StoreUnavailableException(String message) {
		super(message, null, false, false);
	}

}
