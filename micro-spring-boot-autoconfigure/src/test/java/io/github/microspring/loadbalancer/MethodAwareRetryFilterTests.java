package io.github.microspring.loadbalancer;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import io.github.microspring.loadbalancer.TestInstances.InMemoryDiscoveryClient;
import io.github.microspring.loadbalancer.TestInstances.MutableClock;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.LoadBalancerProperties;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.cloud.client.loadbalancer.reactive.RetryableExchangeFilterFunctionLoadBalancerRetryPolicy;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFunction;

import static io.github.microspring.loadbalancer.TestInstances.instances;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which failures of a non-idempotent call are retried, and where each retry goes.
 */
class MethodAwareRetryFilterTests {

	private final MethodAwareRetryFilter.ConnectFailuresOnly policy = new MethodAwareRetryFilter.ConnectFailuresOnly(
			new RetryableExchangeFilterFunctionLoadBalancerRetryPolicy(new LoadBalancerProperties()));

	private final List<Integer> ports = new CopyOnWriteArrayList<>();

	@Test
	void failureToConnectIsRetriedBecauseNothingWasSent() {
		assertThat(this.policy.retryableException(new ConnectException("Connection refused"))).isTrue();
	}

	@Test
	void failuresAfterTheRequestWentOutAreNotRetried() {
		assertThat(this.policy.retryableException(new IOException("Connection reset by peer"))).isFalse();
		assertThat(this.policy.retryableException(new TimeoutException())).isFalse();
	}

	@Test
	void statusCodesNeverCauseARetry() {
		assertThat(this.policy.canRetryOnMethod(HttpMethod.POST)).isFalse();
		assertThat(this.policy.retryableStatusCode(503)).isFalse();
	}

	@Test
	void sameInstanceRetriesGoToTheSameInstanceAndNextInstanceRetriesToAnother() {
		MethodAwareRetryFilter filter = filter(1, 1);
		filter.filter(get(), answering503()).block(Duration.ofSeconds(5));
		assertThat(this.ports).hasSize(4);
		assertThat(this.ports.get(1)).isEqualTo(this.ports.get(0));
		assertThat(this.ports.get(2)).isNotEqualTo(this.ports.get(1));
		assertThat(this.ports.get(3)).isEqualTo(this.ports.get(2));
	}

	@Test
	void sameInstanceRetriesAfterAnExceptionGoToTheSameInstance() {
		MethodAwareRetryFilter filter = filter(2, 1);
		ExchangeFunction refusing = (request) -> {
			this.ports.add(request.url().getPort());
			return Mono.error(new ConnectException("Connection refused"));
		};
		try {
			filter.filter(get(), refusing).block(Duration.ofSeconds(5));
		}
		catch (RuntimeException expected) {
			// every instance refuses
		}
		assertThat(this.ports).hasSize(6);
		assertThat(this.ports.subList(0, 3)).containsOnly(this.ports.get(0));
		assertThat(this.ports.subList(3, 6)).containsOnly(this.ports.get(3)).doesNotContain(this.ports.get(0));
	}

	@Test
	void withoutSameInstanceRetriesEveryRetryGoesToAnotherInstance() {
		MethodAwareRetryFilter filter = filter(0, 2);
		filter.filter(get(), answering503()).block(Duration.ofSeconds(5));
		assertThat(this.ports).hasSize(3);
		assertThat(this.ports.get(1)).isNotEqualTo(this.ports.get(0));
		assertThat(this.ports.get(2)).isNotEqualTo(this.ports.get(1));
	}

	private MethodAwareRetryFilter filter(int sameInstance, int nextInstance) {
		InMemoryDiscoveryClient discovery = new InMemoryDiscoveryClient();
		discovery.set("svc", instances("svc", 3));
		Ejections ejections = new Ejections(new MutableClock(), 100, Duration.ofSeconds(10), Duration.ofSeconds(60),
				50, (instance, duration) -> {
				});
		MicroReactorLoadBalancer balancer = new MicroReactorLoadBalancer("svc", discovery,
				new InstanceSelector(ejections, Map.of(), true), "X-Micro-Version", List.of());
		LoadBalancerProperties properties = new LoadBalancerProperties();
		properties.getRetry().setMaxRetriesOnSameServiceInstance(sameInstance);
		properties.getRetry().setMaxRetriesOnNextServiceInstance(nextInstance);
		properties.getRetry().setRetryableStatusCodes(Set.of(503));
		ReactiveLoadBalancer.Factory<ServiceInstance> factory = new ReactiveLoadBalancer.Factory<>() {

			@Override
			public ReactiveLoadBalancer<ServiceInstance> getInstance(String serviceId) {
				return balancer;
			}

			@Override
			public <X> Map<String, X> getInstances(String name, Class<X> type) {
				return Map.of();
			}

			@Override
			public <X> X getInstance(String name, Class<?> clazz, Class<?>... generics) {
				return null;
			}

			@Override
			public LoadBalancerProperties getProperties(String serviceId) {
				return properties;
			}

		};
		return new MethodAwareRetryFilter(factory, MethodAwareRetryFilter.springCloudPolicies(factory), List.of());
	}

	private ExchangeFunction answering503() {
		return (request) -> {
			this.ports.add(request.url().getPort());
			return Mono.just(ClientResponse.create(HttpStatus.SERVICE_UNAVAILABLE).build());
		};
	}

	private static ClientRequest get() {
		return ClientRequest.create(HttpMethod.GET, URI.create("http://svc/")).build();
	}

}
