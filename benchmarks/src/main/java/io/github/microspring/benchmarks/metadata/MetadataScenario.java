package io.github.microspring.benchmarks.metadata;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import io.github.microspring.metadata.ChainContext;
import io.github.microspring.metadata.ChainContextThreadLocalAccessor;
import io.github.microspring.metadata.ContextWrite;
import io.github.microspring.metadata.Metadata;
import io.github.microspring.test.ServerProcesses;
import io.github.microspring.test.etcd.EtcdServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.boot.web.reactive.filter.OrderedWebFilter;
import org.springframework.cloud.client.discovery.DiscoveryClient;
import org.springframework.cloud.client.loadbalancer.LoadBalanced;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.lang.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * Throughput and allocation of a three-hop chain (A → B → C, WebFlux, @LoadBalanced WebClient, real etcd, all
 * in this JVM on loopback) with metadata and deadlines on, against the same application with both switched off
 * ({@code micro.metadata.enabled=false}, {@code micro.deadline.enabled=false}), in the same run. Both chains
 * get the same requests with the same headers under the same bounded concurrency. Reactor's automatic context
 * propagation, which the starter switches on with either feature, is a JVM-wide hook, on for both chains once the
 * first starts: its own cost is not in the difference. With {@code separate=true} each chain runs in a JVM of its
 * own, the "off" one with Boot's default {@code limited} propagation as an application without the features would
 * run, so that the difference includes what automatic propagation costs every request; the figures are then the
 * CPU of each chain's JVM, and allocation is not counted. {@code on=metadata,deadline,limited} keeps Boot's
 * default {@code limited} propagation in the "on" chain too, as an application that sets it does.
 * <p>
 * Steady state: both chains are first driven in alternation for {@code warmup} seconds, and longer (up to three
 * times as long) while either chain's throughput still climbs by more than 3 % from one group of four rounds to
 * the next. Then come {@code rounds} pairs of short rounds, one on and one off, the order alternating from pair
 * to pair so that drift in the machine's load falls on both alike; the figure is the median of the pairs'
 * ratios.
 * <p>
 * Allocation: each live thread's allocated bytes ({@code ThreadMXBean.getThreadAllocatedBytes}) before and after
 * a round, the differences summed (a thread born during the round counts from zero; one that dies during it is
 * lost, alike for both chains), divided by the round's requests; the added bytes are the median of the pairs'
 * differences.
 * <p>
 * Arguments: {@code requests=N} per round (1000), {@code concurrency=N} (16), {@code rounds=N} pairs (15),
 * {@code warmup=seconds} (60), {@code on=metadata,deadline} (the default; {@code metadata} or {@code deadline}
 * alone) names what the first chain has on; {@code on=key} has both off in the first chain too, which instead puts
 * one constant {@link ChainContext} into the Reactor context of each request, the floor of any propagation through
 * context-propagation. {@code only=on} or {@code only=off} drives that chain alone for
 * {@code warmup} seconds and measures nothing, for a profiler attached to the run.
 */
public final class MetadataScenario {

	private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory
		.getThreadMXBean();

	private MetadataScenario() {
	}

	public static void main(String[] args) throws Exception {
		Map<String, String> options = new HashMap<>(Map.of("requests", "1000", "concurrency", "16", "rounds", "15",
				"warmup", "60", "on", "metadata,deadline"));
		for (String arg : args) {
			String[] pair = arg.split("=", 2);
			options.put(pair[0], pair[1]);
		}
		int requests = Integer.parseInt(options.get("requests"));
		int concurrency = Integer.parseInt(options.get("concurrency"));
		int rounds = Integer.parseInt(options.get("rounds"));
		Duration warmup = Duration.ofSeconds(Long.parseLong(options.get("warmup")));
		List<ConfigurableApplicationContext> contexts = new ArrayList<>();
		List<Process> processes = new ArrayList<>();
		try (EtcdServer etcd = EtcdServer.start()) {
			String features = options.get("on");
			boolean separate = Boolean.parseBoolean(options.getOrDefault("separate", "false"));
			Chain on = separate ? Chain.fork("on", features, etcd, processes)
					: Chain.start("on", features, etcd, contexts);
			Chain off = separate ? Chain.fork("off", "", etcd, processes) : Chain.start("off", "", etcd, contexts);
			WebClient load = WebClient.create();
			if (options.containsKey("only")) {
				Chain chain = options.get("only").equals("off") ? off : on;
				long until = System.nanoTime() + warmup.toNanos();
				List<Double> throughput = new ArrayList<>();
				while (System.nanoTime() < until) {
					throughput.add(chain.round(load, requests, concurrency)[0]);
				}
				double[] second = throughput.subList(throughput.size() / 2, throughput.size())
					.stream()
					.mapToDouble(Double::doubleValue)
					.toArray();
				System.out.printf("drove only the %s chain: %d rounds of %d requests; the second half's median %.0f req/s%n",
						chain.name(), throughput.size(), requests, median(second));
				return;
			}
			int warmupRounds = warmUp(on, off, load, requests, concurrency, warmup);
			double[] onThroughput = new double[rounds];
			double[] offThroughput = new double[rounds];
			double[] ratios = new double[rounds];
			double[] onBytes = new double[rounds];
			double[] offBytes = new double[rounds];
			double[] addedBytes = new double[rounds];
			double[] onCpu = new double[rounds];
			double[] offCpu = new double[rounds];
			double[] cpuRatios = new double[rounds];
			for (int i = 0; i < rounds; i++) {
				double[] onRound;
				double[] offRound;
				if (i % 2 == 0) {
					onRound = on.round(load, requests, concurrency);
					offRound = off.round(load, requests, concurrency);
				}
				else {
					offRound = off.round(load, requests, concurrency);
					onRound = on.round(load, requests, concurrency);
				}
				onThroughput[i] = onRound[0];
				offThroughput[i] = offRound[0];
				ratios[i] = onRound[0] / offRound[0];
				onBytes[i] = onRound[1];
				offBytes[i] = offRound[1];
				addedBytes[i] = onRound[1] - offRound[1];
				onCpu[i] = onRound[2];
				offCpu[i] = offRound[2];
				cpuRatios[i] = offRound[2] / onRound[2];
			}
			System.out.printf("warm-up: %d rounds per chain; measured: %d pairs x %d requests, concurrency %d, on: %s, %s%n",
					warmupRounds, rounds, requests, concurrency, features,
					separate ? "each chain in a JVM of its own (its CPU only, allocation not counted)"
							: "both chains in this JVM (CPU and allocation of all its threads)");
			System.out.printf("feature on:  %.0f req/s (rounds %s), %.0f bytes allocated per request%n",
					median(onThroughput), rounded(onThroughput), median(onBytes));
			System.out.printf("feature off: %.0f req/s (rounds %s), %.0f bytes allocated per request%n",
					median(offThroughput), rounded(offThroughput), median(offBytes));
			System.out.printf("throughput on/off: %.1f %% (median of pairs; pairs %s); "
					+ "allocation added by the feature: %.0f bytes per request (median of pairs)%n",
					100 * median(ratios), percents(ratios), median(addedBytes));
			System.out.printf("CPU per request on %.0f us, off %.0f us; off/on: %.1f %% (median of pairs; pairs %s)%n",
					median(onCpu) / 1000, median(offCpu) / 1000, 100 * median(cpuRatios), percents(cpuRatios));
		}
		finally {
			contexts.forEach(ConfigurableApplicationContext::close);
			processes.forEach((process) -> ServerProcesses.stop(process, 10_000));
		}
	}

	/**
	 * One chain in a JVM of its own, for {@code separate=true}. Arguments: etcd endpoint, chain name, features.
	 * Prints {@code READY <port>} and runs until its standard input closes or it is stopped.
	 */
	public static final class ChainProcess {

		private ChainProcess() {
		}

		public static void main(String[] args) throws Exception {
			List<ConfigurableApplicationContext> contexts = new ArrayList<>();
			try {
				Chain chain = Chain.start(args[1], (args.length > 2) ? args[2] : "", args[0], contexts);
				System.out.println("READY " + chain.port());
				while (System.in.read() != -1) {
					// until the scenario closes our input or stops us
				}
			}
			finally {
				contexts.forEach(ConfigurableApplicationContext::close);
			}
		}

	}

	/**
	 * Alternates rounds of both chains for at least {@code minimum}, then while either still speeds up.
	 * @return rounds per chain
	 */
	private static int warmUp(Chain on, Chain off, WebClient load, int requests, int concurrency, Duration minimum) {
		long started = System.nanoTime();
		long least = started + minimum.toNanos();
		long most = started + minimum.multipliedBy(3).toNanos();
		List<Double> onRounds = new ArrayList<>();
		List<Double> offRounds = new ArrayList<>();
		while (true) {
			onRounds.add(on.round(load, requests, concurrency)[0]);
			offRounds.add(off.round(load, requests, concurrency)[0]);
			long now = System.nanoTime();
			if (now >= most || (now >= least && !climbing(onRounds) && !climbing(offRounds))) {
				System.out.printf("warm-up on:  %s%nwarm-up off: %s%n", rounded(onRounds), rounded(offRounds));
				return onRounds.size();
			}
		}
	}

	/**
	 * Whether the last four rounds are more than 3 % faster than the four before them.
	 */
	private static boolean climbing(List<Double> rounds) {
		int size = rounds.size();
		if (size < 8) {
			return true;
		}
		double last = median(rounds.subList(size - 4, size).stream().mapToDouble(Double::doubleValue).toArray());
		double before = median(rounds.subList(size - 8, size - 4).stream().mapToDouble(Double::doubleValue).toArray());
		return last > before * 1.03;
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		int middle = sorted.length / 2;
		return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
	}

	private static String rounded(double[] values) {
		return Arrays.toString(Arrays.stream(values).mapToLong(Math::round).toArray());
	}

	private static String rounded(List<Double> values) {
		return rounded(values.stream().mapToDouble(Double::doubleValue).toArray());
	}

	private static String percents(double[] ratios) {
		return Arrays.toString(Arrays.stream(ratios).mapToLong((ratio) -> Math.round(100 * ratio)).toArray());
	}

	/**
	 * CPU nanoseconds by thread id, of every live thread.
	 */
	private static Map<Long, Long> cpuTimes() {
		long[] ids = THREADS.getAllThreadIds();
		Map<Long, Long> times = new HashMap<>(ids.length * 2);
		for (long id : ids) {
			long time = THREADS.getThreadCpuTime(id);
			if (time >= 0) {
				times.put(id, time);
			}
		}
		return times;
	}

	private static long cpuSince(Map<Long, Long> before) {
		long total = 0;
		for (Map.Entry<Long, Long> thread : cpuTimes().entrySet()) {
			total += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
		}
		return total;
	}

	/**
	 * Allocated bytes by thread id, of every live thread.
	 */
	private static Map<Long, Long> allocatedBytes() {
		long[] ids = THREADS.getAllThreadIds();
		long[] bytes = THREADS.getThreadAllocatedBytes(ids);
		Map<Long, Long> allocated = new HashMap<>(ids.length * 2);
		for (int i = 0; i < ids.length; i++) {
			if (bytes[i] >= 0) {
				allocated.put(ids[i], bytes[i]);
			}
		}
		return allocated;
	}

	private static long allocatedSince(Map<Long, Long> before) {
		long total = 0;
		for (Map.Entry<Long, Long> thread : allocatedBytes().entrySet()) {
			total += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
		}
		return total;
	}

	/**
	 * @param process the JVM of the chain when it is not this one
	 */
	private record Chain(String name, int port, @Nullable ProcessHandle process) {

		static Chain start(String name, String features, EtcdServer etcd, List<ConfigurableApplicationContext> contexts) {
			return start(name, features, etcd.endpoint(), contexts);
		}

		static Chain start(String name, String features, String etcd, List<ConfigurableApplicationContext> contexts) {
			boolean metadata = features.contains("metadata");
			boolean deadline = features.contains("deadline");
			boolean key = features.equals("key");
			boolean limited = features.contains("limited");
			ConfigurableApplicationContext c = hop(name, "c", "", metadata, deadline, key, limited, etcd);
			contexts.add(c);
			ConfigurableApplicationContext b = hop(name, "b", "c", metadata, deadline, key, limited, etcd);
			contexts.add(b);
			ConfigurableApplicationContext a = hop(name, "a", "b", metadata, deadline, key, limited, etcd);
			contexts.add(a);
			DiscoveryClient discovery = a.getBean(DiscoveryClient.class);
			long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
			while ((discovery.getInstances(name + "-b").isEmpty()
					|| b.getBean(DiscoveryClient.class).getInstances(name + "-c").isEmpty()) && System.nanoTime() < until) {
				Thread.onSpinWait();
			}
			return new Chain(name, ((WebServerApplicationContext) a).getWebServer().getPort(), null);
		}

		static Chain fork(String name, String features, EtcdServer etcd, List<Process> processes) throws IOException {
			Process process = ServerProcesses.track(new ProcessBuilder(
					Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g", "-cp",
					System.getProperty("java.class.path"), ChainProcess.class.getName(), etcd.endpoint(), name,
					features)
				.redirectErrorStream(true)
				.start());
			processes.add(process);
			BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
			String line;
			while ((line = out.readLine()) != null && !line.startsWith("READY ")) {
				// Boot's warnings, if any
			}
			if (line == null) {
				throw new IllegalStateException("The " + name + " chain's JVM exited before it was ready");
			}
			Thread drain = new Thread(() -> {
				try {
					while (out.readLine() != null) {
						// keeps the pipe from filling up
					}
				}
				catch (IOException ex) {
					// the process was stopped
				}
			}, name + "-output");
			drain.setDaemon(true);
			drain.start();
			return new Chain(name, Integer.parseInt(line.substring("READY ".length()).trim()), process.toHandle());
		}

		private static ConfigurableApplicationContext hop(String chain, String hop, String next, boolean metadata,
				boolean deadline, boolean key, boolean limited, String etcd) {
			// what the starter sets while either feature is on, unless the application sets limited itself
			String propagation = ((metadata || deadline || key) && !limited) ? "auto" : "limited";
			return new SpringApplicationBuilder(Hop.class).web(WebApplicationType.REACTIVE)
				.properties("spring.application.name=" + chain + "-" + hop, "server.port=0",
						"server.address=127.0.0.1", "spring.main.banner-mode=off", "logging.level.root=warn",
						"micro.etcd.endpoints=" + etcd, "hop.next=" + (next.isEmpty() ? "" : chain + "-" + next),
						"micro.metadata.enabled=" + metadata, "micro.deadline.enabled=" + deadline,
						"micro.metadata.headers=X-User,X-Meta-*", "hop.key=" + key,
						"spring.reactor.context-propagation=" + propagation)
				.run();
		}

		/**
		 * @return requests per second, bytes allocated and CPU nanoseconds per request: of all threads of this
		 * JVM, or of the chain's own JVM (its allocation is not counted: NaN)
		 */
		double[] round(WebClient load, int requests, int concurrency) {
			Map<Long, Long> allocatedBefore = (this.process == null) ? allocatedBytes() : Map.of();
			Map<Long, Long> cpuBefore = (this.process == null) ? cpuTimes() : Map.of();
			long processCpuBefore = (this.process != null) ? processCpu(this.process) : 0;
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
			double allocated = (this.process == null) ? allocatedSince(allocatedBefore) : Double.NaN;
			long cpu = (this.process == null) ? cpuSince(cpuBefore) : processCpu(this.process) - processCpuBefore;
			if (failed != null && failed > 0) {
				System.out.printf("%s: %d of %d requests failed%n", this.name, failed, requests);
			}
			return new double[] { requests / seconds, allocated / requests, (double) cpu / requests };
		}

		private static long processCpu(ProcessHandle process) {
			return process.info().totalCpuDuration().orElse(Duration.ZERO).toNanos();
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

		/**
		 * With {@code on=key}: what any propagation through context-propagation costs before it does anything, one
		 * constant value put into the Reactor context of each request, as the starter's filters put theirs, and
		 * restored on every thread the request's operators run on; nothing read from or written to headers.
		 */
		@Bean
		@ConditionalOnBooleanProperty("hop.key")
		WebFilter constantChainContext() {
			ChainContext constant = ChainContext.of(Metadata.of(Map.of("X-User", "alice")), null);
			ChainContextThreadLocalAccessor accessor = new ChainContextThreadLocalAccessor();
			return new OrderedWebFilter() {

				@Override
				public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
					return ContextWrite.write(chain.filter(exchange), ChainContextThreadLocalAccessor.KEY,
							(outer) -> constant, accessor);
				}

				@Override
				public int getOrder() {
					return Ordered.HIGHEST_PRECEDENCE + 10;
				}

			};
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
