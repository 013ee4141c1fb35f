package io.github.microspring.loadbalancer;

import java.util.List;
import java.util.function.Function;

import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.loadbalancer.core.CachingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.DiscoveryClientServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.RetryAwareServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.SelectedInstanceCallback;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.lang.Nullable;

/**
 * Where the balancer of one service finds the instances to choose from.
 */
interface InstanceSource {

	/**
	 * The instances for one choice; empty when there is no list at all.
	 */
	Mono<List<ServiceInstance>> instances(Request<?> request);

	/**
	 * Whether {@link #instancesAtHand()} answers now, as the catalog does for the services it holds.
	 */
	default boolean isAtHand() {
		return false;
	}

	/**
	 * The instances for one choice when they are at hand without waiting, as the catalog's are, so that the
	 * choice needs no pipeline of its own; otherwise {@code null}, and {@link #instances} fetches them.
	 */
	@Nullable
	default List<ServiceInstance> instancesAtHand() {
		return null;
	}

	/**
	 * Told of the instance chosen from the last list, as Spring Cloud's suppliers that remember it
	 * (same-instance preference) expect.
	 */
	default void chosen(ServiceInstance instance) {
	}

	/**
	 * With etcd discovery on, the catalog read from memory on every choice, so a change seen by the watch is
	 * seen by the very next call; a service the catalog does not hold goes through Spring Cloud's supplier
	 * chain, where the other discovery clients answer behind Spring Cloud's cache. The chain alone decides when
	 * it does more than discover and cache (a named configuration such as health-check, subset or
	 * request-based-sticky-session, or a supplier of the application's own), or when etcd discovery is off.
	 * @param serviceId the service
	 * @param catalog instances by service from the etcd catalog, or {@code null} when etcd discovery is off
	 * @param chain Spring Cloud's supplier for the service, or {@code null} when there is none
	 */
	static InstanceSource of(String serviceId, @Nullable Function<String, List<ServiceInstance>> catalog,
			@Nullable ServiceInstanceListSupplier chain) {
		ServiceInstanceListSupplier suppliers = withoutRetryAwareness(chain);
		if (catalog != null && (suppliers == null || discoversOnly(suppliers))) {
			return new CatalogFirst(serviceId, catalog, suppliers);
		}
		if (suppliers != null) {
			return new Chain(suppliers);
		}
		return new CatalogFirst(serviceId, (service) -> List.of(), null);
	}

	/**
	 * The chain without the layer that leaves out the instance a retry comes from: the balancer does that
	 * itself, and a list without it, different on every retry, would make the ejection engine forget that
	 * instance's failures.
	 */
	@Nullable
	private static ServiceInstanceListSupplier withoutRetryAwareness(@Nullable ServiceInstanceListSupplier chain) {
		ServiceInstanceListSupplier link = chain;
		while (link instanceof RetryAwareServiceInstanceListSupplier retryAware) {
			link = retryAware.getDelegate();
		}
		return link;
	}

	/**
	 * Whether the chain only asks the discovery clients, maybe behind a cache: then the catalog gives the same
	 * list, fresher.
	 */
	static boolean discoversOnly(ServiceInstanceListSupplier chain) {
		ServiceInstanceListSupplier link = chain;
		while (link instanceof CachingServiceInstanceListSupplier caching) {
			link = caching.getDelegate();
		}
		return link instanceof DiscoveryClientServiceInstanceListSupplier;
	}

	record CatalogFirst(String serviceId, Function<String, List<ServiceInstance>> catalog,
			@Nullable ServiceInstanceListSupplier others) implements InstanceSource {

		@Override
		public Mono<List<ServiceInstance>> instances(Request<?> request) {
			List<ServiceInstance> atHand = instancesAtHand();
			return (atHand != null) ? Mono.just(atHand) : this.others.get(request).next();
		}

		@Override
		public boolean isAtHand() {
			return this.others == null || !this.catalog.apply(this.serviceId).isEmpty();
		}

		@Override
		@Nullable
		public List<ServiceInstance> instancesAtHand() {
			List<ServiceInstance> instances = this.catalog.apply(this.serviceId);
			return (!instances.isEmpty() || this.others == null) ? instances : null;
		}

	}

	record Chain(ServiceInstanceListSupplier chain) implements InstanceSource {

		@Override
		public Mono<List<ServiceInstance>> instances(Request<?> request) {
			return this.chain.get(request).next();
		}

		@Override
		public void chosen(ServiceInstance instance) {
			if (this.chain instanceof SelectedInstanceCallback callback) {
				callback.selectedServiceInstance(instance);
			}
		}

	}

}
