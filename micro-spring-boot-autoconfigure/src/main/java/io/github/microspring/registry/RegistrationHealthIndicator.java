package io.github.microspring.registry;

import io.github.microspring.etcd.EtcdCalls;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * Shows whether this instance is in etcd: {@code UP} when registered; {@code UNKNOWN} before it starts
 * and while registration retries (clients cannot find it, but the application itself is fine: an etcd
 * outage must not fail the health of a whole fleet); {@code DOWN} only when another instance holds our
 * key, which takes a person to fix.
 */
class RegistrationHealthIndicator extends AbstractHealthIndicator {

	private final EtcdServiceRegistry registry;

	private final EtcdRegistration registration;

	RegistrationHealthIndicator(EtcdServiceRegistry registry, EtcdRegistration registration) {
		super("etcd registration health check failed");
		this.registry = registry;
		this.registration = registration;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		LeaseKeeper keeper = this.registry.keeper(this.registration);
		builder.withDetail("service", this.registration.getServiceId())
			.withDetail("nodeId", this.registration.getInstanceId());
		if (keeper == null) {
			builder.status(Status.UNKNOWN).withDetail("state", LeaseKeeper.State.STOPPED.name());
			return;
		}
		LeaseKeeper.State state = keeper.state();
		builder.status(switch (state) {
			case REGISTERED -> Status.UP;
			case REGISTERING, RETRYING, STOPPED -> Status.UNKNOWN;
			case CONFLICT -> Status.DOWN;
		});
		builder.withDetail("state", state.name())
			.withDetail("since", keeper.stateSince().toString())
			.withDetail("key", keeper.key())
			.withDetail("address", keeper.address())
			.withDetail("lease", Long.toHexString(keeper.leaseId()))
			.withDetail("registrations", keeper.registrations())
			.withDetail("renewals", keeper.renewals());
		if (state == LeaseKeeper.State.CONFLICT) {
			builder.withDetail("conflictingAddress", keeper.conflictingAddress());
		}
		if (keeper.unreachableSince() != null) {
			builder.withDetail("unreachableSince", keeper.unreachableSince().toString());
		}
		Throwable error = keeper.lastError();
		if (error != null) {
			builder.withDetail("lastError", EtcdCalls.describe(error));
		}
	}

}
