package io.github.microspring.loadbalancer;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;

/**
 * Instances, an in-memory discovery client and a clock the tests move by hand.
 */
final class TestInstances {

	private TestInstances() {
	}

	static ServiceInstance instance(String serviceId, String id, int port) {
		return instance(serviceId, id, port, Map.of());
	}

	static ServiceInstance instance(String serviceId, String id, int port, Map<String, String> metadata) {
		return new DefaultServiceInstance(id, serviceId, "127.0.0.1", port, false, metadata);
	}

	static List<ServiceInstance> instances(String serviceId, int count) {
		List<ServiceInstance> instances = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			instances.add(instance(serviceId, serviceId + "-" + i, 8000 + i));
		}
		return List.copyOf(instances);
	}

	/**
	 * Answers like the etcd catalog: the same list object until the service changes.
	 */
	static final class InMemoryDiscoveryClient implements DiscoveryClient {

		private final Map<String, List<ServiceInstance>> services = new ConcurrentHashMap<>();

		int calls;

		void set(String serviceId, List<ServiceInstance> instances) {
			this.services.put(serviceId, List.copyOf(instances));
		}

		@Override
		public String description() {
			return "in memory";
		}

		@Override
		public List<ServiceInstance> getInstances(String serviceId) {
			this.calls++;
			return this.services.getOrDefault(serviceId, List.of());
		}

		@Override
		public List<String> getServices() {
			return List.copyOf(this.services.keySet());
		}

	}

	static final class MutableClock extends Clock {

		private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

		void advance(Duration duration) {
			this.now = this.now.plus(duration);
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

		@Override
		public Instant instant() {
			return this.now;
		}

	}

}
