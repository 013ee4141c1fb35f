package io.github.microspring.breaker;

import java.time.Duration;

/**
 * Decides the timeout of one call, given the one configured for its breaker. The default keeps the configured
 * timeout; a request deadline can shorten it to what is left of the request's budget. Called on the caller's
 * thread, once per call, before the call starts.
 */
@FunctionalInterface
public interface BreakerTimeoutBudget {

	/**
	 * The timeout to apply to this call.
	 * @param configured the breaker's configured timeout
	 * @return the effective timeout, positive
	 */
	Duration effectiveTimeout(Duration configured);

}
