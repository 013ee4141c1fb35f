package io.github.microspring.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Whether the bucket store answers: one WARN when an outage starts, one INFO when it ends, whatever the
 * number of calls in between.
 */
class StoreOutage {

	private static final Log logger = LogFactory.getLog(StoreOutage.class);

	private final Clock clock;

	private final String failureMode;

	/** when the current outage started, or null while the store answers */
	private final AtomicReference<Instant> since = new AtomicReference<>();

	StoreOutage(Clock clock, String failureMode) {
		this.clock = clock;
		this.failureMode = failureMode;
	}

	/**
	 * @return whether this failure started an outage (and was logged)
	 */
	boolean failed(Throwable cause) {
		if (this.since.get() == null && this.since.compareAndSet(null, this.clock.instant())) {
			logger.warn("Rate-limit store does not answer (" + describe(cause) + "); calls fail " + this.failureMode
					+ " until it does");
			return true;
		}
		return false;
	}

	void answered() {
		Instant started = this.since.get();
		if (started != null && this.since.compareAndSet(started, null)) {
			logger.info("Rate-limit store answers again after "
					+ Duration.between(started, this.clock.instant()).toMillis() + " ms");
		}
	}

	boolean isDown() {
		return this.since.get() != null;
	}

	private static String describe(Throwable cause) {
		Throwable root = cause;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getClass().getSimpleName() + ((root.getMessage() != null) ? ": " + root.getMessage() : "");
	}

}
