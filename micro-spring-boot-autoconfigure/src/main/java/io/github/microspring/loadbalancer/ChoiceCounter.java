package io.github.microspring.loadbalancer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.cloud.client.ServiceInstance;

/**
 * Counts choices per instance as {@code micro.loadbalancer.choices}, tagged with service and instance.
 */
class ChoiceCounter implements ChoiceListener {

	static final String NAME = "micro.loadbalancer.choices";

	private final MeterRegistry registry;

	private final Map<String, Map<String, Counter>> counters = new ConcurrentHashMap<>();

	ChoiceCounter(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void chosen(String serviceId, ServiceInstance instance) {
		Map<String, Counter> service = this.counters.get(serviceId);
		if (service == null) {
			service = this.counters.computeIfAbsent(serviceId, (id) -> new ConcurrentHashMap<>());
		}
		String instanceId = (instance.getInstanceId() != null) ? instance.getInstanceId()
				: instance.getHost() + ":" + instance.getPort();
		Counter counter = service.get(instanceId);
		if (counter == null) {
			counter = service.computeIfAbsent(instanceId, (id) -> Counter.builder(NAME)
				.description("Calls sent to an instance by the load balancer")
				.tag("service", serviceId)
				.tag("instance", id)
				.register(this.registry));
		}
		counter.increment();
	}

}
