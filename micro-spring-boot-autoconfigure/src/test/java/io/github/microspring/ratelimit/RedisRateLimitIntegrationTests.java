package io.github.microspring.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.microspring.etcd.RunningApplication;
import io.github.microspring.test.redis.RedisCluster;
import io.github.microspring.test.redis.RedisClusterExtension;
import io.github.microspring.test.redis.RedisExtension;
import io.github.microspring.test.redis.RedisServer;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One limit shared by several instances through a real Redis, single or Cluster, and what calls get while
 * Redis is away.
 */
@ExtendWith({ RedisExtension.class, RedisClusterExtension.class })
class RedisRateLimitIntegrationTests {

	private static final HttpClient http = HttpClient.newHttpClient();

	private static final int CAPACITY = 20;

	private static final int REFILL_PER_SECOND = 10;

	@Test
	void threeInstancesShareOneLimitInRedis(RedisServer redis) throws Exception {
		assertSharedLimit("single", "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port());
	}

	@Test
	void threeInstancesShareOneLimitInRedisCluster(RedisCluster cluster) throws Exception {
		assertSharedLimit("cluster", "spring.data.redis.cluster.nodes=" + String.join(",", cluster.nodes()));
	}

	@Test
	void failsOpenOrClosedWhileRedisIsDownAndRecoversWhenItIsBack() throws Exception {
		String outageRun = "outage-" + System.currentTimeMillis();
		try (RedisServer redis = RedisServer.start()) {
			String[] connection = { "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port(),
					"spring.data.redis.timeout=2s" };
			try (ConfigurableApplicationContext open = start(outageRun, "open", connection);
					ConfigurableApplicationContext closed = start(outageRun, "closed", connection)) {
				assertThat(status(open)).isEqualTo(200);
				assertThat(status(closed)).isEqualTo(200);

				redis.kill();
				await("fail-closed refuses with 503").atMost(Duration.ofSeconds(30))
					.until(() -> status(closed) == 503);
				assertThat(status(open)).isEqualTo(200);
				HttpResponse<String> refused = send(closed);
				assertThat(refused.statusCode()).isEqualTo(503);
				assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
				assertThat(errors(open)).isPositive();
				assertThat(errors(closed)).isPositive();

				redis.restart();
				await("fail-closed answers again").atMost(Duration.ofSeconds(60)).until(() -> status(closed) == 200);
				await("fail-open decides in Redis again").atMost(Duration.ofSeconds(60)).until(() -> {
					double before = errors(open);
					return status(open) == 200 && errors(open) == before;
				});
			}
		}
	}

	@Test
	void slowRedisCostsACallAtMostTheTimeoutThenTheFailureMode() throws Exception {
		String run = "frozen-" + System.currentTimeMillis();
		try (RedisServer redis = RedisServer.start()) {
			String[] connection = { "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + redis.port() };
			try (ConfigurableApplicationContext open = start(run, "open", connection);
					ConfigurableApplicationContext closed = start(run, "closed", connection)) {
				assertThat(status(open)).isEqualTo(200);
				assertThat(status(closed)).isEqualTo(200);

				redis.freeze();
				try {
					assertThat(status(closed)).isEqualTo(503);
					assertThat(status(open)).isEqualTo(200);
					assertThat(errors(open)).isPositive();
					assertThat(errors(closed)).isPositive();
				}
				finally {
					redis.thaw();
				}
				await("fail-closed answers again").atMost(Duration.ofSeconds(30)).until(() -> status(closed) == 200);
			}
		}
	}

	@Test
	void concurrentCallersOfOneInstanceOnOneKeyAreAllDecidedInRedis(RedisServer redis) throws Exception {
		String run = "concurrent-" + System.currentTimeMillis();
		ExecutorService callers = Executors.newFixedThreadPool(16);
		try (ConfigurableApplicationContext instance = start(run, "closed", "spring.data.redis.host=127.0.0.1",
				"spring.data.redis.port=" + redis.port(),
				// only conflicts may fail a call here, not a loaded machine's slow answer
				"micro.ratelimit.redis.timeout=10s", "micro.ratelimit.instances.busy.capacity=1000000000",
				"micro.ratelimit.instances.busy.refill-tokens=1000000000")) {
			AtomicInteger sent = new AtomicInteger();
			AtomicInteger admitted = new AtomicInteger();
			List<Future<?>> running = new ArrayList<>();
			long begin = System.nanoTime();
			for (int caller = 0; caller < 16; caller++) {
				running.add(callers.submit(() -> {
					// bounded in count and in time
					for (int call = 0; call < 150 && System.nanoTime() - begin < TimeUnit.SECONDS.toNanos(30); call++) {
						sent.incrementAndGet();
						if (send(instance, "/busy").statusCode() == 200) {
							admitted.incrementAndGet();
						}
					}
					return null;
				}));
			}
			for (Future<?> caller : running) {
				caller.get(60, TimeUnit.SECONDS);
			}
			// 16 callers on one bucket: compare-and-swap conflicts must not exhaust the retries and fail the call
			assertThat(errors(instance, "busy")).as("store errors").isZero();
			assertThat(admitted.get()).as("calls admitted (failure mode closed)").isPositive().isEqualTo(sent.get());
		}
		finally {
			callers.shutdownNow();
		}
	}

	private void assertSharedLimit(String store, String... connection) throws Exception {
		// one key prefix for the three instances, new for each run
		String run = store + "-" + System.currentTimeMillis();
		List<ConfigurableApplicationContext> instances = new ArrayList<>();
		ExecutorService callers = Executors.newFixedThreadPool(3);
		try {
			// what is measured here is the sharing: a slow answer on a loaded machine must not count as an outage
			String[] patient = java.util.stream.Stream
				.concat(java.util.Arrays.stream(connection), java.util.stream.Stream.of("micro.ratelimit.redis.timeout=5s"))
				.toArray(String[]::new);
			for (int i = 0; i < 3; i++) {
				instances.add(start(run, "open", patient));
			}
			// a cold application answers its first calls slowly; the window must see callers at full speed
			for (ConfigurableApplicationContext instance : instances) {
				for (int i = 0; i < 20; i++) {
					RunningApplication.status(instance, "/free");
				}
			}
			AtomicInteger admitted = new AtomicInteger();
			AtomicInteger refused = new AtomicInteger();
			java.util.concurrent.atomic.AtomicLong lastStart = new java.util.concurrent.atomic.AtomicLong();
			long window = TimeUnit.SECONDS.toNanos(3);
			long begin = System.nanoTime();
			List<Future<?>> running = new ArrayList<>();
			for (ConfigurableApplicationContext instance : instances) {
				running.add(callers.submit(() -> {
					// bounded in time and in count
					for (int call = 0; call < 20_000 && System.nanoTime() - begin < window; call++) {
						lastStart.accumulateAndGet(System.nanoTime(), Math::max);
						int status = status(instance);
						if (status == 200) {
							admitted.incrementAndGet();
						}
						else if (status == 429) {
							refused.incrementAndGet();
						}
					}
					return null;
				}));
			}
			for (Future<?> caller : running) {
				caller.get(60, TimeUnit.SECONDS);
			}
			double seconds = (System.nanoTime() - begin) / 1e9;
			// tokens that arrive after the last call was sent cannot be taken: the lower bound ends there
			double decidingSeconds = (lastStart.get() - begin) / 1e9;
			double allowedMost = CAPACITY + REFILL_PER_SECOND * seconds;
			double couldTake = CAPACITY + REFILL_PER_SECOND * decidingSeconds;
			assertThat(refused.get()).as("calls refused").isPositive();
			assertThat(admitted.get()).as("admitted in %.2f s", seconds).isLessThanOrEqualTo((int) Math.ceil(allowedMost));
			assertThat(admitted.get()).as("admitted with calls sent for %.2f s", decidingSeconds)
				.isGreaterThanOrEqualTo((int) Math.floor(0.95 * couldTake));
			for (ConfigurableApplicationContext instance : instances) {
				assertThat(errors(instance)).as("store errors").isZero();
			}
		}
		finally {
			callers.shutdownNow();
			instances.forEach(ConfigurableApplicationContext::close);
		}
	}

	private static ConfigurableApplicationContext start(String run, String failureMode, String... connection) {
		List<String> properties = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
				"micro.registry.enabled=false", "micro.discovery.enabled=false",
				"spring.cloud.service-registry.auto-registration.enabled=false", "micro.ratelimit.store=redis",
				"micro.ratelimit.redis.failure-mode=" + failureMode, "micro.ratelimit.redis.timeout=300ms",
				"micro.ratelimit.instances.shared.capacity=" + CAPACITY,
				"micro.ratelimit.instances.shared.refill-tokens=" + REFILL_PER_SECOND,
				"micro.ratelimit.instances.shared.refill-period=1s",
				"micro.ratelimit.redis.key-prefix=test:" + run + ":"));
		properties.addAll(List.of(connection));
		return new SpringApplicationBuilder(Application.class).properties(properties.toArray(String[]::new)).run();
	}

	private static int status(ConfigurableApplicationContext context) throws Exception {
		return send(context).statusCode();
	}

	private static HttpResponse<String> send(ConfigurableApplicationContext context) throws Exception {
		return send(context, "/shared");
	}

	private static HttpResponse<String> send(ConfigurableApplicationContext context, String path) throws Exception {
		return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RunningApplication.port(context)
				+ path))
			.timeout(Duration.ofSeconds(10))
			.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static double errors(ConfigurableApplicationContext context) {
		return errors(context, "shared");
	}

	private static double errors(ConfigurableApplicationContext context, String limit) {
		var counter = context.getBean(MeterRegistry.class)
			.find("micro.ratelimit.store.errors")
			.tag("name", limit)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

		@Bean
		Shared shared() {
			return new Shared();
		}

	}

	@RestController
	static class Shared {

		@RateLimited(name = "shared")
		@GetMapping("/shared")
		String shared() {
			return "ok";
		}

		@RateLimited(name = "busy")
		@GetMapping("/busy")
		String busy() {
			return "ok";
		}

		@GetMapping("/free")
		String free() {
			return "ok";
		}

	}

}
