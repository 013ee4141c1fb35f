package io.github.microspring.loadbalancer;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import io.github.microspring.discovery.CatalogListener;

import org.springframework.cloud.client.ServiceInstance;

/**
 * Counts choices per service as {@code micro.loadbalancer.choices{service}} and, when asked to, per instance as
 * {@code micro.loadbalancer.instance.choices{service,instance}}. Instance ids change with every deploy, so the
 * meter of an instance is removed when the instance leaves its service.
 */
class ChoiceCounter implements ChoiceListener, MeterBinder {

	static final String NAME = "micro.loadbalancer.choices";

	static final String INSTANCE_NAME = "micro.loadbalancer.instance.choices";

	private final boolean perInstance;

	private volatile MeterRegistry registry;

	private final Map<String, Counter> services = new ConcurrentHashMap<>();

	private final Map<String, Map<String, Counter>> instances = new ConcurrentHashMap<>();

	ChoiceCounter(boolean perInstance) {
		this.perInstance = perInstance;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void chosen(String serviceId, ServiceInstance instance) {
		MeterRegistry registry = this.registry;
		if (registry == null) {
			return;
		}
		Counter service = this.services.get(serviceId);
		if (service == null) {
			service = this.services.computeIfAbsent(serviceId, (id) -> Counter.builder(NAME)
				.description("Calls sent to a service by the load balancer")
				.tag("service", id)
				.register(registry));
		}
		service.increment();
		if (this.perInstance) {
			instanceCounter(registry, serviceId, Ejections.keyOf(instance)).increment();
		}
	}

	private Counter instanceCounter(MeterRegistry registry, String serviceId, String instanceKey) {
		Map<String, Counter> service = this.instances.get(serviceId);
		if (service == null) {
			service = this.instances.computeIfAbsent(serviceId, (id) -> new ConcurrentHashMap<>());
		}
		Counter counter = service.get(instanceKey);
		if (counter == null) {
			counter = service.computeIfAbsent(instanceKey, (key) -> Counter.builder(INSTANCE_NAME)
				.description("Calls sent to an instance by the load balancer")
				.tag("service", serviceId)
				.tag("instance", key)
				.register(registry));
		}
		return counter;
	}

	/**
	 * Removes the meters of the service's instances that are not among the given ones.
	 */
	void instancesChanged(String serviceId, List<ServiceInstance> current) {
		Map<String, Counter> service = this.instances.get(serviceId);
		MeterRegistry registry = this.registry;
		if (service == null || registry == null) {
			return;
		}
		Set<String> keys = new HashSet<>();
		for (ServiceInstance instance : current) {
			keys.add(Ejections.keyOf(instance));
		}
		service.entrySet().removeIf((entry) -> {
			if (keys.contains(entry.getKey())) {
				return false;
			}
			registry.remove(entry.getValue());
			return true;
		});
	}

	/**
	 * A catalog listener that removes the meters of instances that left the services that changed.
	 * @param catalog the instances of a service in the catalog
	 */
	CatalogListener instancePruner(Function<String, List<ServiceInstance>> catalog) {
		return (revision, services) -> services.forEach((service) -> instancesChanged(service, catalog.apply(service)));
	}

}
