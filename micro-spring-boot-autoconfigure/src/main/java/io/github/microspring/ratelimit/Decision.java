package io.github.microspring.ratelimit;

import io.github.bucket4j.ConsumptionProbe;

/**
 * What a limit decided for one call.
 *
 * @param allowed whether the call may go on
 * @param answered whether the store decided (false: it failed and the failure mode decided)
 * @param remaining tokens left after this call
 * @param nanosToRefill time until the next token, when refused
 * @param nanosToReset time until the bucket is full again
 */
record Decision(boolean allowed, boolean answered, long remaining, long nanosToRefill, long nanosToReset) {

	static Decision of(ConsumptionProbe probe) {
		return new Decision(probe.isConsumed(), true, probe.getRemainingTokens(), probe.getNanosToWaitForRefill(),
				probe.getNanosToWaitForReset());
	}

	static Decision storeFailed(boolean allowed) {
		return new Decision(allowed, false, 0, 0, 0);
	}

}
