package io.github.microspring.benchmarks.metadata;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Throughput and allocation of a three-hop chain (A → B → C, WebFlux, @LoadBalanced WebClient, real etcd, all
 * in this JVM on loopback) with metadata and deadlines on, against the same chain with both switched off, in
 * the same run: rounds alternate between the two chains, each sending the same requests with the same headers
 * under the same bounded concurrency. Reactor's automatic context propagation is a JVM-wide hook, on for both
 * chains once the first starts: its own cost is not in the difference.
 * <p>
 * Arguments: {@code requests=N} per round (3000), {@code concurrency=N} (16), {@code rounds=N} per chain (5),
 * after two rounds per chain that do not count; {@code on=metadata,deadline} (the default) names what the first
 * chain has on.
 * Allocation is every thread's allocated bytes over a round divided by its requests (client, three servers
 * and the calls between them).
 */
public final class MetadataScenario {

	private MetadataScenario() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new HashMap<>(Map.of("requests", "3000", "concurrency", "16", "rounds", "5", "on", "metadata,deadline"));
		for (String arg : args) {
			String[] pair = arg.split("=", 2);
			options.put(pair[0], pair[1]);
		}
		int requests = Integer.parseInt(options.get("requests"));
		int concurrency = Integer.parseInt(options.get("concurrency"));
		int rounds = Integer.parseInt(options.get("rounds"));
		List<ConfigurableApplicationContext> contexts = new ArrayList<>();
		try (EtcdServer etcd = EtcdServer.start()) {
			String features = options.get("on");
			Chain on = Chain.start("on", features.contains("metadata"), features.contains("deadline"), etcd, contexts);
			Chain off = Chain.start("off", false, false, etcd, contexts);
			WebClient load = WebClient.create();
			// warm both chains up (JIT, connection pools, load-balancer caches) before anything counts
			for (int i = 0; i < 2; i++) {
				on.round(load, requests, concurrency);
				off.round(load, requests, concurrency);
			}
			List<double[]> onRounds = new ArrayList<>();
			List<double[]> offRounds = new ArrayList<>();
			for (int i = 0; i < rounds; i++) {
				onRounds.add(on.round(load, requests, concurrency));
				offRounds.add(off.round(load, requests, concurrency));
			}
			double onThroughput = median(onRounds, 0);
			double offThroughput = median(offRounds, 0);
			double onBytes = median(onRounds, 1);
			double offBytes = median(offRounds, 1);
			System.out.printf("rounds: %d x %d requests, concurrency %d, on: %s%n", rounds, requests, concurrency,
					features);
			System.out.printf("feature on:  %.0f req/s (rounds %s), %.0f bytes allocated per request%n", onThroughput,
					column(onRounds, 0), onBytes);
			System.out.printf("feature off: %.0f req/s (rounds %s), %.0f bytes allocated per request%n", offThroughput,
					column(offRounds, 0), offBytes);
			System.out.printf("throughput on/off: %.1f %%; allocation added by the feature: %.0f bytes per request%n",
					100 * onThroughput / offThroughput, onBytes - offBytes);
		}
		finally {
			contexts.forEach(ConfigurableApplicationContext::close);
		}
	}

	private static double median(List<double[]> rounds, int index) {
		double[] values = rounds.stream().mapToDouble((round) -> round[index]).sorted().toArray();
		return values[values.length / 2];
	}

	private static String column(List<double[]> rounds, int index) {
		return Arrays.toString(rounds.stream().mapToLong((round) -> Math.round(round[index])).toArray());
	}

	private static long allocatedBytes() {
		com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
		long[] ids = threads.getAllThreadIds();
		long total = 0;
		for (long bytes : threads.getThreadAllocatedBytes(ids)) {
			total += Math.max(bytes, 0);
		}
		return total;
	}

	private record Chain(String name, int port) {

		static Chain start(String name, boolean metadata, boolean deadline, EtcdServer etcd,
				List<ConfigurableApplicationContext> contexts) {
			ConfigurableApplicationContext c = hop(name, "c", "", metadata, deadline, etcd);
			contexts.add(c);
			ConfigurableApplicationContext b = hop(name, "b", "c", metadata, deadline, etcd);
			contexts.add(b);
			ConfigurableApplicationContext a = hop(name, "a", "b", metadata, deadline, etcd);
			contexts.add(a);
			DiscoveryClient discovery = a.getBean(DiscoveryClient.class);
			long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
			while ((discovery.getInstances(name + "-b").isEmpty()
					|| b.getBean(DiscoveryClient.class).getInstances(name + "-c").isEmpty()) && System.nanoTime() < until) {
				Thread.onSpinWait();
			}
			return new Chain(name, ((WebServerApplicationContext) a).getWebServer().getPort());
		}

		private static ConfigurableApplicationContext hop(String chain, String hop, String next, boolean metadata,
				boolean deadline, EtcdServer etcd) {
			return new SpringApplicationBuilder(Hop.class).web(WebApplicationType.REACTIVE)
				.properties("spring.application.name=" + chain + "-" + hop, "server.port=0",
						"server.address=127.0.0.1", "spring.main.banner-mode=off", "logging.level.root=warn",
						"micro.etcd.endpoints=" + etcd.endpoint(), "hop.next=" + (next.isEmpty() ? "" : chain + "-" + next),
						"micro.metadata.enabled=" + metadata, "micro.deadline.enabled=" + deadline,
						"micro.metadata.headers=X-User,X-Meta-*")
				.run();
		}

		/**
		 * @return requests per second and bytes allocated per request
		 */
		double[] round(WebClient load, int requests, int concurrency) {
			long allocatedBefore = allocatedBytes();
			long started = System.nanoTime();
			Long failed = Flux.range(0, requests)
				.flatMap((i) -> load.get()
					.uri("http://127.0.0.1:" + this.port + "/")
					.header("X-User", "alice")
					.header("X-Meta-Tenant", "acme")
					.header("X-Micro-Timeout", "10000")
					.retrieve()
					.bodyToMono(String.class)
					.map((body) -> body.startsWith("c:") ? 0L : 1L)
					.onErrorReturn(1L), concurrency)
				.reduce(0L, Long::sum)
				.block(Duration.ofMinutes(5));
			double seconds = (System.nanoTime() - started) / 1e9;
			long allocated = allocatedBytes() - allocatedBefore;
			if (failed != null && failed > 0) {
				System.out.printf("%s: %d of %d requests failed%n", this.name, failed, requests);
			}
			return new double[] { requests / seconds, (double) allocated / requests };
		}

	}

	/**
	 * One hop: calls the next hop through the load balancer and answers with what it answered, or, last in the
	 * chain, with the user it sees.
	 */
	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(Hop.Endpoint.class)
	static class Hop {

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder() {
			return WebClient.builder();
		}

		@RestController
		static class Endpoint {

			private final WebClient client;

			private final String next;

			Endpoint(WebClient.Builder builder, Environment environment) {
				this.client = builder.build();
				this.next = environment.getProperty("hop.next", "");
			}

			@GetMapping("/")
			Mono<String> hop() {
				if (this.next.isEmpty()) {
					return Mono.just("c:" + io.github.microspring.metadata.Metadata.current().get("X-User"));
				}
				return this.client.get().uri("http://" + this.next + "/").retrieve().bodyToMono(String.class);
			}

		}

	}

}
