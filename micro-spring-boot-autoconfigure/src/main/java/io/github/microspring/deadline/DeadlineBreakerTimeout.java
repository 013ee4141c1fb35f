package io.github.microspring.deadline;

import java.time.Duration;

import io.github.microspring.breaker.BreakerTimeoutBudget;

/**
 * A {@code @CircuitBreaker} call waits the smaller of its breaker's timeout and what is left of the request's
 * deadline; once the deadline is spent the call is not made. The breaker decides its timeout before it counts
 * the call, so a spent deadline is never held against the downstream.
 */
final class DeadlineBreakerTimeout implements BreakerTimeoutBudget {

	@Override
	public Duration effectiveTimeout(Duration configured) {
		Duration timeout = Deadline.timeout(configured);
		if (timeout.isZero()) {
			throw new DeadlineExceededException("Deadline exceeded before a @CircuitBreaker call");
		}
		return timeout;
	}

}
