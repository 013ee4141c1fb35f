package io.github.microspring.sample.gateway;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;

import io.github.microspring.loadbalancer.EjectedInstances;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.ReactiveDiscoveryClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/instances}: every service discovery sees, each instance with its version and zone and
 * whether the load balancer has ejected it, and the state of each circuit breaker.
 */
@RestController
class InstancesController {

	private final ReactiveDiscoveryClient discovery;

	private final ObjectProvider<EjectedInstances> ejected;

	InstancesController(ReactiveDiscoveryClient discovery, ObjectProvider<EjectedInstances> ejected) {
		this.discovery = discovery;
		this.ejected = ejected;
	}

	@GetMapping("/api/instances")
	Mono<Map<String, Object>> instances() {
		EjectedInstances ejections = this.ejected.getIfAvailable(() -> (instance) -> false);
		return this.discovery.getServices()
			.sort()
			.concatMap((service) -> this.discovery.getInstances(service)
				.map((instance) -> describe(instance, ejections.isEjected(instance)))
				.collectList()
				.map((instances) -> Map.entry(service, instances)))
			.collect(LinkedHashMap<String, List<Map<String, Object>>>::new,
					(services, entry) -> services.put(entry.getKey(), entry.getValue()))
			.map((services) -> {
				Map<String, Object> body = new LinkedHashMap<>();
				body.put("services", services);
				// the gateway's calls carry no circuit breaker yet: @CircuitBreaker lands in its own issue
				body.put("breakers", Map.of());
				return body;
			});
	}

	private static Map<String, Object> describe(ServiceInstance instance, boolean ejected) {
		Map<String, Object> described = new LinkedHashMap<>();
		described.put("instanceId", instance.getInstanceId());
		described.put("uri", instance.getUri().toString());
		described.put("version", instance.getMetadata().get("version"));
		described.put("zone", instance.getMetadata().get("zone"));
		described.put("ejected", ejected);
		return described;
	}

}
