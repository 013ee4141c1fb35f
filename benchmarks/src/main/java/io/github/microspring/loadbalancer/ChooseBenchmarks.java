package io.github.microspring.loadbalancer;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.DefaultRequest;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.util.LinkedMultiValueMap;

/**
 * {@code choose()} of our balancer against Spring Cloud's {@link RoundRobinLoadBalancer} over the same
 * instance list, in one run. Spring Cloud's gets the list from a supplier that hands out a ready
 * {@code Flux} (its caching supplier in steady state, the best case for it); ours asks a discovery client
 * that returns the same list object, as the etcd catalog does. Both are subscribed and blocked on, as a
 * client does. In this package because the balancer's constructor is package-private.
 * <p>
 * Shapes of the list: {@code plain}; {@code weighted} (every tenth instance has {@code weight=100});
 * {@code ejected} (one instance ejected for the whole run); {@code zone} (we are in zone a, which holds
 * the first third of the instances). Spring Cloud's balancer ignores all of these and goes round the list.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = { "-Xmx512m" })
public class ChooseBenchmarks {

	@Param({ "3", "30", "10000" })
	int instances;

	@Param({ "plain", "weighted", "ejected", "zone" })
	String shape;

	private MicroReactorLoadBalancer ours;

	private RoundRobinLoadBalancer spring;

	private Request<RequestDataContext> request;

	@Setup
	public void setUp() {
		List<ServiceInstance> list = new ArrayList<>();
		for (int i = 0; i < this.instances; i++) {
			Map<String, String> metadata = switch (this.shape) {
				case "weighted" -> Map.of("version", "1.0.0", "weight", (i % 10 == 0) ? "100" : "1");
				case "zone" -> Map.of("version", "1.0.0", "zone", (i < Math.max(1, this.instances / 3)) ? "a" : "b");
				default -> Map.of("version", "1.0.0");
			};
			list.add(new DefaultServiceInstance("svc-" + i, "svc", "10.0." + (i / 250) + "." + (i % 250), 8080, false,
					metadata));
		}
		List<ServiceInstance> fixed = List.copyOf(list);
		DiscoveryClient discovery = new DiscoveryClient() {

			@Override
			public String description() {
				return "fixed";
			}

			@Override
			public List<ServiceInstance> getInstances(String serviceId) {
				return fixed;
			}

			@Override
			public List<String> getServices() {
				return List.of("svc");
			}

		};
		// ejected for longer than the run
		Ejections ejections = new Ejections(Clock.systemUTC(), 3, Duration.ofHours(1), Duration.ofHours(1), 50,
				(instance, duration) -> {
				});
		InstanceSelector selector = new InstanceSelector(ejections, Map.of(), true,
				"zone".equals(this.shape) ? "a" : null);
		this.ours = new MicroReactorLoadBalancer("svc", discovery, selector, "X-Micro-Version", List.of());
		if ("ejected".equals(this.shape)) {
			selector.choose("svc", fixed, null, null);
			for (int i = 0; i < 3; i++) {
				ejections.recordFailure(fixed.get(1));
			}
			if (!ejections.isEjected(fixed.get(1))) {
				throw new IllegalStateException("instance not ejected");
			}
		}
		Flux<List<ServiceInstance>> ready = Flux.just(fixed);
		DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
		beans.registerSingleton("supplier", new ServiceInstanceListSupplier() {

			@Override
			public String getServiceId() {
				return "svc";
			}

			@Override
			public Flux<List<ServiceInstance>> get() {
				return ready;
			}

		});
		this.spring = new RoundRobinLoadBalancer(beans.getBeanProvider(ServiceInstanceListSupplier.class), "svc");
		HttpHeaders headers = new HttpHeaders();
		headers.add(HttpHeaders.ACCEPT, "application/json");
		this.request = new DefaultRequest<>(new RequestDataContext(new RequestData(HttpMethod.GET,
				URI.create("http://svc/comments"), headers, new LinkedMultiValueMap<>(), Map.of())));
	}

	@Benchmark
	public ServiceInstance ours() {
		return this.ours.choose(this.request).block().getServer();
	}

	@Benchmark
	public ServiceInstance springRoundRobin() {
		return this.spring.choose(this.request).block().getServer();
	}

	/**
	 * Runs both with the GC profiler and prints ns/op, B/op and our ratio to Spring Cloud's.
	 */
	public static void main(String[] args) throws Exception {
		Options options = new OptionsBuilder().include(ChooseBenchmarks.class.getName() + "\\.")
			.addProfiler(GCProfiler.class)
			.build();
		Collection<RunResult> results = new Runner(options).run();
		System.out.println();
		System.out.printf("%-9s %-9s %10s %10s %8s %8s %11s %11s%n", "instances", "shape", "ours ns", "spring ns",
				"ours B", "spring B", "ratio time", "ratio bytes");
		for (String size : new String[] { "3", "30", "10000" }) {
			for (String shape : new String[] { "plain", "weighted", "ejected", "zone" }) {
				RunResult ours = find(results, "ours", size, shape);
				RunResult spring = find(results, "springRoundRobin", size, shape);
				if (ours != null && spring != null) {
					System.out.printf("%-9s %-9s %10.1f %10.1f %8.0f %8.0f %10.2fx %10.2fx%n", size, shape,
							ours.getPrimaryResult().getScore(), spring.getPrimaryResult().getScore(),
							allocation(ours), allocation(spring),
							ours.getPrimaryResult().getScore() / spring.getPrimaryResult().getScore(),
							allocation(ours) / allocation(spring));
				}
			}
		}
	}

	private static RunResult find(Collection<RunResult> results, String method, String size, String shape) {
		return results.stream()
			.filter((r) -> r.getParams().getBenchmark().endsWith("." + method)
					&& size.equals(r.getParams().getParam("instances"))
					&& shape.equals(r.getParams().getParam("shape")))
			.findFirst()
			.orElse(null);
	}

	private static double allocation(RunResult result) {
		Result<?> norm = result.getSecondaryResults().get("·gc.alloc.rate.norm");
		if (norm == null) {
			norm = result.getSecondaryResults().get("gc.alloc.rate.norm");
		}
		return (norm != null) ? norm.getScore() : Double.NaN;
	}

}
