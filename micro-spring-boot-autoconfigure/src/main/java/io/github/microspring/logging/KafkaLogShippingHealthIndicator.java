package io.github.microspring.logging;

import java.time.Instant;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * Says whether log shipping keeps up: {@code UP} while events reach Kafka; {@code UNKNOWN} with
 * {@code state: BEHIND} and the backlog while events wait in the spool or the backlog is over the threshold.
 * Never {@code DOWN}: Kafka being away must not take the application out of service, the events wait.
 */
class KafkaLogShippingHealthIndicator extends AbstractHealthIndicator {

	private final LogShipper<?> shipper;

	private final long behindThreshold;

	KafkaLogShippingHealthIndicator(LogShipper<?> shipper, long behindThreshold) {
		super("Kafka log shipping health check failed");
		this.shipper = shipper;
		this.behindThreshold = behindThreshold;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		long backlog = this.shipper.backlog();
		Instant behindSince = this.shipper.behindSince();
		boolean behind = !this.shipper.isRunning() || behindSince != null || backlog > this.behindThreshold;
		builder.status(behind ? Status.UNKNOWN : Status.UP)
			.withDetail("state", !this.shipper.isRunning() ? "STOPPED" : behind ? "BEHIND" : "SHIPPING")
			.withDetail("backlog", backlog)
			.withDetail("shipped", this.shipper.shipped())
			.withDetail("spooled", this.shipper.spooled())
			.withDetail("dropped", this.shipper.dropped());
		if (behindSince != null) {
			builder.withDetail("behindSince", behindSince.toString());
		}
		Throwable error = this.shipper.lastError();
		if (error != null && behind) {
			builder.withDetail("lastError", error.getClass().getSimpleName() + ": " + error.getMessage());
		}
	}

}
