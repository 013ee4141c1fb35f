package io.github.microspring.loadbalancer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import io.github.microspring.loadbalancer.TestInstances.InMemoryDiscoveryClient;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RetryableRequestContext;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.loadbalancer.core.DelegatingServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.DiscoveryClientServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.RetryAwareServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.SelectedInstanceCallback;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.mock.env.MockEnvironment;

import static io.github.microspring.loadbalancer.TestInstances.instance;
import static io.github.microspring.loadbalancer.TestInstances.instances;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which list a balancer chooses from: the catalog where it gives Spring Cloud's list fresher, the chain
 * where the chain does more.
 */
class InstanceSourceTests {

	private final Map<String, List<ServiceInstance>> catalog = new ConcurrentHashMap<>();

	private final InMemoryDiscoveryClient others = new InMemoryDiscoveryClient();

	private final ServiceInstanceListSupplier discovery = new RetryAwareServiceInstanceListSupplier(
			new DiscoveryClientServiceInstanceListSupplier(this.others, environment("svc")));

	@Test
	void catalogIsReadOnEveryChoiceSoANewInstanceIsSeenByTheNextOne() {
		InstanceSource source = InstanceSource.of("svc", this::fromCatalog, this.discovery);
		this.catalog.put("svc", instances("svc", 1));
		assertThat(listed(source)).hasSize(1);
		this.catalog.put("svc", instances("svc", 2));
		assertThat(listed(source)).hasSize(2);
		assertThat(this.others.calls).isZero();
	}

	@Test
	void serviceTheCatalogDoesNotHoldComesFromTheChain() {
		this.others.set("svc", List.of(instance("svc", "elsewhere", 9000)));
		InstanceSource source = InstanceSource.of("svc", this::fromCatalog, this.discovery);
		assertThat(listed(source)).extracting(ServiceInstance::getInstanceId).containsExactly("elsewhere");
	}

	@Test
	void chainThatDoesMoreThanDiscoverDecidesAloneAndHearsOfTheChoice() {
		this.catalog.put("svc", instances("svc", 3));
		this.others.set("svc", instances("svc", 3));
		FirstOnly firstOnly = new FirstOnly(this.discovery);
		InstanceSource source = InstanceSource.of("svc", this::fromCatalog, firstOnly);
		assertThat(listed(source)).extracting(ServiceInstance::getInstanceId).containsExactly("svc-0");
		source.chosen(instance("svc", "svc-0", 8000));
		assertThat(firstOnly.selected).hasValue(1);
	}

	@Test
	void withoutEtcdTheChainDecides() {
		this.others.set("svc", instances("svc", 2));
		InstanceSource source = InstanceSource.of("svc", null, this.discovery);
		assertThat(listed(source)).hasSize(2);
		assertThat(this.others.calls).isOne();
	}

	@Test
	void retryGetsTheWholeListAndTheBalancerLeavesThePreviousInstanceOut() {
		List<ServiceInstance> all = instances("svc", 2);
		this.others.set("svc", all);
		InstanceSource source = InstanceSource.of("svc", null, this.discovery);
		Request<RetryableRequestContext> retry = new DefaultRequest<>(new RetryableRequestContext(all.get(0)));
		assertThat(source.instances(retry).block()).isEqualTo(all);
	}

	@Test
	void withNeitherThereAreNoInstances() {
		assertThat(listed(InstanceSource.of("svc", null, null))).isEmpty();
	}

	private List<ServiceInstance> fromCatalog(String serviceId) {
		return this.catalog.getOrDefault(serviceId, List.of());
	}

	private static List<ServiceInstance> listed(InstanceSource source) {
		return new ArrayList<>(source.instances(ReactiveLoadBalancer.REQUEST).block());
	}

	private static MockEnvironment environment(String serviceId) {
		return new MockEnvironment().withProperty("loadbalancer.client.name", serviceId);
	}

	/**
	 * Stands for a named configuration: narrows the list and wants to know the choice.
	 */
	static final class FirstOnly extends DelegatingServiceInstanceListSupplier implements SelectedInstanceCallback {

		final AtomicInteger selected = new AtomicInteger();

		FirstOnly(ServiceInstanceListSupplier delegate) {
			super(delegate);
		}

		@Override
		public Flux<List<ServiceInstance>> get() {
			return getDelegate().get().map((all) -> all.subList(0, 1));
		}

		@Override
		public void selectedServiceInstance(ServiceInstance serviceInstance) {
			this.selected.incrementAndGet();
		}

	}

}
