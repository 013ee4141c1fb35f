package io.github.microspring.loadbalancer;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.Test;

import io.github.microspring.loadbalancer.TestInstances.InMemoryDiscoveryClient;
import io.github.microspring.loadbalancer.TestInstances.MutableClock;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.RetryableRequestContext;
import org.springframework.cloud.client.loadbalancer.reactive.ReactiveLoadBalancer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.util.LinkedMultiValueMap;

import static io.github.microspring.loadbalancer.TestInstances.instance;
import static io.github.microspring.loadbalancer.TestInstances.instances;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The balancer over an in-memory discovery client.
 */
class MicroReactorLoadBalancerTests {

	private final MutableClock clock = new MutableClock();

	private final Ejections ejections = new Ejections(this.clock, 3, Duration.ofSeconds(10), Duration.ofSeconds(60),
			50, (instance, duration) -> {
			});

	private final InMemoryDiscoveryClient discovery = new InMemoryDiscoveryClient();

	private final List<String> chosen = new CopyOnWriteArrayList<>();

	private final MicroReactorLoadBalancer balancer = new MicroReactorLoadBalancer("svc", this.discovery,
			new InstanceSelector(this.ejections, Map.of(), false), "X-Micro-Version",
			List.of((serviceId, instance) -> this.chosen.add(serviceId + "/" + instance.getInstanceId())));

	@Test
	void asksTheDiscoveryClientOnEveryChoiceSoAChangeIsSeenByTheNextOne() {
		this.discovery.set("svc", instances("svc", 2));
		choose(ReactiveLoadBalancer.REQUEST);
		this.discovery.set("svc", List.of(instance("svc", "fresh", 9000)));
		assertThat(choose(ReactiveLoadBalancer.REQUEST).getServer().getInstanceId()).isEqualTo("fresh");
		assertThat(this.discovery.calls).isEqualTo(2);
	}

	@Test
	void chooseIsLazyAndEachSubscriptionChoosesAgain() {
		this.discovery.set("svc", instances("svc", 2));
		var mono = this.balancer.choose(ReactiveLoadBalancer.REQUEST);
		assertThat(this.discovery.calls).isZero();
		String first = mono.block().getServer().getInstanceId();
		String second = mono.block().getServer().getInstanceId();
		assertThat(first).isNotEqualTo(second);
	}

	@Test
	void noInstanceGivesEmptyResponse() {
		assertThat(choose(ReactiveLoadBalancer.REQUEST).hasServer()).isFalse();
		assertThat(this.chosen).isEmpty();
	}

	@Test
	void versionHeaderPinsTheVersion() {
		this.discovery.set("svc", List.of(instance("svc", "old", 8000, Map.of("version", "1.0.0")),
				instance("svc", "canary", 8001, Map.of("version", "1.1.0"))));
		HttpHeaders headers = new HttpHeaders();
		headers.add("X-Micro-Version", "1.1.0");
		Request<RequestDataContext> request = new DefaultRequest<>(new RequestDataContext(data(headers)));
		for (int i = 0; i < 10; i++) {
			assertThat(choose(request).getServer().getInstanceId()).isEqualTo("canary");
		}
	}

	@Test
	void pinnedVersionWithoutInstanceFailsTheCallWhenFallbackIsOff() {
		this.discovery.set("svc", List.of(instance("svc", "old", 8000, Map.of("version", "1.0.0"))));
		HttpHeaders headers = new HttpHeaders();
		headers.add("X-Micro-Version", "2.0.0");
		Request<RequestDataContext> request = new DefaultRequest<>(new RequestDataContext(data(headers)));
		assertThatExceptionOfType(NoMatchingInstanceException.class)
			.isThrownBy(() -> this.balancer.choose(request).block());
	}

	@Test
	void hintHeaderPrefersInstancesWithThatHint() {
		this.discovery.set("svc", List.of(instance("svc", "plain", 8000), instance("svc", "blue", 8001,
				Map.of("hint", "blue")), instance("svc", "blue-too", 8002, Map.of("hint", "blue"))));
		HttpHeaders headers = new HttpHeaders();
		headers.add("X-SC-LB-Hint", "blue");
		Request<RequestDataContext> request = new DefaultRequest<>(new RequestDataContext(data(headers)));
		assertThat(List.of(choose(request).getServer().getInstanceId(), choose(request).getServer().getInstanceId()))
			.containsExactlyInAnyOrder("blue", "blue-too");
	}

	@Test
	void configuredHintIsUsedWithoutHeaderAndUnknownHintMeansAll() {
		this.discovery.set("svc", List.of(instance("svc", "plain", 8000), instance("svc", "blue", 8001,
				Map.of("hint", "blue"))));
		Request<RequestDataContext> blue = new DefaultRequest<>(new RequestDataContext(data(new HttpHeaders()), "blue"));
		for (int i = 0; i < 4; i++) {
			assertThat(choose(blue).getServer().getInstanceId()).isEqualTo("blue");
		}
		Request<RequestDataContext> green = new DefaultRequest<>(
				new RequestDataContext(data(new HttpHeaders()), "green"));
		assertThat(List.of(choose(green).getServer().getInstanceId(), choose(green).getServer().getInstanceId()))
			.containsExactlyInAnyOrder("plain", "blue");
	}

	@Test
	void retryGoesToAnotherInstance() {
		List<ServiceInstance> list = instances("svc", 3);
		this.discovery.set("svc", list);
		Request<RetryableRequestContext> retry = new DefaultRequest<>(
				new RetryableRequestContext(list.get(1), data(new HttpHeaders())));
		for (int i = 0; i < 20; i++) {
			assertThat(choose(retry).getServer().getInstanceId()).isNotEqualTo(list.get(1).getInstanceId());
		}
	}

	@Test
	void listenersHearOfEveryChoice() {
		this.discovery.set("svc", instances("svc", 1));
		choose(ReactiveLoadBalancer.REQUEST);
		choose(ReactiveLoadBalancer.REQUEST);
		assertThat(this.chosen).containsExactly("svc/svc-0", "svc/svc-0");
	}

	@Test
	void chosenInstanceIsTaggedOnTheCurrentSpan() {
		SimpleTracer tracer = new SimpleTracer();
		SimpleSpan span = tracer.nextSpan().name("call").start();
		try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
			new SpanTagger(tracer).chosen("svc", instance("svc", "svc-0", 8000));
		}
		span.end();
		assertThat(span.getTags()).containsEntry(SpanTagger.INSTANCE_TAG, "svc-0")
			.containsEntry(SpanTagger.ADDRESS_TAG, "127.0.0.1:8000");
	}

	@Test
	void noCurrentSpanIsNoTrouble() {
		SimpleTracer tracer = new SimpleTracer();
		new SpanTagger(tracer).chosen("svc", instance("svc", "svc-0", 8000));
		assertThat(tracer.getSpans()).isEmpty();
	}

	private Response<ServiceInstance> choose(Request<?> request) {
		return this.balancer.choose(request).block();
	}

	private static RequestData data(HttpHeaders headers) {
		return new RequestData(HttpMethod.GET, URI.create("http://svc/x"), headers, new LinkedMultiValueMap<>(),
				Map.of());
	}

}
