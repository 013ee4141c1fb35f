package io.github.microspring.loadbalancer;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.cloud.client.ServiceInstance;

/**
 * Counts ejections per service as {@code micro.loadbalancer.ejections}.
 */
class EjectionCounter implements MeterBinder, Ejections.EjectionListener {

	static final String NAME = "micro.loadbalancer.ejections";

	private volatile MeterRegistry registry;

	@Override
	public void bindTo(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void ejected(ServiceInstance instance, Duration duration) {
		MeterRegistry registry = this.registry;
		if (registry != null) {
			Counter.builder(NAME)
				.description("Instances left out by the load balancer after consecutive failed calls")
				.tag("service", instance.getServiceId())
				.register(registry)
				.increment();
		}
	}

}
