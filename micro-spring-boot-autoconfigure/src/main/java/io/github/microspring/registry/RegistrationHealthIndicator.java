package io.github.microspring.registry;

import io.github.microspring.etcd.EtcdCalls;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * Shows whether this instance is in etcd: {@code UP} when registered, {@code OUT_OF_SERVICE} while
 * registration retries (clients cannot find it), {@code UNKNOWN} before it starts.
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
		builder.status(switch (keeper.state()) {
			case REGISTERED -> Status.UP;
			case REGISTERING, RETRYING -> Status.OUT_OF_SERVICE;
			case STOPPED -> Status.UNKNOWN;
		});
		builder.withDetail("state", keeper.state().name())
			.withDetail("since", keeper.stateSince().toString())
			.withDetail("key", keeper.key())
			.withDetail("lease", Long.toHexString(keeper.leaseId()))
			.withDetail("registrations", keeper.registrations())
			.withDetail("renewals", keeper.renewals());
		Throwable error = keeper.lastError();
		if (error != null) {
			builder.withDetail("lastError", EtcdCalls.describe(error));
		}
	}

}
