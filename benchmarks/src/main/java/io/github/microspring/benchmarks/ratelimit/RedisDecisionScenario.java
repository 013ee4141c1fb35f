package io.github.microspring.benchmarks.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntPredicate;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.codec.ByteArrayCodec;

import io.github.microspring.ratelimit.RateLimitAutoConfiguration;
import io.github.microspring.ratelimit.RateLimited;
import io.github.microspring.test.redis.RedisCluster;
import io.github.microspring.test.redis.RedisServer;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A decision of a {@code @RateLimited} method with {@code store: redis} against its anchor, a bare Bucket4j
 * Lettuce proxy manager's {@code tryConsume(1)} on its own connection, in the same run and on the same real
 * Redis (a single {@code redis-server}, then a 3-master Redis Cluster, both started for the run on loopback).
 * <p>
 * Latency: {@code calls} sequential decisions on one key, p50 and p99. Throughput: 16 threads for
 * {@code seconds}, each on its own key (one client each, as an instance limiting per client does), decisions
 * per second, median of three rounds. Ours and the anchor alternate round by round. Buckets never run dry.
 * Arguments: {@code single|cluster|all calls=N seconds=N}.
 */
public final class RedisDecisionScenario {

	private static final long CAPACITY = 1_000_000_000_000L;

	/** per second: Bucket4j's highest rate, one token per nanosecond */
	private static final long REFILL = 1_000_000_000L;

	private static final int THREADS = 16;

	private static final int ROUNDS = 3;

	private RedisDecisionScenario() {
	}

	public static void main(String[] args) throws Exception {
		String which = (args.length > 0) ? args[0] : "all";
		int calls = intOption(args, "calls", 20_000);
		int seconds = intOption(args, "seconds", 3);
		if (which.equals("all") || which.equals("single")) {
			try (RedisServer redis = RedisServer.start()) {
				run("single", calls, seconds, List.of("spring.data.redis.host=127.0.0.1",
						"spring.data.redis.port=" + redis.port()), () -> {
							RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", redis.port()));
							return new Bare(client, client.connect(ByteArrayCodec.INSTANCE));
						});
			}
		}
		if (which.equals("all") || which.equals("cluster")) {
			try (RedisCluster cluster = RedisCluster.start(3)) {
				run("cluster", calls, seconds,
						List.of("spring.data.redis.cluster.nodes=" + String.join(",", cluster.nodes())), () -> {
							RedisClusterClient client = RedisClusterClient.create(cluster.ports()
								.stream()
								.map((port) -> RedisURI.create("127.0.0.1", port))
								.toList());
							return new Bare(client, client.connect(ByteArrayCodec.INSTANCE));
						});
			}
		}
	}

	private static void run(String label, int calls, int seconds, List<String> connection,
			java.util.function.Supplier<Bare> bareFactory) throws Exception {
		List<String> properties = new ArrayList<>(List.of("micro.ratelimit.store=redis",
				"micro.ratelimit.instances.bench.capacity=" + CAPACITY,
				"micro.ratelimit.instances.bench.refill-tokens=" + REFILL,
				"micro.ratelimit.instances.bench.refill-period=1s", "spring.main.banner-mode=off",
				"logging.level.root=warn"));
		properties.addAll(connection);
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
			.web(WebApplicationType.NONE)
			.properties(properties.toArray(String[]::new))
			.run(); Bare bare = bareFactory.get()) {
			Limited limited = context.getBean(Limited.class);
			BucketConfiguration configuration = BucketConfiguration.builder()
				.addLimit(Bandwidth.builder().capacity(CAPACITY).refillGreedy(REFILL, Duration.ofSeconds(1)).build())
				.build();
			ProxyManager<byte[]> manager = bare.proxyManager();
			IntPredicate ours = (key) -> limited.call(key);
			IntPredicate anchor = (key) -> manager.builder()
				.build(("bare:" + key).getBytes(), () -> configuration)
				.tryConsume(1);

			// warm both paths up before measuring either
			latencies(ours, calls / 4);
			latencies(anchor, calls / 4);
			// ours and the anchor alternate in rounds, so that load from elsewhere hits both alike
			List<long[]> oursLatencies = new ArrayList<>();
			List<long[]> anchorLatencies = new ArrayList<>();
			List<Double> oursRates = new ArrayList<>();
			List<Double> anchorRates = new ArrayList<>();
			for (int round = 0; round < ROUNDS; round++) {
				oursLatencies.add(latencies(ours, calls / ROUNDS));
				anchorLatencies.add(latencies(anchor, calls / ROUNDS));
				oursRates.add(throughput(ours, seconds));
				anchorRates.add(throughput(anchor, seconds));
			}
			long[] oursLatency = merge(oursLatencies);
			long[] anchorLatency = merge(anchorLatencies);
			double oursRate = median(oursRates);
			double anchorRate = median(anchorRates);
			System.out.printf("%s p50 ours %.0f us, bare %.0f us; p99 ours %.0f us, bare %.0f us%n", label,
					percentile(oursLatency, 50), percentile(anchorLatency, 50), percentile(oursLatency, 99),
					percentile(anchorLatency, 99));
			System.out.printf(
					"%s 16 threads (median of %d rounds of %d s): ours %.0f decisions/s, bare %.0f decisions/s, ours/bare %.0f %%%n",
					label, ROUNDS, seconds, oursRate, anchorRate, 100 * oursRate / anchorRate);
		}
	}

	private static long[] latencies(IntPredicate decision, int calls) {
		long[] nanos = new long[calls];
		for (int i = 0; i < calls; i++) {
			long start = System.nanoTime();
			if (!decision.test(0)) {
				throw new IllegalStateException("bucket ran dry");
			}
			nanos[i] = System.nanoTime() - start;
		}
		Arrays.sort(nanos);
		return nanos;
	}

	private static long[] merge(List<long[]> parts) {
		long[] all = parts.stream().flatMapToLong(Arrays::stream).toArray();
		Arrays.sort(all);
		return all;
	}

	private static double median(List<Double> values) {
		List<Double> sorted = values.stream().sorted().toList();
		return sorted.get(sorted.size() / 2);
	}

	private static double percentile(long[] sorted, int percent) {
		return sorted[Math.min(sorted.length - 1, sorted.length * percent / 100)] / 1000.0;
	}

	private static double throughput(IntPredicate decision, int seconds) throws Exception {
		ExecutorService threads = Executors.newFixedThreadPool(THREADS);
		LongAdder done = new LongAdder();
		long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
		long begin = System.nanoTime();
		try {
			List<Future<?>> running = new ArrayList<>();
			for (int t = 0; t < THREADS; t++) {
				int key = t + 1;
				running.add(threads.submit(() -> {
					while (System.nanoTime() < end) {
						decision.test(key);
						done.increment();
					}
				}));
			}
			for (Future<?> thread : running) {
				thread.get(seconds + 60L, TimeUnit.SECONDS);
			}
		}
		finally {
			threads.shutdownNow();
		}
		return done.sum() / ((System.nanoTime() - begin) / 1e9);
	}

	private static int intOption(String[] args, String name, int fallback) {
		for (String arg : args) {
			if (arg.startsWith(name + "=")) {
				return Integer.parseInt(arg.substring(name.length() + 1));
			}
		}
		return fallback;
	}

	/**
	 * The anchor: Bucket4j's Lettuce proxy manager as its documentation builds it, with the same expiry.
	 */
	private record Bare(io.lettuce.core.AbstractRedisClient client,
			StatefulConnection<byte[], byte[]> connection) implements AutoCloseable {

		@SuppressWarnings("unchecked")
		ProxyManager<byte[]> proxyManager() {
			Bucket4jLettuce.LettuceBasedProxyManagerBuilder<byte[]> builder = (this.connection instanceof io.lettuce.core.cluster.api.StatefulRedisClusterConnection<?, ?> cluster)
					? Bucket4jLettuce.casBasedBuilder(
							(io.lettuce.core.cluster.api.StatefulRedisClusterConnection<byte[], byte[]>) cluster)
					: Bucket4jLettuce
						.casBasedBuilder((io.lettuce.core.api.StatefulRedisConnection<byte[], byte[]>) this.connection);
			return builder
				.expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(1)))
				.build();
		}

		@Override
		public void close() {
			this.connection.close();
			this.client.shutdown();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ RedisAutoConfiguration.class, RateLimitAutoConfiguration.class })
	public static class Application {

		@Bean
		public Limited limited() {
			return new Limited();
		}

	}

	public static class Limited {

		@RateLimited(name = "bench", key = "#key", side = RateLimited.Side.SERVER)
		public boolean call(int key) {
			return true;
		}

	}

}
