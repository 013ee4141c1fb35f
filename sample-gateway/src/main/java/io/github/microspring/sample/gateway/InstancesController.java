package io.github.microspring.sample.gateway;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
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

	private final ObjectProvider<CircuitBreakerRegistry> breakers;

	InstancesController(ReactiveDiscoveryClient discovery, ObjectProvider<EjectedInstances> ejected,
			ObjectProvider<CircuitBreakerRegistry> breakers) {
		this.discovery = discovery;
		this.ejected = ejected;
		this.breakers = breakers;
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
				body.put("breakers", breakers());
				return body;
			});
	}

	/**
	 * Each breaker by name (a breaker appears at its first call) with its state and its rolling window's counts.
	 */
	private Map<String, Object> breakers() {
		Map<String, Object> breakers = new TreeMap<>();
		CircuitBreakerRegistry registry = this.breakers.getIfAvailable();
		if (registry != null) {
			for (CircuitBreaker breaker : registry.getAllCircuitBreakers()) {
				CircuitBreaker.Metrics metrics = breaker.getMetrics();
				Map<String, Object> described = new LinkedHashMap<>();
				described.put("state", breaker.getState().name());
				described.put("failureRate", metrics.getFailureRate());
				described.put("bufferedCalls", metrics.getNumberOfBufferedCalls());
				described.put("failedCalls", metrics.getNumberOfFailedCalls());
				described.put("notPermittedCalls", metrics.getNumberOfNotPermittedCalls());
				breakers.put(breaker.getName(), described);
			}
		}
		return breakers;
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
