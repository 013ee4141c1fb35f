package io.github.microspring.loadbalancer;

import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Leaves out instances that failed several calls in a row, as go-micro's selector blacklists nodes
 * (Mark/Reset): after {@code consecutiveFailures} failures an instance is ejected for a base time that
 * doubles on each repeat up to a maximum; a success resets it; an ejected instance returns by itself when
 * its time is up. Never more than {@code maxEjectionPercent} of a service's instances are ejected at once.
 * <p>
 * Instances are known by their instance id, else by host and port: Spring Cloud's simple discovery and
 * others give none.
 */
class Ejections implements EjectedInstances {

	private final Clock clock;

	private final int consecutiveFailures;

	private final long baseMillis;

	private final long maxMillis;

	private final int maxEjectionPercent;

	private final EjectionListener listener;

	private final Map<String, ServiceHealth> services = new ConcurrentHashMap<>();

	Ejections(Clock clock, int consecutiveFailures, Duration baseEjectionTime, Duration maxEjectionTime,
			int maxEjectionPercent, EjectionListener listener) {
		Assert.isTrue(consecutiveFailures > 0, "consecutive-failures must be positive");
		Assert.isTrue(!baseEjectionTime.isNegative() && !baseEjectionTime.isZero(),
				"base-ejection-time must be positive");
		Assert.isTrue(maxEjectionTime.compareTo(baseEjectionTime) >= 0,
				"max-ejection-time must not be shorter than base-ejection-time");
		Assert.isTrue(maxEjectionPercent >= 0 && maxEjectionPercent <= 100,
				"max-ejection-percent must be between 0 and 100");
		this.clock = clock;
		this.consecutiveFailures = consecutiveFailures;
		this.baseMillis = baseEjectionTime.toMillis();
		this.maxMillis = maxEjectionTime.toMillis();
		this.maxEjectionPercent = maxEjectionPercent;
		this.listener = listener;
	}

	/**
	 * Called by the balancer when the instance list of a service changes, so that the share of ejected
	 * instances is measured against the current list and instances that left it are forgotten.
	 */
	void instancesChanged(String serviceId, List<ServiceInstance> instances) {
		ServiceHealth service = service(serviceId);
		service.size = instances.size();
		if (!service.instances.isEmpty()) {
			Set<String> current = new HashSet<>();
			for (ServiceInstance instance : instances) {
				current.add(keyOf(instance));
			}
			service.instances.keySet().retainAll(current);
			synchronized (service) {
				// without the instances that left, so that choices go back to their fast path when these return
				long latest = 0;
				for (InstanceHealth health : service.instances.values()) {
					latest = Math.max(latest, health.ejectedUntil);
				}
				service.latestReturn = latest;
			}
		}
	}

	void recordSuccess(ServiceInstance instance) {
		ServiceHealth service = this.services.get(instance.getServiceId());
		if (service != null) {
			InstanceHealth health = service.instances.get(keyOf(instance));
			if (health != null && (health.failures != 0 || health.ejections != 0)) {
				// an answer to a call made just before the ejection must not cut it short
				synchronized (service) {
					if (health.ejectedUntil <= this.clock.millis()) {
						health.failures = 0;
						health.ejections = 0;
						health.ejectedUntil = 0;
					}
				}
			}
		}
	}

	void recordFailure(ServiceInstance instance) {
		ServiceHealth service = service(instance.getServiceId());
		InstanceHealth health = service.instances.computeIfAbsent(keyOf(instance), (key) -> new InstanceHealth());
		long ejectedFor;
		synchronized (service) {
			long now = this.clock.millis();
			if (health.ejectedUntil > now || ++health.failures < this.consecutiveFailures) {
				return;
			}
			if (!service.mayEjectOneMore(now, this.maxEjectionPercent)) {
				return;
			}
			health.failures = 0;
			ejectedFor = Math.min(this.maxMillis, this.baseMillis << Math.min(health.ejections, 30));
			if (ejectedFor < 0) {
				ejectedFor = this.maxMillis;
			}
			health.ejections++;
			health.ejectedUntil = now + ejectedFor;
			service.latestReturn = Math.max(service.latestReturn, health.ejectedUntil);
		}
		this.listener.ejected(instance, Duration.ofMillis(ejectedFor));
	}

	/**
	 * Whether any instance of the service is ejected now.
	 */
	boolean anyEjected(String serviceId) {
		ServiceHealth service = this.services.get(serviceId);
		return service != null && service.latestReturn != 0 && !service.forgetReturnsBefore(this.clock.millis());
	}

	/**
	 * Whether an instance of the service may be ejected, without reading the clock, which costs more than
	 * a choice on some machines: false is the fast path of every choice.
	 */
	boolean mayAnyBeEjected(String serviceId) {
		return mayBeEjected(serviceId) != null;
	}

	/**
	 * The health of the service if an instance of it may be ejected, for {@link #isEjected(ServiceHealth,
	 * String)}, else {@code null}; reads no clock.
	 */
	@Nullable
	ServiceHealth mayBeEjected(String serviceId) {
		ServiceHealth service = this.services.get(serviceId);
		return (service != null && service.latestReturn != 0) ? service : null;
	}

	@Override
	public boolean isEjected(ServiceInstance instance) {
		return isEjected(instance.getServiceId(), keyOf(instance));
	}

	/**
	 * Whether the instance known by the given key ({@link #keyOf}) is ejected now.
	 */
	boolean isEjected(String serviceId, String key) {
		ServiceHealth service = this.services.get(serviceId);
		return service != null && isEjected(service, key);
	}

	/**
	 * Whether the instance known by the given key is ejected now; reads the clock only for an instance
	 * that has been ejected.
	 */
	boolean isEjected(ServiceHealth service, String key) {
		InstanceHealth health = service.instances.get(key);
		if (health == null || health.ejectedUntil == 0) {
			return false;
		}
		long now = this.clock.millis();
		if (health.ejectedUntil > now) {
			return true;
		}
		service.forgetReturnsBefore(now);
		return false;
	}

	/**
	 * The instance id, else host:port.
	 */
	static String keyOf(ServiceInstance instance) {
		String id = instance.getInstanceId();
		return (id != null) ? id : instance.getHost() + ":" + instance.getPort();
	}

	private ServiceHealth service(String serviceId) {
		ServiceHealth service = this.services.get(serviceId);
		return (service != null) ? service : this.services.computeIfAbsent(serviceId, (id) -> new ServiceHealth());
	}

	/**
	 * Told of each ejection, for the metric and the log line.
	 */
	@FunctionalInterface
	interface EjectionListener {

		void ejected(ServiceInstance instance, Duration duration);

	}

	static final class ServiceHealth {

		private static final AtomicLongFieldUpdater<ServiceHealth> LATEST_RETURN = AtomicLongFieldUpdater
			.newUpdater(ServiceHealth.class, "latestReturn");

		final Map<String, InstanceHealth> instances = new ConcurrentHashMap<>();

		volatile int size;

		/** When the last ejected instance returns; 0 once that has passed, so that choices skip the clock. */
		volatile long latestReturn;

		/**
		 * @return whether every ejection has ended by the given time
		 */
		boolean forgetReturnsBefore(long now) {
			long latest = this.latestReturn;
			if (latest > now) {
				return false;
			}
			// an ejection made meanwhile has changed the value and stays
			LATEST_RETURN.compareAndSet(this, latest, 0);
			return true;
		}

		boolean mayEjectOneMore(long now, int maxPercent) {
			int ejected = 0;
			for (InstanceHealth health : this.instances.values()) {
				if (health.ejectedUntil > now) {
					ejected++;
				}
			}
			int total = Math.max(this.size, this.instances.size());
			return (ejected + 1) * 100L <= (long) maxPercent * total;
		}

	}

	private static final class InstanceHealth {

		volatile int failures;

		volatile int ejections;

		volatile long ejectedUntil;

	}

}
