package io.github.microspring.ratelimit;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import io.github.microspring.etcd.RunningApplication;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RateLimited} on WebFlux: {@code Mono} and {@code Flux} handlers answer 429 with the same fields as
 * Spring MVC, and reactive client methods wait for tokens without blocking a thread.
 */
class ReactiveRateLimitIntegrationTests {

	private static final ObjectMapper json = new ObjectMapper();

	private static ConfigurableApplicationContext context;

	@BeforeAll
	static void start() {
		context = new SpringApplicationBuilder(Application.class)
			.properties("spring.main.web-application-type=reactive", "server.port=0", "server.address=127.0.0.1",
					"micro.registry.enabled=false", "micro.discovery.enabled=false",
					"spring.cloud.service-registry.auto-registration.enabled=false",
					"micro.ratelimit.defaults.refill-period=1h", "micro.ratelimit.defaults.refill-tokens=1",
					"micro.ratelimit.instances.mono.capacity=2", "micro.ratelimit.instances.flux.capacity=1",
					"micro.ratelimit.instances.by-address.capacity=1", "micro.ratelimit.instances.paced.capacity=1",
					"micro.ratelimit.instances.impatient.capacity=1",
					"micro.ratelimit.instances.paced.refill-tokens=5",
					"micro.ratelimit.instances.paced.refill-period=1s",
					"micro.ratelimit.instances.paced.max-wait=10s")
			.run();
	}

	@AfterAll
	static void stop() {
		if (context != null) {
			context.close();
		}
	}

	@Test
	void monoHandlerAnswers429WithHeadersAndProblemBody() throws Exception {
		HttpResponse<String> allowed = RunningApplication.send(context, "/mono/x");
		assertThat(allowed.statusCode()).isEqualTo(200);
		assertThat(allowed.body()).isEqualTo("x");
		assertThat(allowed.headers().firstValue("RateLimit")).hasValueSatisfying(
				(value) -> assertThat(value).startsWith("\"mono\";r=1;t="));
		assertThat(allowed.headers().firstValue("RateLimit-Policy")).hasValue("\"mono\";q=2;w=7200");
		assertThat(RunningApplication.status(context, "/mono/y")).isEqualTo(200);
		HttpResponse<String> refused = RunningApplication.send(context, "/mono/z");
		assertThat(refused.statusCode()).isEqualTo(429);
		assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(refused.headers().firstValue("Retry-After")).hasValue("3600");
		assertThat(refused.headers().firstValue("RateLimit")).hasValueSatisfying(
				(value) -> assertThat(value).startsWith("\"mono\";r=0;t="));
		JsonNode problem = json.readTree(refused.body());
		assertThat(problem.path("status").asInt()).isEqualTo(429);
		assertThat(problem.path("limit").asText()).isEqualTo("mono");
	}

	@Test
	void fluxHandlerIsLimitedToo() throws Exception {
		assertThat(RunningApplication.text(context, "/flux")).isEqualTo("ab");
		assertThat(RunningApplication.status(context, "/flux")).isEqualTo(429);
	}

	@Test
	void keysByClientAddressAndHeaderFromTheExchange() throws Exception {
		assertThat(statusAs("alice")).isEqualTo(200);
		assertThat(statusAs("alice")).isEqualTo(429);
		assertThat(statusAs("bob")).isEqualTo(200);
	}

	private static int statusAs(String user) throws Exception {
		return java.net.http.HttpClient.newHttpClient()
			.send(java.net.http.HttpRequest
				.newBuilder(java.net.URI.create("http://127.0.0.1:" + RunningApplication.port(context) + "/by-user"))
				.header("X-User", user)
				.build(), HttpResponse.BodyHandlers.ofString())
			.statusCode();
	}

	@Test
	void reactiveClientWaitsForTokensOnASchedulerNotAThread() throws Exception {
		ReactiveClient client = context.getBean(ReactiveClient.class);
		reactor.core.scheduler.Scheduler caller = Schedulers.newSingle("caller");
		try {
			long begin = System.nanoTime();
			java.util.concurrent.CompletableFuture<List<String>> answers = Flux.range(0, 6)
				.flatMap((i) -> client.call(i).subscribeOn(caller))
				.collectList()
				.toFuture();
			// queued on the caller's only thread behind the six subscriptions: a wait that blocked that thread
			// would hold this task back until every call had its token
			java.util.concurrent.CompletableFuture<Boolean> callsPendingWhenThreadFree = new java.util.concurrent.CompletableFuture<>();
			caller.schedule(() -> callsPendingWhenThreadFree.complete(!answers.isDone()));
			assertThat(callsPendingWhenThreadFree.get(20, TimeUnit.SECONDS)).isTrue();
			assertThat(answers.get(20, TimeUnit.SECONDS)).hasSize(6);
			// 1 at once, then 5 at 5/s
			assertThat(System.nanoTime() - begin).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(900));
		}
		finally {
			caller.dispose();
		}
	}

	@Test
	void reactiveClientFailsWhenNoTokenComesInTime() {
		ReactiveClient client = context.getBean(ReactiveClient.class);
		assertThat(client.impatient().block(Duration.ofSeconds(5))).isEqualTo("ok");
		assertThatThrownBy(() -> client.impatient().block(Duration.ofSeconds(5)))
			.isInstanceOf(RateLimitExceededException.class)
			.hasMessageContaining("impatient");
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

		@Bean
		Handlers handlers() {
			return new Handlers();
		}

		@Bean
		ReactiveClient reactiveClient() {
			return new ReactiveClient();
		}

	}

	@RestController
	static class Handlers {

		@RateLimited(name = "mono")
		@GetMapping("/mono/{id}")
		Mono<String> mono(@PathVariable String id) {
			return Mono.just(id);
		}

		@RateLimited(name = "flux")
		@GetMapping("/flux")
		Flux<String> flux() {
			return Flux.just("a", "b");
		}

		// without the exchange both users would share the bucket 'no-request'
		@RateLimited(name = "by-address", key = "#remoteAddress == '127.0.0.1' ? #headers['X-User'] : 'no-request'")
		@GetMapping("/by-user")
		Mono<String> byUser() {
			return Mono.just("ok");
		}

	}

	static class ReactiveClient {

		@RateLimited(name = "paced")
		public Mono<String> call(int i) {
			return Mono.just("answer " + i);
		}

		@RateLimited(name = "impatient")
		public Mono<String> impatient() {
			return Mono.just("ok");
		}

	}

}
