package io.github.microspring.ratelimit;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.github.microspring.etcd.RunningApplication;
import io.github.microspring.test.FreePorts;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientAdapter;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.invoker.HttpServiceProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@link RateLimited} with local buckets in a Spring MVC application on a free port: server-side answers and
 * client-side pacing, including an HTTP interface client.
 */
class LocalRateLimitIntegrationTests {

	private static final ObjectMapper json = new ObjectMapper();

	private static ConfigurableApplicationContext context;

	@BeforeAll
	static void start() {
		int port = FreePorts.take();
		context = new SpringApplicationBuilder(Application.class).properties("server.port=" + port,
				"server.address=127.0.0.1", "micro.registry.enabled=false", "micro.discovery.enabled=false",
				"spring.cloud.service-registry.auto-registration.enabled=false",
				"micro.ratelimit.instances.orders.capacity=3", "micro.ratelimit.instances.orders.refill-tokens=1",
				"micro.ratelimit.instances.orders.refill-period=2s", "micro.ratelimit.instances.per-user.capacity=2",
				"micro.ratelimit.instances.per-user.refill-tokens=1",
				"micro.ratelimit.instances.per-user.refill-period=1h",
				"micro.ratelimit.instances.per-item.capacity=1", "micro.ratelimit.instances.per-item.refill-tokens=1",
				"micro.ratelimit.instances.per-item.refill-period=1h", "micro.ratelimit.instances.async.capacity=2",
				"micro.ratelimit.instances.async.refill-tokens=1", "micro.ratelimit.instances.async.refill-period=1h",
				"micro.ratelimit.instances.whole-class.capacity=2",
				"micro.ratelimit.instances.whole-class.refill-tokens=1",
				"micro.ratelimit.instances.whole-class.refill-period=1h", "micro.ratelimit.instances.pace.capacity=10",
				"micro.ratelimit.instances.pace.refill-tokens=10", "micro.ratelimit.instances.pace.refill-period=1s",
				"micro.ratelimit.instances.pace.max-wait=10s", "micro.ratelimit.instances.impatient.capacity=1",
				"micro.ratelimit.instances.impatient.refill-tokens=1",
				"micro.ratelimit.instances.impatient.refill-period=1h",
				"micro.ratelimit.instances.impatient.max-wait=100ms", "micro.ratelimit.instances.remote.capacity=2",
				"micro.ratelimit.instances.remote.refill-tokens=4", "micro.ratelimit.instances.remote.refill-period=1s",
				"test.port=" + port)
			.run();
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
	}

	@Test
	void admitsCapacityThenRefusesWithStandardHeadersAndAnHonestRetryAfter() throws Exception {
		for (int i = 0; i < 3; i++) {
			HttpResponse<String> allowed = RunningApplication.send(context, "/orders");
			int remaining = 2 - i;
			assertThat(allowed.statusCode()).isEqualTo(200);
			assertThat(allowed.headers().firstValue("RateLimit-Policy")).hasValue("\"orders\";q=3;w=6");
			assertThat(allowed.headers().firstValue("RateLimit")).hasValueSatisfying(
					(value) -> assertThat(value).startsWith("\"orders\";r=" + remaining + ";t="));
		}
		HttpResponse<String> refused = RunningApplication.send(context, "/orders");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"orders\";q=3;w=6");
		assertThat(refused.headers().firstValue("RateLimit")).hasValueSatisfying(
				(value) -> assertThat(value).matches("\"orders\";r=0;t=[56]"));
		long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
		assertThat(retryAfter).isEqualTo(2);
		JsonNode problem = json.readTree(refused.body());
		assertThat(problem.path("status").asInt()).isEqualTo(429);
		assertThat(problem.path("title").asText()).isEqualTo("Too Many Requests");
		assertThat(problem.path("limit").asText()).isEqualTo("orders");
		assertThat(problem.path("instance").asText()).isEqualTo("/orders");

		long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(retryAfter);
		await().pollDelay(Duration.ofSeconds(retryAfter)).atMost(Duration.ofSeconds(retryAfter + 5))
			.until(() -> System.nanoTime() >= waitUntil);
		assertThat(RunningApplication.status(context, "/orders")).isEqualTo(200);

		MeterRegistry meters = context.getBean(MeterRegistry.class);
		assertThat(meters.get("micro.ratelimit.decisions").tags("name", "orders", "result", "allowed").counter()
			.count()).isEqualTo(4);
		assertThat(meters.get("micro.ratelimit.decisions").tags("name", "orders", "result", "rejected").counter()
			.count()).isEqualTo(1);
	}

	@Test
	void keysBucketsByHeaderAndByPathVariable() throws Exception {
		assertThat(statusWithUser("/users/1", "alice")).isEqualTo(200);
		assertThat(statusWithUser("/users/2", "alice")).isEqualTo(200);
		assertThat(statusWithUser("/users/3", "alice")).isEqualTo(429);
		assertThat(statusWithUser("/users/1", "bob")).isEqualTo(200);

		assertThat(RunningApplication.status(context, "/items/a")).isEqualTo(200);
		assertThat(RunningApplication.status(context, "/items/a")).isEqualTo(429);
		assertThat(RunningApplication.status(context, "/items/b")).isEqualTo(200);
	}

	@Test
	void limitsCompletionStageHandlers() throws Exception {
		assertThat(RunningApplication.status(context, "/async")).isEqualTo(200);
		assertThat(RunningApplication.status(context, "/async")).isEqualTo(200);
		HttpResponse<String> refused = RunningApplication.send(context, "/async");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Retry-After")).isPresent();
	}

	@Test
	void classLevelAnnotationSharesOneLimitAcrossItsMethods() throws Exception {
		assertThat(RunningApplication.status(context, "/class/a")).isEqualTo(200);
		assertThat(RunningApplication.status(context, "/class/b")).isEqualTo(200);
		assertThat(RunningApplication.status(context, "/class/a")).isEqualTo(429);
		assertThat(RunningApplication.status(context, "/class/b")).isEqualTo(429);
	}

	@Test
	void clientSidePacesFiftyCallsAtTenPerSecond() {
		Pacer pacer = context.getBean(Pacer.class);
		List<Long> starts = new ArrayList<>();
		long begin = System.nanoTime();
		for (int i = 0; i < 50; i++) {
			pacer.call();
			starts.add(System.nanoTime());
		}
		long elapsed = System.nanoTime() - begin;
		// 10 at once (the capacity), then 40 more at 10/s
		assertThat(elapsed).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(3800));
		assertThat(elapsed).isLessThan(TimeUnit.SECONDS.toNanos(20));
		// a token bucket admits at most capacity + rate x window in any window
		for (int i = 0; i < starts.size(); i++) {
			long windowEnd = starts.get(i) + TimeUnit.SECONDS.toNanos(1);
			long inWindow = starts.subList(i, starts.size()).stream().filter((t) -> t < windowEnd).count();
			assertThat(inWindow).as("calls in the second after call %d", i).isLessThanOrEqualTo(20);
		}
		long afterBurst = starts.stream().filter((t) -> t - begin > TimeUnit.SECONDS.toNanos(1)).count();
		assertThat(afterBurst).isLessThanOrEqualTo(40);
	}

	@Test
	void clientSideFailsClearlyWhenNoTokenComesInTime() {
		Pacer pacer = context.getBean(Pacer.class);
		pacer.impatient();
		assertThatThrownBy(pacer::impatient).isInstanceOf(RateLimitExceededException.class)
			.hasMessageContaining("impatient")
			.hasMessageContaining("no token within PT0.1S");
	}

	@Test
	void clientSideCompletionStageWaitsWithoutFailing() {
		Pacer pacer = context.getBean(Pacer.class);
		long begin = System.nanoTime();
		List<CompletableFuture<String>> calls = new ArrayList<>();
		for (int i = 0; i < 15; i++) {
			calls.add(pacer.later());
		}
		assertThat(CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)))
			.succeedsWithin(Duration.ofSeconds(20));
		assertThat(System.nanoTime() - begin).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(400));
	}

	@Test
	void httpInterfaceClientIsPacedByItsInterfaceAnnotation() {
		RemoteApi remote = context.getBean(RemoteApi.class);
		long begin = System.nanoTime();
		for (int i = 0; i < 6; i++) {
			assertThat(remote.free()).isEqualTo("free");
		}
		// 2 at once, then 4 at 4/s
		assertThat(System.nanoTime() - begin).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(900));
		assertThat(context.getBean(MeterRegistry.class)
			.get("micro.ratelimit.decisions")
			.tags("name", "remote", "result", "allowed")
			.counter()
			.count()).isEqualTo(6);
	}

	private static int statusWithUser(String path, String user) throws Exception {
		return java.net.http.HttpClient.newHttpClient()
			.send(java.net.http.HttpRequest
				.newBuilder(java.net.URI.create("http://127.0.0.1:" + RunningApplication.port(context) + path))
				.header("X-User", user)
				.build(), HttpResponse.BodyHandlers.ofString())
			.statusCode();
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

		@Bean
		Api api() {
			return new Api();
		}

		@Bean
		WholeClass wholeClass() {
			return new WholeClass();
		}

		@Bean
		Pacer pacer() {
			return new Pacer();
		}

		@Bean
		RemoteApi remoteApi(org.springframework.core.env.Environment environment) {
			RestClient client = RestClient.builder()
				.baseUrl("http://127.0.0.1:" + environment.getProperty("test.port"))
				.build();
			return HttpServiceProxyFactory.builderFor(RestClientAdapter.create(client))
				.build()
				.createClient(RemoteApi.class);
		}

	}

	@RestController
	static class Api {

		@RateLimited(name = "orders")
		@GetMapping("/orders")
		String orders() {
			return "orders";
		}

		@RateLimited(name = "per-user", key = "#headers['X-User']")
		@GetMapping("/users/{id}")
		String user(@PathVariable String id) {
			return id;
		}

		@RateLimited(name = "per-item", key = "#pathVariables['id']")
		@GetMapping("/items/{id}")
		String item(@PathVariable String id) {
			return id;
		}

		@RateLimited(name = "async")
		@GetMapping("/async")
		CompletableFuture<String> async() {
			return CompletableFuture.supplyAsync(() -> "later");
		}

		@GetMapping("/free")
		String free() {
			return "free";
		}

	}

	@RestController
	@RateLimited(name = "whole-class")
	static class WholeClass {

		@GetMapping("/class/a")
		public String a() {
			return "a";
		}

		@GetMapping("/class/b")
		String b() {
			return "b";
		}

	}

	static class Pacer {

		@RateLimited(name = "pace")
		public String call() {
			return "called";
		}

		@RateLimited(name = "impatient")
		public String impatient() {
			return "called";
		}

		@RateLimited(name = "pace")
		public CompletableFuture<String> later() {
			return CompletableFuture.completedFuture("later");
		}

	}

	@RateLimited(name = "remote")
	interface RemoteApi {

		@GetExchange("/free")
		String free();

	}

}
